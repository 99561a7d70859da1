/**
 * `paybillc` driven in the test's own process: `main` with a captured Io, working in `cwd`.
 * For runs a test needs but is not about (a build before the runtime is opened, the fourth
 * bad `--release` after a spawned run proved the first): no process start, no module load.
 * Every run is held to the CLI's promise of no stack trace and no internal error. A test that
 * asserts what the binary does as a process (its exit status, its stderr) keeps at least one
 * spawned run (support/cli.ts) of that command.
 */
import { expect } from "vitest";
import { main } from "../../src/cli.js";
import type { Io } from "../../src/io.js";
import { STACK_LINE } from "./cli.js";

export interface Ran {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export async function paybillcHere(args: readonly string[], cwd: string): Promise<Ran> {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const io: Io = { cwd, color: false, debug: false, out: (t) => stdout.push(t), err: (t) => stderr.push(t) };
  const code = await main([...args], io);
  const ran = { code, stdout: stdout.join(""), stderr: stderr.join("") };
  expect(ran.stderr).not.toMatch(STACK_LINE);
  expect(ran.stderr).not.toContain("internal error");
  return ran;
}
