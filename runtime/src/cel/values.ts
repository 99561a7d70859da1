/**
 * JSON ⇄ CEL values by declared field type (spec/language.md §8.3, spec/runtime.md):
 *
 * | field type            | JSON in                                  | CEL value (cel-js)   |
 * |-----------------------|------------------------------------------|----------------------|
 * | uuid, string, enum    | string                                   | string               |
 * | int                   | safe integer number, bigint (int64)      | bigint               |
 * | decimal, money        | finite number, decimal string            | number (double)      |
 * | bool                  | boolean                                  | boolean              |
 * | timestamp             | RFC 3339 string, Date                    | Date                 |
 * | duration              | `"1h30m"`-style string, Duration         | Duration             |
 * | list(T)               | array                                    | array of T's values  |
 * | json                  | any JSON value                           | as is                |
 *
 * Two modes. `input` is what an agent sent: sizes, enum values, uuid format and decimal
 * ranges are enforced. `row` is what the database stored (`resource`): only the kind of
 * value is checked, and the forms `pg` returns are accepted too (an `int8` or `numeric`
 * as a string).
 *
 * A value that does not fit throws a `ValueError` with the path below the field; the
 * callers add the field and report it. Nothing here allocates on success but the
 * converted values themselves.
 */
import { Duration, UnsignedInt } from "@marcbachmann/cel-js/evaluator";
import type { FieldType } from "../bundle/format.js";
import { durationText, parseDuration } from "./duration.js";

export type Mode = "input" | "row";

export class ValueError extends Error {
  /** Path segments below the value that failed, outermost first (`[2]`, `.name`). */
  readonly segments: string[] = [];
  constructor(message: string) {
    super(message);
    this.name = "ValueError";
  }
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const INTEGER_TEXT = /^-?\d{1,19}$/;
const DECIMAL_TEXT = /^-?\d{1,40}(\.\d{1,40})?$/;
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/;

/** 1 at the UTF-16 code of a hex digit. */
const HEX = new Uint8Array(65536);
for (const c of "0123456789abcdefABCDEF") HEX[c.charCodeAt(0)] = 1;

function hexDigits(text: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (HEX[text.charCodeAt(i)] !== 1) return false;
  return true;
}

/** `8-4-4-4-12` hex digits; by hand (a table per character), as it runs on every input with a uuid. */
function isUuid(text: string): boolean {
  return (
    text.length === 36 &&
    text.charCodeAt(8) === 45 &&
    text.charCodeAt(13) === 45 &&
    text.charCodeAt(18) === 45 &&
    text.charCodeAt(23) === 45 &&
    hexDigits(text, 0, 8) &&
    hexDigits(text, 9, 13) &&
    hexDigits(text, 14, 18) &&
    hexDigits(text, 19, 23) &&
    hexDigits(text, 24, 36)
  );
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (value instanceof Date) return "a date";
  switch (typeof value) {
    case "string":
      return "a string";
    case "number":
      return Number.isInteger(value) ? "a whole number" : "a number";
    case "bigint":
      return "a whole number";
    case "boolean":
      return "a boolean";
    case "object":
      return "an object";
    default:
      return `a ${typeof value}`;
  }
}

function expected(what: string, value: unknown): ValueError {
  return new ValueError(`expected ${what}, got ${describe(value)}`);
}

/** Characters as CEL counts them (code points), only counted when UTF-16 could exceed `max`. */
function tooLong(text: string, max: number): boolean {
  if (text.length <= max) return false;
  let count = 0;
  for (const _ of text) if (++count > max) return true;
  return false;
}

/** The bigints of small whole numbers, made once (a bigint is a value: sharing one is safe). */
const SMALL_MIN = -128;
const SMALL_INTS: readonly bigint[] = Array.from({ length: 1152 }, (_, i) => BigInt(i + SMALL_MIN));

function toInt(value: unknown, mode: Mode): bigint {
  let n: bigint;
  if (typeof value === "number") {
    if (!Number.isSafeInteger(value)) throw expected("a whole number between -2^53 and 2^53", value);
    const small = SMALL_INTS[value - SMALL_MIN];
    return small !== undefined ? small : BigInt(value);
  }
  if (typeof value === "bigint") n = value;
  else if (mode === "row" && typeof value === "string" && INTEGER_TEXT.test(value)) n = BigInt(value);
  else throw expected("a whole number", value);
  if (n < INT64_MIN || n > INT64_MAX) throw new ValueError("whole number out of the 64-bit range");
  return n;
}

function toDecimal(value: unknown, type: Extract<FieldType, { kind: "decimal" | "money" }>, mode: Mode): number {
  let n: number;
  if (typeof value === "number") n = value;
  else if (typeof value === "string" && DECIMAL_TEXT.test(value)) n = Number(value);
  else throw expected("a number", value);
  if (!Number.isFinite(n)) throw expected("a finite number", value);
  if (mode === "input" && type.kind === "decimal") {
    const { precision, scale } = type;
    if (scale !== undefined && Number(n.toFixed(scale)) !== n) {
      throw new ValueError(`\`${n}\` has more than ${scale} digits after the decimal point`);
    }
    if (precision !== undefined && Math.abs(n) >= 10 ** (precision - (scale ?? 0))) {
      throw new ValueError(`\`${n}\` does not fit decimal(${precision}, ${scale ?? 0})`);
    }
  }
  return n;
}

function toTimestamp(value: unknown): Date {
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw new ValueError("invalid date");
    return value;
  }
  if (typeof value !== "string") throw expected("an RFC 3339 timestamp string", value);
  const ms = RFC3339.test(value) ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(ms)) throw new ValueError(`\`${value.slice(0, 64)}\` is not an RFC 3339 timestamp`);
  const date = new Date(ms);
  const year = date.getUTCFullYear();
  if (year < 1 || year > 9999) throw new ValueError(`\`${value}\` is out of the range of timestamps`);
  return date;
}

function toDuration(value: unknown): Duration {
  if (value instanceof Duration) return value;
  if (typeof value !== "string") throw expected('a duration string such as "1h30m"', value);
  const d = parseDuration(value);
  if (d === undefined) throw new ValueError(`\`${value.slice(0, 64)}\` is not a duration such as "1h30m"`);
  return d;
}

function toList(value: unknown, type: Extract<FieldType, { kind: "list" }>, mode: Mode): readonly unknown[] {
  if (!Array.isArray(value)) throw expected("a list", value);
  if (mode === "input" && type.max !== undefined && value.length > type.max) {
    throw new ValueError(`list of ${value.length} items, at most ${type.max} allowed`);
  }
  if (!converts(type.element)) {
    // Each item is its own CEL value: checked, and the list used as it is.
    for (let i = 0; i < value.length; i++) {
      try {
        toCel(type.element, value[i], mode);
      } catch (e) {
        if (e instanceof ValueError) e.segments.unshift(`[${i}]`);
        throw e;
      }
    }
    return value;
  }
  const out = new Array<unknown>(value.length);
  for (let i = 0; i < value.length; i++) {
    try {
      out[i] = toCel(type.element, value[i], mode);
    } catch (e) {
      if (e instanceof ValueError) e.segments.unshift(`[${i}]`);
      throw e;
    }
  }
  return out;
}

/** The CEL value of `value` for a field of type `type` (not null: callers handle absence). */
export function toCel(type: FieldType, value: unknown, mode: Mode): unknown {
  switch (type.kind) {
    case "string":
      if (typeof value !== "string") throw expected("a string", value);
      if (mode === "input" && type.max !== undefined && tooLong(value, type.max)) {
        throw new ValueError(`string longer than ${type.max} characters`);
      }
      return value;
    case "uuid":
      if (typeof value !== "string") throw expected("a uuid string", value);
      if (mode === "input" && !isUuid(value)) throw new ValueError(`\`${value.slice(0, 64)}\` is not a uuid`);
      return value;
    case "enum":
      if (typeof value !== "string") throw expected("a string", value);
      if (mode === "input" && !type.values.includes(value)) {
        throw new ValueError(`\`${value.slice(0, 64)}\` is not one of ${type.values.join(", ")}`);
      }
      return value;
    case "bool":
      if (typeof value !== "boolean") throw expected("a boolean", value);
      return value;
    case "int":
      return toInt(value, mode);
    case "decimal":
    case "money":
      return toDecimal(value, type, mode);
    case "timestamp":
      return toTimestamp(value);
    case "duration":
      return toDuration(value);
    case "list":
      return toList(value, type, mode);
    case "json":
      if (value === undefined) throw expected("a JSON value", value);
      return value;
  }
}

/** Whether a type's CEL value can differ from its JSON (else the JSON is used as it is). */
export function converts(type: FieldType): boolean {
  switch (type.kind) {
    case "int":
    case "timestamp":
    case "duration":
      return true;
    case "decimal":
    case "money":
      return true; // a decimal may arrive as a string
    case "list":
      return converts(type.element);
    default:
      return false;
  }
}

/**
 * A CEL result as a SQL parameter: bigint → number when safe (else its decimal text),
 * Duration → interval text, lists element-wise, maps → plain objects, Date and
 * Uint8Array kept. For a `json` field every bigint inside becomes a number (or text).
 */
export function fromCel(value: unknown): unknown {
  if (value === null || typeof value === "string" || typeof value === "boolean" || typeof value === "number") return value;
  if (typeof value === "bigint") {
    return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value.toString();
  }
  if (value instanceof Date || value instanceof Uint8Array) return value;
  if (value instanceof Duration) return durationText(value);
  if (value instanceof UnsignedInt) return fromCel(value.valueOf());
  if (Array.isArray(value)) return value.map(fromCel);
  if (value instanceof Map) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of value) out[String(k)] = fromCel(v);
    return out;
  }
  if (typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = fromCel(v);
    return out;
  }
  return String(value);
}
