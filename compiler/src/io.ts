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

export function processIo(): Io {
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
