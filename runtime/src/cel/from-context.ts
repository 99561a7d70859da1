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

import { isLowerPlain, PLAIN } from "./plain-text.js";

/** The normalised text a string is compared by. */
export function normaliseText(text: string): string {
  // NFC and the whitespace rewrite leave most texts (printable ASCII, single spaces) as they are: skip them then.
  if (isLowerPlain(text)) return text;
  if (PLAIN.test(text)) return text.toLowerCase();
  return text.normalize("NFC").trim().replace(/\s+/gu, " ").toLowerCase();
}

/** A context's values as compared: its strings normalised once per context object. */
interface Values {
  readonly texts: ReadonlySet<string>;
  readonly others: readonly unknown[];
}
const normalised = new WeakMap<object, Values>();

function valuesOf(context: Readonly<Record<string, unknown>>): Values {
  const known = normalised.get(context);
  if (known !== undefined) return known;
  const texts = new Set<string>();
  const others: unknown[] = [];
  const add = (v: unknown): void => {
    if (typeof v === "string") texts.add(normaliseText(v));
    else others.push(v);
  };
  for (const key of Object.keys(context)) {
    const candidate = context[key];
    if (Array.isArray(candidate)) for (const element of candidate) add(element);
    else add(candidate);
  }
  const values = { texts, others };
  normalised.set(context, values);
  return values;
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

/** Whether one context value that is not a string matches the argument (not a string either). */
function matches(candidate: unknown, value: unknown): boolean {
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
  const values = valuesOf(context);
  // A text already in its normal form (the usual case) is found without normalising it.
  if (typeof plain === "string") return values.texts.has(plain) || (!isLowerPlain(plain) && values.texts.has(normaliseText(plain)));
  if (typeof plain !== "boolean" && !numeric(plain)) return false;
  for (const candidate of values.others) if (matches(candidate, plain)) return true;
  return false;
}
