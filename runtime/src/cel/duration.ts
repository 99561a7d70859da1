/**
 * Durations as text: CEL's form (`"1h30m"`, `"1.5s"`, `"-90s"`: a sign, then numbers each
 * followed by a unit `h`, `m`, `s`, `ms`, `us`, `µs`, `ns`) to cel-js's `Duration`, and a
 * Duration to the text PostgreSQL reads as an interval (`"5400 seconds"`).
 *
 * Parsed by hand in one pass (no regular expression to reason about), exactly in BigInt
 * nanoseconds. CEL durations are bounded by ±10000 years.
 */
import { Duration } from "@marcbachmann/cel-js/evaluator";

const NANOS: Readonly<Record<string, bigint>> = {
  h: 3_600_000_000_000n,
  m: 60_000_000_000n,
  s: 1_000_000_000n,
  ms: 1_000_000n,
  us: 1_000n,
  "µs": 1_000n,
  ns: 1n,
};
const BILLION = 1_000_000_000n;
/** 10000 years of 365.25 days, in seconds: CEL's range for durations. */
const MAX_SECONDS = 315_576_000_000n;

function isDigit(c: string | undefined): boolean {
  return c !== undefined && c >= "0" && c <= "9";
}

/** The duration `text` denotes, or undefined when it is not one. */
export function parseDuration(text: string): Duration | undefined {
  let i = 0;
  let negative = false;
  if (text[0] === "-" || text[0] === "+") {
    negative = text[0] === "-";
    i = 1;
  }
  if (i >= text.length) return undefined;
  if (text.slice(i) === "0") return new Duration(0n, 0);
  let total = 0n;
  while (i < text.length) {
    const start = i;
    while (isDigit(text[i])) i++;
    const whole = text.slice(start, i);
    let fraction = "";
    if (text[i] === ".") {
      const f = ++i;
      while (isDigit(text[i])) i++;
      fraction = text.slice(f, i);
    }
    if (whole === "" && fraction === "") return undefined;
    const unitStart = i;
    while (i < text.length && !isDigit(text[i]) && text[i] !== ".") i++;
    const unit = NANOS[text.slice(unitStart, i)];
    if (unit === undefined) return undefined;
    total += BigInt(whole === "" ? "0" : whole) * unit;
    if (fraction !== "") total += (BigInt(fraction) * unit) / 10n ** BigInt(fraction.length);
    if (total / BILLION > MAX_SECONDS) return undefined;
  }
  if (negative) total = -total;
  return new Duration(total / BILLION, Number(total % BILLION));
}

/** `"5400 seconds"`, `"-0.5 seconds"`: what `interval` accepts, exactly. */
export function durationText(duration: Duration): string {
  const total = duration.seconds * BILLION + BigInt(duration.nanos);
  const sign = total < 0n ? "-" : "";
  const abs = total < 0n ? -total : total;
  const seconds = abs / BILLION;
  const nanos = abs % BILLION;
  const fraction = nanos === 0n ? "" : `.${nanos.toString().padStart(9, "0").replace(/0+$/, "")}`;
  return `${sign}${seconds}${fraction} seconds`;
}
