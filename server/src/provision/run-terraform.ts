/**
 * Runs one `terraform` command in a stack's work directory: no input, no colour, output
 * streamed line by line to a callback as it comes and kept for the outcome's tail. A
 * terraform that cannot be started is an outcome (exit code undefined), never a throw.
 */
import { spawn } from "node:child_process";

export interface TerraformRun {
  /** The exit code; undefined when terraform could not be started or was killed. */
  readonly code: number | undefined;
  /** stdout and stderr lines, interleaved as they arrived. */
  readonly lines: readonly string[];
  readonly stdout: string;
}

export interface RunOptions {
  readonly terraform: string;
  readonly cwd: string;
  readonly env: Readonly<Record<string, string>>;
  readonly onLine: (line: string) => void;
}

/** Settings that keep terraform from prompting, checking for updates or colouring. */
const AUTOMATION = { TF_IN_AUTOMATION: "1", TF_INPUT: "0", CHECKPOINT_DISABLE: "1" };

export function runTerraform(args: readonly string[], options: RunOptions): Promise<TerraformRun> {
  return new Promise((resolve) => {
    const lines: string[] = [];
    const stdout: Buffer[] = [];
    const emit = (line: string): void => {
      lines.push(line);
      options.onLine(line);
    };
    const child = spawn(options.terraform, args, { cwd: options.cwd, env: { ...process.env, ...AUTOMATION, ...options.env }, stdio: ["ignore", "pipe", "pipe"] });
    const split = (collect?: Buffer[]) => {
      let rest = "";
      return {
        data: (chunk: Buffer) => {
          collect?.push(chunk);
          const text = rest + chunk.toString("utf8");
          const parts = text.split("\n");
          rest = parts.pop() ?? "";
          for (const part of parts) emit(part.replace(/\r$/, ""));
        },
        end: () => {
          if (rest !== "") emit(rest);
          rest = "";
        },
      };
    };
    const out = split(stdout);
    const err = split();
    child.stdout.on("data", out.data);
    child.stderr.on("data", err.data);
    let failed: string | undefined;
    child.on("error", (error) => {
      failed = error.message;
    });
    child.on("close", (code) => {
      out.end();
      err.end();
      if (failed !== undefined) emit(`cannot run ${options.terraform}: ${failed}`);
      resolve({ code: code ?? undefined, lines, stdout: Buffer.concat(stdout).toString("utf8") });
    });
  });
}
