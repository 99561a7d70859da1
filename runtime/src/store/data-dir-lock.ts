/**
 * The lock that keeps a PGlite data directory to one opener. PGlite is PostgreSQL in one
 * process with no postmaster: two processes on the same directory each keep their own
 * copy in memory and overwrite each other's files, so one's writes are silently lost. The
 * lock is `paybill.lock` inside the directory, created atomically (`wx`), holding the
 * owner's pid and host; a second opener is refused with PBR191 naming the holder.
 *
 * A lock whose pid is dead on this host is stale (the owner was killed before it could
 * remove it) and is taken over. The lock is released on close, and on process exit for a
 * runtime that was never closed. It is advisory: it binds Paybill's openers (the runtime,
 * `paybillc migrate`, `tenants`, `serve`), not other programs.
 */
import { randomUUID } from "node:crypto";
import { mkdirSync, readFileSync, unlinkSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join, resolve } from "node:path";
import { PaybillRuntimeError } from "./errors.js";

export const LOCK_FILE = "paybill.lock";

export interface DataDirLock {
  readonly path: string;
  /** Removes the lock file if it is still this lock's (idempotent). */
  release(): void;
}

interface Owner {
  readonly pid: number;
  readonly host: string;
  readonly token: string;
}

/** Locks after exit (a runtime never closed): removed synchronously when the process exits. */
const held = new Set<DataDirLock>();
let exitHook = false;

/**
 * Takes the lock of `dataDir` (created if missing), or throws PBR191. A directory given as
 * a URL other than `file://` (PGlite's `memory://`, `idb://`) is not locked.
 */
export function lockDataDir(dataDir: string): DataDirLock | undefined {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(dataDir) && !dataDir.startsWith("file://")) return undefined;
  const dir = resolve(dataDir.replace(/^file:\/\//, ""));
  mkdirSync(dir, { recursive: true });
  const path = join(dir, LOCK_FILE);
  const me: Owner = { pid: process.pid, host: hostname(), token: randomUUID() };
  // Twice at most: a stale lock is removed once, then the create must win or lose for real.
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(path, `${JSON.stringify(me)}\n`, { flag: "wx", mode: 0o600 });
      return hold(path, me);
    } catch (error) {
      if (!isCode(error, "EEXIST")) throw error;
    }
    const text = readOwnerText(path);
    if (text === undefined) continue; // removed in between: try again
    const owner = parseOwner(text);
    if (owner === undefined || !isStale(owner)) throw inUse(dir, owner);
    // Remove the stale lock only if it is still the one read (another opener may have taken it over).
    if (readOwnerText(path) === text) removeQuietly(path);
  }
  throw inUse(dir, parseOwner(readOwnerText(path) ?? ""));
}

function hold(path: string, me: Owner): DataDirLock {
  let released = false;
  const lock: DataDirLock = {
    path,
    release() {
      if (released) return;
      released = true;
      held.delete(lock);
      const text = readOwnerText(path);
      if (text !== undefined && parseOwner(text)?.token === me.token) removeQuietly(path);
    },
  };
  held.add(lock);
  if (!exitHook) {
    exitHook = true;
    process.once("exit", () => {
      for (const l of [...held]) l.release();
    });
  }
  return lock;
}

function isStale(owner: Owner): boolean {
  if (owner.host !== hostname()) return false; // a pid of another machine cannot be checked
  if (owner.pid === process.pid) return false; // this process holds it (another open, not closed)
  try {
    process.kill(owner.pid, 0);
    return false;
  } catch (error) {
    return isCode(error, "ESRCH");
  }
}

function inUse(dir: string, owner: Owner | undefined): PaybillRuntimeError {
  const who =
    owner === undefined
      ? "another process (its lock file cannot be read)"
      : owner.pid === process.pid && owner.host === hostname()
        ? "this process (it is already open and not closed)"
        : `process ${owner.pid} on \`${owner.host}\``;
  return new PaybillRuntimeError(
    "PBR191",
    `the PGlite data directory \`${dir}\` is in use by ${who}`,
    `an embedded database has one opener at a time: stop the other process (or close the other runtime) first, or use PostgreSQL for several processes; if no process holds it, remove \`${join(dir, LOCK_FILE)}\``,
  );
}

function readOwnerText(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    if (isCode(error, "ENOENT")) return undefined;
    throw error;
  }
}

function parseOwner(text: string): Owner | undefined {
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value !== "object" || value === null) return undefined;
    const { pid, host, token } = value as Record<string, unknown>;
    return typeof pid === "number" && typeof host === "string" && typeof token === "string" ? { pid, host, token } : undefined;
  } catch {
    return undefined;
  }
}

function removeQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch (error) {
    if (!isCode(error, "ENOENT")) throw error;
  }
}

function isCode(error: unknown, code: string): boolean {
  return typeof error === "object" && error !== null && "code" in error && error.code === code;
}
