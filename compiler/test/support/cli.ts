/**
 * Runs the built `paybillc` (compiler/bin/paybillc.js → compiler/dist) as a user would, in
 * a temporary project directory. Build first: `npx tsc -b` (the `test` script does).
 *
 * No run is killed on a timer: on a loaded machine a command may take many seconds, and a
 * test must not fail because of that. A command that hangs fails its test by vitest's own
 * time limit, and any run still going after a test is ended then.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach } from "vitest";

export const BIN = fileURLToPath(new URL("../../bin/paybillc.js", import.meta.url));
const BUILT = fileURLToPath(new URL("../../dist/cli.js", import.meta.url));

export interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

const running = new Set<ChildProcess>();

export function paybillc(args: readonly string[], cwd: string, env: Record<string, string> = {}): Promise<Run> {
  if (!existsSync(BUILT)) throw new Error("compiler/dist is missing: run `npx tsc -b` before these tests");
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd,
      env: { ...process.env, NO_COLOR: "", PAYBILL_DEBUG: "", ...env },
    });
    running.add(child);
    child.on("exit", () => running.delete(child));
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (chunk: Buffer) => out.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => err.push(chunk));
    child.on("error", reject);
    child.on("close", (code) =>
      resolve({ code, stdout: Buffer.concat(out).toString("utf8"), stderr: Buffer.concat(err).toString("utf8") }),
    );
  });
}

const made: string[] = [];
afterEach(async () => {
  // A run still going belongs to a test that already failed (by vitest's time limit).
  for (const child of running) child.kill("SIGKILL");
  running.clear();
  for (const dir of made.splice(0)) await rm(dir, { recursive: true, force: true });
});

/** A fresh directory holding `files` (path → contents); removed after the test. */
export async function project(files: Record<string, string | Uint8Array> = {}): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "paybillc-"));
  made.push(dir);
  for (const [path, contents] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), contents);
  }
  return dir;
}

/** Lines of a Node.js stack trace (`    at f (file.js:1:2)`). */
export const STACK_LINE = /^\s+at .+/m;

export const VALID = `import std.isolation.{pooled}

cloud aws primary { region = "eu-west-1" }

plan free {
  price     = 0 usd per month
  isolation = pooled on primary
  features  = [tickets]
}

agent support_bot { roles = [support] }
`;

/** Three independent syntax errors, one per line. */
export const THREE_ERRORS = "plan a { price = = 1 }\ntenant b { plan = }\nagent c { roles = [x }\n";
