/**
 * The standard library: the `.paybill` modules under `stdlib/` (`std.isolation`,
 * `std.clouds`, `std.policies`), read once per process. This is the one place `lang`
 * touches the file system; everything else works on text it is given.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { SourceFile } from "./source/source-file.js";

/**
 * Where the standard library is: the repository's `stdlib/` when there is one —
 * `lang/src/stdlib.ts` and `lang/dist/stdlib.js` sit at the same depth below its root — else
 * `stdlib/` in the installed package (`npm pack` copies it into `lang/stdlib/`,
 * scripts/pack-stdlib.mjs). The repository's first: a pack in progress, whose copy comes and
 * goes, never changes what a checkout reads.
 */
export const STDLIB_ROOT = stdlibRoot();

function stdlibRoot(): string {
  const repository = fileURLToPath(new URL("../../stdlib/", import.meta.url));
  return existsSync(join(repository, "std")) ? repository : fileURLToPath(new URL("../stdlib/", import.meta.url));
}

const ROOT = STDLIB_ROOT;

let cached: readonly SourceFile[] | undefined;

export function loadStdlib(): readonly SourceFile[] {
  cached ??= walk(ROOT)
    .sort()
    .map((path) => new SourceFile(`<stdlib>/${relative(ROOT, path).split("\\").join("/")}`, readFileSync(path, "utf8")));
  return cached;
}

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return walk(path);
    return entry.name.endsWith(".paybill") ? [path] : [];
  });
}
