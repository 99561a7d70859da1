/**
 * Writes `bundle.json` into the output directory, atomically and without touching anything
 * else there (other emitters will write `terraform/`, `db/`, `sdk/` beside it):
 *
 * - the directory exists: the file is written as a temporary file inside it, flushed, and
 *   renamed over `bundle.json`; a reader sees the old bundle or the new one, never half;
 * - it does not: it is built as a temporary directory beside it and renamed into place, so
 *   `out/` never exists without a complete `bundle.json`. Parents that had to be created
 *   are removed again if anything fails.
 *
 * Errors are thrown as they come (with their `code`); the caller words them.
 */
import { randomBytes } from "node:crypto";
import { mkdir, open, realpath, rename, rm, stat } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

export const BUNDLE_FILE = "bundle.json";

export async function writeBundleFile(outDir: string, text: string): Promise<string> {
  const existing = await directoryOrNothing(outDir);
  if (existing !== undefined) return replaceFile(existing, text);
  const parent = dirname(outDir);
  const created = await mkdir(parent, { recursive: true });
  const temp = join(parent, tempName(basename(outDir)));
  try {
    await mkdir(temp);
    await writeFlushed(join(temp, BUNDLE_FILE), text);
    try {
      await rename(temp, outDir);
    } catch (error) {
      // Someone created the directory meanwhile: write into it like into any existing one.
      if (!["EEXIST", "ENOTEMPTY", "EISDIR"].includes(codeOf(error))) throw error;
      await rm(temp, { recursive: true, force: true });
      return replaceFile(await realpath(outDir), text);
    }
    return join(outDir, BUNDLE_FILE);
  } catch (error) {
    await rm(temp, { recursive: true, force: true });
    if (created !== undefined) await rm(created, { recursive: true, force: true });
    throw error;
  }
}

async function replaceFile(dir: string, text: string): Promise<string> {
  const target = join(dir, BUNDLE_FILE);
  const temp = join(dir, tempName(BUNDLE_FILE));
  try {
    await writeFlushed(temp, text);
    await rename(temp, target);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  return target;
}

/** The directory's real path, undefined if nothing is there; anything else there is an error. */
async function directoryOrNothing(path: string): Promise<string | undefined> {
  try {
    if (!(await stat(path)).isDirectory()) throw Object.assign(new Error(`${path} is not a directory`), { code: "ENOTDIR" });
    return await realpath(path);
  } catch (error) {
    if (codeOf(error) === "ENOENT") return undefined;
    throw error;
  }
}

async function writeFlushed(path: string, text: string): Promise<void> {
  const handle = await open(path, "wx");
  try {
    await handle.writeFile(text, "utf8");
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function tempName(name: string): string {
  return `.${name}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
}

function codeOf(error: unknown): string {
  return typeof error === "object" && error !== null && "code" in error ? String(error.code) : "";
}
