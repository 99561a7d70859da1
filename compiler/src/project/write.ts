/**
 * Replaces a file's contents atomically: write a temporary file beside it, flush it, then
 * rename it over the original. A crash or a full disk leaves either the old file or the new
 * one, never half of each. The original's permissions are kept, and a symbolic link is
 * followed so the link itself stays a link.
 */
import { randomBytes } from "node:crypto";
import { open, realpath, rename, rm, stat } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

export async function writeAtomically(path: string, bytes: Uint8Array): Promise<void> {
  const target = await realpath(path);
  const mode = (await stat(target)).mode & 0o7777;
  const temp = join(dirname(target), `.${basename(target)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`);
  try {
    const handle = await open(temp, "wx", mode);
    try {
      await handle.writeFile(bytes);
      await handle.chmod(mode); // `open` applied the umask
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, target);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}
