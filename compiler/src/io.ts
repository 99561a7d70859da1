/**
 * The process as the commands see it: two output streams, the working directory and the
 * settings read from the environment. Commands take an `Io` instead of touching `process`,
 * so what they print is decided in one place.
 */

export interface Io {
  readonly cwd: string;
  /** Colour the code frames on stderr. */
  readonly color: boolean;
  /** Print stack traces of internal errors (`PAYBILL_DEBUG=1`). */
  readonly debug: boolean;
  out(text: string): void;
  err(text: string): void;
}

let guarded = false;

/**
 * A reader that goes away early (`paybillc check --format json | head`) is not an error of
 * ours: on EPIPE the process ends quietly with the status it has so far, as Unix tools do.
 * Any other write failure is one line on stderr and exit status 2, never a stack trace.
 */
function guardStreams(): void {
  if (guarded) return;
  guarded = true;
  for (const stream of [process.stdout, process.stderr]) {
    stream.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code !== "EPIPE" && stream !== process.stderr) process.stderr.write(`paybillc: cannot write the output: ${error.message}\n`);
      process.exit(error.code === "EPIPE" ? (typeof process.exitCode === "number" ? process.exitCode : 0) : 2);
    });
  }
}

export function processIo(): Io {
  guardStreams();
  // https://no-color.org: a NO_COLOR that is present and not empty turns colour off.
  const noColor = (process.env.NO_COLOR ?? "") !== "";
  return {
    cwd: process.cwd(),
    color: process.stderr.isTTY === true && !noColor,
    debug: process.env.PAYBILL_DEBUG === "1",
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
  };
}
