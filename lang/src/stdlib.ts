/**
 * The standard library: the `.paybill` modules under `stdlib/` (`std.isolation`,
 * `std.clouds`, `std.policies`), read once per process. This is the one place `lang`
 * touches the file system; everything else works on text it is given.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { SourceFile } from "./source/source-file.js";

/** `lang/src/stdlib.ts` and `lang/dist/stdlib.js` sit at the same depth below the repository root. */
const ROOT = fileURLToPath(new URL("../../stdlib/", import.meta.url));

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
