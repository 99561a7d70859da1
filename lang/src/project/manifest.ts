/**
 * Where a project starts: the directory that holds `paybill.json` (the manifest), found by
 * walking up from a file as `tsconfig.json` is. Shared by the CLI (which reads the settings
 * in it, `compiler/src/project/settings.ts`) and the language server (which checks each
 * project on its own). Reads nothing itself: the caller says whether a directory holds one.
 */
import { dirname, join } from "node:path";

export const MANIFEST_FILE = "paybill.json";

/**
 * The nearest directory at or above `dir` that holds a manifest, or undefined when none does
 * up to the file system's root. `holds` is asked once per directory, nearest first.
 */
export async function findProjectRoot(dir: string, holds: (manifest: string) => Promise<boolean>): Promise<string | undefined> {
  for (let at = dir; ; ) {
    if (await holds(join(at, MANIFEST_FILE))) return at;
    const up = dirname(at);
    if (up === at) return undefined;
    at = up;
  }
}
