/**
 * Writes one build into the output directory: `bundle.json`, `terraform/manifest.json` and
 * `terraform/<stack>/cdk.tf.json`, `db/…`, `sdk/index.ts`, all or nothing as far as an error
 * while writing goes:
 *
 * 1. every file is written to a temporary file beside its target and flushed; an error here
 *    removes the temporaries and the directories it created, and the old build is intact;
 * 2. then each temporary is renamed over its target (the manifest last, so it never names a
 *    stack file that is not there yet);
 * 3. then the files of stacks the previous manifest named and this build does not are
 *    removed — only `cdk.tf.json`: a stack directory may hold Terraform's local state or
 *    `.terraform/`, which are never ours to delete (an emptied directory is removed).
 *
 * When the output directory does not exist, the whole build is made in a temporary
 * directory beside it and renamed into place.
 */
import { randomBytes } from "node:crypto";
import { mkdir, open, rename, rm, rmdir, stat } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

export interface OutputFile {
  /** Relative to the output directory, with `/`. */
  readonly path: string;
  readonly text: string;
}

export async function writeBuild(outDir: string, files: readonly OutputFile[], stale: readonly string[]): Promise<void> {
  if (!(await exists(outDir))) return writeFresh(outDir, files);
  const created: string[] = [];
  const staged: { temp: string; target: string }[] = [];
  try {
    for (const file of files) {
      const target = join(outDir, file.path);
      const made = await mkdir(dirname(target), { recursive: true });
      if (made !== undefined) created.push(made);
      const temp = join(dirname(target), tempName(basename(target)));
      staged.push({ temp, target });
      await writeFlushed(temp, file.text);
    }
  } catch (error) {
    for (const { temp } of staged) await rm(temp, { force: true });
    for (const dir of created.reverse()) await rm(dir, { recursive: true, force: true });
    throw error;
  }
  for (const { temp, target } of staged) await rename(temp, target);
  for (const path of stale) {
    const target = join(outDir, path);
    await rm(target, { force: true });
    await rmdir(dirname(target)).catch(() => undefined); // not empty: state or .terraform/ stay
  }
}

async function writeFresh(outDir: string, files: readonly OutputFile[]): Promise<void> {
  const parent = dirname(outDir);
  const created = await mkdir(parent, { recursive: true });
  const temp = join(parent, tempName(basename(outDir)));
  try {
    for (const file of files) {
      const target = join(temp, file.path);
      await mkdir(dirname(target), { recursive: true });
      await writeFlushed(target, file.text);
    }
    await rename(temp, outDir);
  } catch (error) {
    await rm(temp, { recursive: true, force: true });
    if (created !== undefined) await rm(created, { recursive: true, force: true });
    throw error;
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    if (!(await stat(path)).isDirectory()) throw Object.assign(new Error(`${path} is not a directory`), { code: "ENOTDIR" });
    return true;
  } catch (error) {
    if (typeof error === "object" && error !== null && "code" in error && error.code === "ENOENT") return false;
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
