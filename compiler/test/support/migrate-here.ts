/**
 * `paybillc migrate` in the test's own process (the command's function, as the CLI calls it),
 * for the isolation audit's tests: they need no child process, so none is killed on a loaded
 * machine. Also the audit's problem lines out of its stderr.
 */
import { migrate } from "../../src/commands/migrate.js";
import type { OutputFormat } from "../../src/output/report.js";
import type { Io } from "../../src/io.js";

/** An Io for `dir` whose output is kept: `collected()` gives what was written to each stream. */
export function capturingIo(dir: string): { io: Io; collected: () => { stdout: string; stderr: string } } {
  let stdout = "";
  let stderr = "";
  const io: Io = {
    cwd: dir,
    color: false,
    debug: false,
    out: (t) => {
      stdout += t;
    },
    err: (t) => {
      stderr += t;
    },
  };
  return { io, collected: () => ({ stdout, stderr }) };
}

export async function migrateHere(
  dir: string,
  options: { database?: string; schema?: string; format?: OutputFormat } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const { io, collected } = capturingIo(dir);
  const code = await migrate(".", { format: "text", ...options }, io);
  return { code, ...collected() };
}

/**
 * The audit's problem lines. Roles belong to the whole PostgreSQL server other tests share:
 * a line about a login role is left out here (test/db-audit.test.ts checks those in a
 * transaction it rolls back).
 */
export const problemLines = (stderr: string): string[] => stderr.split("\n").filter((l) => l.startsWith("  - ") && !l.startsWith("  - the login role `"));
