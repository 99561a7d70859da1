/**
 * Templates of embedded databases: a PGlite cluster already initialised and migrated, kept
 * as one file so that opening a new database (in memory, or a data directory that holds no
 * cluster yet) loads it (~0.3 s) instead of running `initdb` and every migration (~2–7 s).
 *
 * A template is named by a key: the SHA-256 of everything that shapes what it holds — the
 * template format, PGlite's version, and the caller's parts (the runtime's migrations, the
 * schema they run in). A change to any of them is another key, so a stale template is never
 * picked (another key's template is removed once a week has passed since it was written).
 *
 * The file is `pglite-<key>.tpl`: a header line (`paybill-pglite-template 1 <sha256 of the
 * rest>`) and PGlite's gzipped dump. A file whose header or hash does not match (a partial
 * write, a corrupted disk, another program's file) is not used: it is removed and the
 * template made again. A template is written to a file of its own (pid and a random
 * suffix) and renamed into place, so two processes making it at once each rename a whole
 * file and a reader never sees half of one. Failing to write (a read-only home) only costs
 * the time: the database opens all the same.
 *
 * Where templates live: `PAYBILL_CACHE_DIR`, else `$XDG_CACHE_HOME/paybill`, else
 * `~/.cache/paybill` (`%LOCALAPPDATA%\paybill` on Windows), in a `pglite/` folder.
 */
import { createHash, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { mkdir, readdir, readFile, rename, stat, unlink, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { homedir } from "node:os";
import { dirname, join } from "node:path";

/**
 * Bumped when what a template holds (how pglite-adapter.ts makes it: SLIM) or how its file is
 * laid out changes. 2: the template databases dropped, the WAL switched.
 */
const FORMAT = 2;
const MAGIC = "paybill-pglite-template";

/** The folder templates are kept in, from the environment (see the file header). */
export function defaultTemplateDir(env: NodeJS.ProcessEnv = process.env): string {
  const base =
    env.PAYBILL_CACHE_DIR ||
    (env.XDG_CACHE_HOME ? join(env.XDG_CACHE_HOME, "paybill") : undefined) ||
    (process.platform === "win32" && env.LOCALAPPDATA ? join(env.LOCALAPPDATA, "paybill") : join(homedir(), ".cache", "paybill"));
  return join(base, "pglite");
}

let pgliteVersion: string | undefined;

/** The installed PGlite's version (its package.json, found from its entry point). */
export function installedPgliteVersion(): string {
  pgliteVersion ??= findPgliteVersion();
  return pgliteVersion;
}

function findPgliteVersion(): string {
  const require = createRequire(import.meta.url);
  let dir = dirname(require.resolve("@electric-sql/pglite"));
  for (let i = 0; i < 4; i++) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { name?: string; version?: string };
      if (pkg.name === "@electric-sql/pglite" && typeof pkg.version === "string") return pkg.version;
    } catch {
      // not here: one folder up
    }
    dir = dirname(dir);
  }
  // Unknown: a key no other install shares, so nothing is reused across installs.
  return `unknown:${dir}`;
}

/** The key of a template made from `parts` (with the format and PGlite's version). */
export function templateKey(parts: readonly string[]): string {
  const hash = createHash("sha256");
  for (const part of [`format ${FORMAT}`, `pglite ${installedPgliteVersion()}`, ...parts]) hash.update(`${part.length}:${part}`);
  return hash.digest("hex").slice(0, 32);
}

export function templatePath(dir: string, key: string): string {
  return join(dir, `pglite-${key}.tpl`);
}

/**
 * The dump a template file holds, or undefined when there is none. A file that is there
 * but not whole and intact is removed (and undefined returned): the caller makes it again.
 */
export async function readTemplate(path: string): Promise<Uint8Array | undefined> {
  let file: Buffer;
  try {
    file = await readFile(path);
  } catch {
    return undefined;
  }
  const dump = checkedDump(file);
  if (dump === undefined) await unlink(path).catch(() => undefined);
  return dump;
}

/** The dump inside a template file's bytes, if its header names it and its hash matches. */
export function checkedDump(file: Uint8Array): Uint8Array | undefined {
  const newline = file.indexOf(10);
  if (newline < 0 || newline > 200) return undefined;
  const header = Buffer.from(file.subarray(0, newline)).toString("latin1").split(" ");
  if (header.length !== 3 || header[0] !== MAGIC || header[1] !== String(FORMAT)) return undefined;
  const dump = file.subarray(newline + 1);
  if (dump.length === 0 || createHash("sha256").update(dump).digest("hex") !== header[2]) return undefined;
  return dump;
}

/** A template file's bytes around a dump. */
export function templateFile(dump: Uint8Array): Buffer {
  const hash = createHash("sha256").update(dump).digest("hex");
  return Buffer.concat([Buffer.from(`${MAGIC} ${FORMAT} ${hash}\n`, "latin1"), dump]);
}

/**
 * Writes a template atomically (a file of its own, then renamed over `path`) and removes the
 * folder's old files (removeOthers). Returns whether it was written; a failure is not an
 * error (the cache is only a cache).
 */
export async function writeTemplate(path: string, dump: Uint8Array): Promise<boolean> {
  const dir = dirname(path);
  const temp = `${path}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`;
  try {
    await mkdir(dir, { recursive: true });
    await writeFile(temp, templateFile(dump), { mode: 0o600 });
    await rename(temp, path);
  } catch {
    await unlink(temp).catch(() => undefined);
    return false;
  }
  await removeOthers(dir, path);
  return true;
}

/** Other keys' templates untouched for a week, and temporary files an hour old (a writer that died). */
async function removeOthers(dir: string, keep: string): Promise<void> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const kept = keep.slice(dir.length + 1);
  const now = Date.now();
  for (const name of names) {
    if (!name.startsWith("pglite-") || name === kept) continue;
    const age = name.endsWith(".tpl") ? 7 * 86_400_000 : name.endsWith(".tmp") ? 3_600_000 : undefined;
    if (age === undefined) continue;
    const changed = await stat(join(dir, name)).then((s) => s.mtimeMs, () => now);
    if (changed < now - age) await unlink(join(dir, name)).catch(() => undefined);
  }
}
