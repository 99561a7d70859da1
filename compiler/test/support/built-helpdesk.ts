/**
 * For tests that drive `paybillc` in process (`main` with a captured Io) on the helpdesk
 * example: its sources and migrations (not its own build, database or agent service) copied
 * into a temporary root and built once per test file; `run` calls `main` there and holds
 * every run to the CLI's promise of no stack trace and no internal error.
 */
import { cp, mkdir, mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openRuntime, readBundle } from "@paybill/runtime";
import { afterAll, beforeAll, expect } from "vitest";
import { main } from "../../src/cli.js";
import type { Io } from "../../src/io.js";
import { HELPDESK } from "./bundle.js";
import { STACK_LINE } from "./cli.js";

export interface Ran {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface BuiltHelpdesk {
  /** The temporary directory every run works in (read inside tests). */
  readonly root: () => string;
  /** `root()/built`: the example, built. */
  readonly built: () => string;
  run(args: readonly string[]): Promise<Ran>;
}

/**
 * Registers the build (beforeAll) and the clean-up (afterAll) of a test file's copy. With
 * `database`, the build's default PGlite data directory (`.paybill/db`) is also made, as a
 * command's first run makes it (the runtime opened on it, and closed): every copy of the
 * built project then starts from it instead of creating its own, the slow part of a run.
 */
export function builtHelpdesk(prefix: string, options: { database?: boolean } = {}): BuiltHelpdesk {
  let root = "";
  const run = async (args: readonly string[]): Promise<Ran> => {
    const stdout: string[] = [];
    const stderr: string[] = [];
    const io: Io = { cwd: root, color: false, debug: false, out: (t) => stdout.push(t), err: (t) => stderr.push(t) };
    const code = await main([...args], io);
    const ran = { code, stdout: stdout.join(""), stderr: stderr.join("") };
    expect(ran.stderr).not.toMatch(STACK_LINE);
    expect(ran.stderr).not.toContain("internal error");
    return ran;
  };
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), prefix));
    const built = join(root, "built");
    await mkdir(built, { recursive: true });
    for (const name of await readdir(HELPDESK)) {
      if ((name.endsWith(".paybill") && !name.startsWith(".")) || name === "migrations") await cp(join(HELPDESK, name), join(built, name), { recursive: true });
    }
    const build = await run(["build", "built"]);
    expect(build.code, build.stderr).toBe(0);
    if (options.database === true) {
      const dataDir = join(built, ".paybill/db");
      await mkdir(dataDir, { recursive: true });
      const runtime = await openRuntime({ bundle: await readBundle(join(built, "out/bundle.json")), database: { pglite: { dataDir } } });
      await runtime.close();
    }
  }, 300_000);
  afterAll(async () => {
    if (root !== "") await rm(root, { recursive: true, force: true });
  });
  return { root: () => root, built: () => join(root, "built"), run };
}
