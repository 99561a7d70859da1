/**
 * Which files a command works on: the paths on the command line, with directories walked
 * recursively for `*.paybill`.
 *
 * Skips `node_modules`, `out`, `dist` and hidden directories, and does not follow symbolic
 * links to directories (a link back up the tree would never end). Each file keeps the name
 * to print — the path as the user wrote it, joined with `/` — and the list is sorted by that
 * name, so output never depends on the order a file system returns entries. Reads nothing
 * but directory listings.
 */
import type { Dirent } from "node:fs";
import { readdir, stat } from "node:fs/promises";
import { join, normalize, resolve, sep } from "node:path";
import { type Diagnostic, diagnostic, SourceFile } from "@paybill/lang";
import { describeFsError, errorCode } from "./fs-errors.js";

export const EXTENSION = ".paybill";
const SKIPPED = new Set(["node_modules", "out", "dist"]);

export interface ProjectFile {
  /** The name printed in diagnostics: as given on the command line, `/`-separated. */
  readonly name: string;
  /** The absolute path to open. */
  readonly path: string;
}

export interface Discovery {
  readonly files: readonly ProjectFile[];
  /** PB9002 for a directory without `.paybill` files, PB9001 for one that cannot be listed. */
  readonly diagnostics: readonly Diagnostic[];
  /** Command-line paths that do not exist: a usage error. */
  readonly missing: readonly string[];
}

export async function discover(paths: readonly string[], cwd: string): Promise<Discovery> {
  const files = new Map<string, ProjectFile>();
  const diagnostics: Diagnostic[] = [];
  const missing: string[] = [];
  for (const given of paths) {
    const path = resolve(cwd, given);
    const name = displayName(given);
    let isDirectory: boolean;
    try {
      isDirectory = (await stat(path)).isDirectory();
    } catch (error) {
      const code = errorCode(error);
      if (code === "ENOENT" || code === "ENOTDIR") missing.push(given);
      else diagnostics.push(unreadable(name, error));
      continue;
    }
    if (!isDirectory) {
      // A file named explicitly is taken whatever its extension: the user asked for it.
      if (!files.has(path)) files.set(path, { name, path });
      continue;
    }
    const found: ProjectFile[] = [];
    const problemsBefore = diagnostics.length;
    await walk(path, name, found, diagnostics);
    // A directory that could not be listed is reported as such, not also as empty.
    if (found.length === 0 && diagnostics.length === problemsBefore) {
      diagnostics.push(
        diagnostic(
          "noSourceFiles",
          new SourceFile(name, ""),
          { start: 0, end: 0 },
          `no \`${EXTENSION}\` files found in \`${name}\``,
          `directories are searched recursively, except \`node_modules\`, \`out\`, \`dist\` and hidden ones; name a file to check it directly`,
        ),
      );
    }
    for (const file of found) if (!files.has(file.path)) files.set(file.path, file);
  }
  const sorted = [...files.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { files: sorted, diagnostics, missing };
}

async function walk(dir: string, name: string, found: ProjectFile[], diagnostics: Diagnostic[]): Promise<void> {
  let entries: Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    diagnostics.push(unreadable(name, error));
    return;
  }
  for (const entry of entries) {
    const path = join(dir, entry.name);
    const child = displayName(join(name, entry.name));
    if (entry.isDirectory()) {
      if (!SKIPPED.has(entry.name) && !entry.name.startsWith(".")) await walk(path, child, found, diagnostics);
    } else if (entry.name.endsWith(EXTENSION) && (entry.isFile() || (entry.isSymbolicLink() && (await isFile(path))))) {
      found.push({ name: child, path });
    }
  }
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false; // a dangling link is not a source file
  }
}

function displayName(given: string): string {
  return normalize(given).split(sep).join("/");
}

function unreadable(name: string, error: unknown): Diagnostic {
  return diagnostic(
    "unreadableFile",
    new SourceFile(name, ""),
    { start: 0, end: 0 },
    `cannot read \`${name}\`: ${describeFsError(error)}`,
    "check that the path exists and that you are allowed to read it",
  );
}
