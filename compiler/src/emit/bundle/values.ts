/**
 * Reading checked `key = value` bodies: find an entry by key, and turn the values the
 * checker accepted into plain data (numbers, durations in milliseconds, quantities).
 *
 * Runs only on a model that checked without errors, so a value has the shape its attribute
 * requires; a shape that is not there is an internal error, never a guess.
 */
import type { Attribute, Block, Entry, QuantityValue, Value } from "@paybill/lang";
import type { Quantity } from "@paybill/runtime";

const keyOf = (entry: Entry): string => (entry.kind === "Block" ? entry.name.name : entry.key.kind === "Ident" ? entry.key.name : entry.key.value);

/** The attribute `key = …` of a body, if written. */
export function attribute(body: readonly { readonly kind: string }[], key: string): Attribute | undefined {
  return body.find((e): e is Attribute => e.kind === "Attribute" && keyOf(e as Attribute) === key);
}

/** The block `name { … }` of a body, if written. */
export function block(body: readonly { readonly kind: string }[], name: string): Block | undefined {
  return body.find((e): e is Block => e.kind === "Block" && (e as Block).name.name === name);
}

export function entryKey(entry: Attribute): string {
  return keyOf(entry);
}

export class InternalError extends Error {}

/** A shape the checker should have refused: a bug in the checker or the emitter. */
export function unexpected(what: string): never {
  throw new InternalError(`the bundle emitter met ${what} in a checked project`);
}

export function stringOf(value: Value | undefined): string | undefined {
  return value?.kind === "String" ? value.value : undefined;
}

/** A plain name (`pooled`, `support`), as written. */
export function nameOf(value: Value): string {
  if (value.kind !== "Ref") return unexpected(`a ${value.kind} where a name belongs`);
  return value.name.parts.map((p) => p.name).join(".");
}

export function numberOf(raw: string): number {
  const n = Number(raw);
  if (!Number.isFinite(n)) return unexpected(`the number \`${raw}\``);
  return n;
}

const MS: Readonly<Record<string, number>> = {
  ms: 1,
  millisecond: 1,
  milliseconds: 1,
  s: 1_000,
  second: 1_000,
  seconds: 1_000,
  m: 60_000,
  minute: 60_000,
  minutes: 60_000,
  h: 3_600_000,
  hour: 3_600_000,
  hours: 3_600_000,
  d: 86_400_000,
  day: 86_400_000,
  days: 86_400_000,
  w: 604_800_000,
  week: 604_800_000,
  weeks: 604_800_000,
};
export const DAY_MS = 86_400_000;

/** A duration (`10m`, `24h`, `14 days`) in milliseconds (spec/language.md §8.2). */
export function durationMs(value: Value): number {
  if (value.kind === "Duration") {
    const match = /^(\d+)([a-z]+)$/.exec(value.raw);
    const unit = match === null ? undefined : MS[match[2] as string];
    if (match === null || unit === undefined) return unexpected(`the duration \`${value.raw}\``);
    return numberOf(match[1] as string) * unit;
  }
  if (value.kind === "Quantity" && value.unit !== undefined && value.per === undefined) {
    const unit = MS[value.unit.name];
    if (unit !== undefined) return numberOf(value.amount.raw) * unit;
  }
  return unexpected(`a ${value.kind} where a duration belongs`);
}

/** `1000 per day`, `99 usd per month`, `3`: the amount and what it is counted in. */
export function quantityOf(value: Value): Quantity {
  if (value.kind === "Number") return { amount: numberOf(value.raw) };
  if (value.kind !== "Quantity") return unexpected(`a ${value.kind} where a quantity belongs`);
  const q: QuantityValue = value;
  return {
    amount: numberOf(q.amount.raw),
    ...(q.unit === undefined ? {} : { unit: q.unit.name }),
    ...(q.per === undefined ? {} : { per: q.per.name }),
  };
}

/** A whole number attribute (`steps = 20`). */
export function wholeOf(value: Value): number {
  if (value.kind !== "Number") return unexpected(`a ${value.kind} where a number belongs`);
  return numberOf(value.raw);
}

/** Other attributes as JSON: strings, names (as strings), numbers, booleans, lists. */
export function jsonOf(value: Value): unknown {
  switch (value.kind) {
    case "String":
      return value.value;
    case "Bool":
      return value.value;
    case "Number":
      return numberOf(value.raw);
    case "Duration":
      return value.raw;
    case "Quantity":
      return quantityOf(value);
    case "List":
      return value.items.map(jsonOf);
    case "Ref":
      return nameOf(value);
    case "Missing":
      return unexpected("a missing value");
  }
}

/** Sorted, without duplicates (UTF-16 code unit order, as canonical JSON sorts keys). */
export function sortedUnique(items: Iterable<string>): string[] {
  return [...new Set(items)].sort(compareStrings);
}

export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A record with its keys inserted in sorted order. */
export function sortedRecord<T>(entries: Iterable<readonly [string, T]>): Record<string, T> {
  const out: Record<string, T> = {};
  for (const [key, value] of [...entries].sort((a, b) => compareStrings(a[0], b[0]))) out[key] = value;
  return out;
}
