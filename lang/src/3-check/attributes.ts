/**
 * Checking `key = value` bodies against a schema: unknown keys (PB3007), keys set twice
 * (PB2001), required keys missing (PB3008), and values of the wrong shape (PB3006).
 */
import type { Attribute, Block, Entry, Value } from "../ast/nodes.js";
import { didYouMean } from "../2-resolve/suggest.js";
import type { Unit } from "../2-resolve/symbols.js";
import type { Span } from "../source/source-file.js";
import type { Context } from "./context.js";

export interface AttributeSpec {
  /** What the value must be, in words, for messages: "a duration such as `14 days`". */
  readonly expect: string;
  readonly required?: boolean;
  /** A block (`limits { … }`) rather than `key = value`. */
  readonly block?: boolean;
  /** Whether a value has the right shape; the spec's `expect` explains a mismatch. */
  readonly accepts?: (value: Value) => boolean;
}

export type Schema = Readonly<Record<string, AttributeSpec>>;

const keyOf = (entry: Entry): string => (entry.kind === "Block" ? entry.name.name : entry.key.kind === "Ident" ? entry.key.name : entry.key.value);
const keySpan = (entry: Entry): Span => (entry.kind === "Block" ? entry.name.span : entry.key.span);

/** Checks a body; returns its entries by key (first occurrence) for further checks. */
export function checkBody(
  ctx: Context,
  unit: Unit,
  what: string,
  at: Span,
  entries: readonly (Entry | { kind: string; span: Span })[],
  schema: Schema,
): Map<string, Attribute | Block> {
  const seen = new Map<string, Attribute | Block>();
  for (const entry of entries) {
    if (entry.kind !== "Attribute" && entry.kind !== "Block") continue;
    const e = entry as Attribute | Block;
    const key = keyOf(e);
    const spec = schema[key];
    if (spec === undefined) {
      const known = Object.keys(schema);
      ctx.report(
        "unknownAttribute",
        unit,
        keySpan(e),
        `${what} has no attribute \`${key}\``,
        didYouMean(key, known) ?? (known.length > 0 ? `it takes ${known.map((k) => `\`${k}\``).join(", ")}` : "it takes no attributes"),
      );
      continue;
    }
    if (seen.has(key)) {
      ctx.report("duplicateName", unit, keySpan(e), `\`${key}\` is set twice in ${what}`, "keep one of them");
      continue;
    }
    seen.set(key, e);
    if (spec.block === true && e.kind !== "Block") {
      ctx.report("attributeType", unit, e.span, `\`${key}\` is a block: write \`${key} { … }\``);
    } else if (spec.block !== true && e.kind === "Block") {
      ctx.report("attributeType", unit, e.span, `\`${key}\` takes a value: write \`${key} = …\``, `it expects ${spec.expect}`);
    } else if (e.kind === "Attribute" && spec.accepts !== undefined && e.value.kind !== "Missing" && !spec.accepts(e.value)) {
      ctx.report("attributeType", unit, e.value.span, `\`${key}\` expects ${spec.expect}`);
    }
  }
  for (const [key, spec] of Object.entries(schema)) {
    if (spec.required === true && !seen.has(key)) {
      ctx.report("missingAttribute", unit, at, `${what} needs \`${key}\``, `add \`${key} = …\`: ${spec.expect}`);
    }
  }
  return seen;
}

// ---- value shapes ----

export const isString = (v: Value): boolean => v.kind === "String";
export const isBool = (v: Value): boolean => v.kind === "Bool";
export const isWholeNumber = (v: Value): boolean => v.kind === "Number" && /^\d+$/.test(v.raw);
export const isName = (v: Value): boolean => v.kind === "Ref" && v.args === undefined && !v.optional && v.on === undefined;
export const isNameList = (v: Value): boolean => v.kind === "List" && v.items.every(isName);
export const isStringList = (v: Value): boolean => v.kind === "List" && v.items.every(isString);

const DURATION_UNITS = new Set(["ms", "millisecond", "milliseconds", "s", "second", "seconds", "m", "minute", "minutes", "h", "hour", "hours", "d", "day", "days", "w", "week", "weeks"]);
/** `10m`, `14d`, or `14 days` */
export const isDuration = (v: Value): boolean =>
  v.kind === "Duration" || (v.kind === "Quantity" && v.per === undefined && v.unit !== undefined && DURATION_UNITS.has(v.unit.name) && /^\d+$/.test(v.amount.raw));

export const PERIODS = new Set(["second", "minute", "hour", "day", "week", "month", "year"]);
/** `1000 per day`, or a plain whole number. */
export const isLimit = (v: Value): boolean =>
  isWholeNumber(v) || (v.kind === "Quantity" && v.unit === undefined && v.per !== undefined && PERIODS.has(v.per.name) && /^\d+$/.test(v.amount.raw));

/** `99 usd per month`, `0 usd per month`, `custom` */
export const isPrice = (v: Value): boolean =>
  (v.kind === "Ref" && isName(v) && v.name.parts.length === 1 && v.name.parts[0]?.name === "custom") ||
  (v.kind === "Number" && v.raw === "0") ||
  (v.kind === "Quantity" && v.unit !== undefined && /^[a-z]{3}$/.test(v.unit.name) && !v.amount.raw.startsWith("-") && (v.per === undefined || PERIODS.has(v.per.name)));
