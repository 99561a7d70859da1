/**
 * The bundle's file text: `JSON.stringify(bundle, null, 2)` with every object's members in
 * canonical order (sorted by key, as canonical JSON sorts them) and a final newline. So the
 * file is readable and diffable, and its canonical JSON is the minified file.
 */
import { createHash } from "node:crypto";
import { bundleHash } from "@paybill/runtime/bundle-format";
import { compareStrings } from "./values.js";

export function bundleText(bundle: unknown): string {
  return `${JSON.stringify(sortKeys(bundle), null, 2)}\n`;
}

/**
 * Objects and arrays `sortKeys` made: their members, all the way down, are already in
 * canonical order, so sorting them again returns them as they are (the bundle is sorted once
 * for its hash, and its file text reuses that). Never changed after they are made. The value
 * says whether some object in it has a key that looks like an array index ("0", "12"):
 * JavaScript lists those first whatever the order they were added in.
 */
const sorted = new WeakMap<object, boolean>();

const INDEX_KEY = /^(?:0|[1-9][0-9]{0,9})$/;

/** A copy of `value` with every object's members in canonical order and `undefined` members left out. */
export function sortKeys(value: unknown): unknown {
  if (value === null || typeof value !== "object" || sorted.has(value)) return value;
  let out: unknown;
  let indexKeys = false;
  if (Array.isArray(value)) {
    out = value.map((item) => {
      const copy = sortKeys(item);
      if (copy !== null && typeof copy === "object" && sorted.get(copy) === true) indexKeys = true;
      return copy;
    });
  } else {
    const record = value as Record<string, unknown>;
    const copy: Record<string, unknown> = {};
    for (const key of Object.keys(record).sort(compareStrings)) {
      if (record[key] === undefined) continue;
      const member = sortKeys(record[key]);
      if (INDEX_KEY.test(key) || (member !== null && typeof member === "object" && sorted.get(member) === true)) indexKeys = true;
      // `__proto__` as a plain member, not the prototype.
      if (key === "__proto__") Object.defineProperty(copy, key, { value: member, enumerable: true, writable: true, configurable: true });
      else copy[key] = member;
    }
    out = copy;
  }
  sorted.set(out as object, indexKeys);
  return out;
}

/**
 * A bundle's content with its members sorted, and its content hash: for a value already in
 * canonical order (`sortKeys`) and holding only JSON values (finite numbers, strings,
 * booleans, null, arrays, objects), `JSON.stringify` writes the canonical JSON the runtime's
 * `bundleHash` hashes — one native pass instead of a second sort and walk. A key like an
 * array index breaks that order, so with one the runtime's own function hashes it.
 */
export function sortedWithHash<T extends object>(content: T): { readonly sorted: T; readonly hash: string } {
  const value = sortKeys(content) as T;
  if (sorted.get(value) === true) return { sorted: value, hash: bundleHash(value as { readonly [key: string]: unknown }) };
  return { sorted: value, hash: `sha256:${createHash("sha256").update(JSON.stringify(value), "utf8").digest("hex")}` };
}
