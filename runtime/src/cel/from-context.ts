/**
 * `from_context(x)`: whether a value equals, once normalised, one of the values of the run's
 * trusted context (spec/runtime.md §Run context). Shared by the cel-js macro
 * (environment.ts) and the closures' fast path (closures.ts) so both answer alike.
 *
 * Normalisation, on both sides: a string is put in Unicode NFC, trimmed, every run of
 * whitespace made one space, and lower-cased (`String.prototype.toLowerCase`, the same in
 * every locale); numbers (int, uint, double, decimal) are equal when numerically equal
 * (`100 == 100.0`); a bool equals the same bool. Kinds never cross: the string `"100"` is
 * not the number 100. A list in the context is searched element by element (one level);
 * timestamps, durations, maps and `json` values in the context are never matched. No
 * substring matching. Outside a run, or in a run without a context, the answer is false.
 *
 * Pure and deterministic: no clock, no locale, no I/O.
 */

/** The normalised text a string is compared by. */
export function normaliseText(text: string): string {
  return text.normalize("NFC").trim().replace(/\s+/gu, " ").toLowerCase();
}

function isRecord(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function numeric(value: unknown): value is number | bigint {
  return typeof value === "bigint" || (typeof value === "number" && Number.isFinite(value));
}

function sameNumber(a: number | bigint, b: number | bigint): boolean {
  if (typeof a === "bigint" && typeof b === "bigint") return a === b;
  if (typeof a === "number" && typeof b === "number") return a === b;
  const n = (typeof a === "number" ? a : b) as number;
  const big = (typeof a === "bigint" ? a : b) as bigint;
  return Number.isInteger(n) && BigInt(n) === big;
}

/** Whether one context value (a scalar) matches the normalised argument. */
function matches(candidate: unknown, value: unknown, text: string | undefined): boolean {
  if (text !== undefined) return typeof candidate === "string" && normaliseText(candidate) === text;
  if (typeof value === "boolean") return candidate === value;
  if (numeric(value)) return numeric(candidate) && sameNumber(candidate, value);
  return false;
}

/**
 * The answer for `value` given `run` (the CEL variable: `{ context }`, or undefined outside
 * a run). A value of another kind than string, number or bool is never found.
 */
export function fromContext(value: unknown, run: unknown): boolean {
  const context = isRecord(run) ? run["context"] : undefined;
  if (!isRecord(context)) return false;
  // A uint arrives from cel-js as its own class: compare it as its bigint value.
  const plain = typeof value === "object" && value !== null && typeof (value as { valueOf(): unknown }).valueOf() === "bigint" ? (value as { valueOf(): bigint }).valueOf() : value;
  const text = typeof plain === "string" ? normaliseText(plain) : undefined;
  if (text === undefined && typeof plain !== "boolean" && !numeric(plain)) return false;
  for (const key of Object.keys(context)) {
    const candidate = context[key];
    if (Array.isArray(candidate)) {
      for (const element of candidate) if (matches(element, plain, text)) return true;
    } else if (matches(candidate, plain, text)) return true;
  }
  return false;
}
