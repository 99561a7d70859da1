/**
 * The workspace's test sources, for the tests that hold every test file to a rule (golden
 * expectations through one helper, no wall-clock assertions): `.ts` and `.mjs` files under
 * the three packages' `test/` folders, without sample projects and `node_modules`.
 */
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository's root, ending in `/`. */
export const ROOT = fileURLToPath(new URL("../../../", import.meta.url));

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (name === "samples" || name === "node_modules") return [];
    if (statSync(path).isDirectory()) return filesUnder(path);
    return /\.(ts|mjs)$/.test(name) ? [path] : [];
  });
}

/** Every test source of lang, compiler and runtime, as absolute paths. */
export function workspaceTestFiles(): string[] {
  return ["lang/test", "compiler/test", "runtime/test"].flatMap((dir) => filesUnder(join(ROOT, dir)));
}
