/**
 * What the database can store of what an agent or host sent. PostgreSQL's `text` and
 * `jsonb` hold neither a NUL character (`\u0000`) nor a lone UTF-16 surrogate (jsonb refuses
 * the escape; `text` would get U+FFFD and the audit hash would no longer match), so every
 * string of a request — input values and keys, agent, action, run id — is checked here
 * before anything is written: such a request is denied with an `input` reason and audited
 * (spec/runtime.md, "Requests the database cannot store"). The texts the record keeps of a
 * refused string are `storableText` (each such code unit written as `\uXXXX`).
 *
 * `inputJson` also makes the input the JSON it is stored as: a Date becomes its ISO text,
 * a bigint (an `int` given as a JS BigInt) a number when it is a safe integer, else its
 * digits; the decider gets that bigint itself, so an `int` within 64 bits is accepted and
 * one outside is an input error (cel/values.ts).
 */
import type { JsonRecord } from "../store/effects.js";
import { PaybillRuntimeError } from "../store/errors.js";

/** In Unicode mode a surrogate pair is one code point, so only a lone surrogate matches. */
const UNSTORABLE = /[\u0000\uD800-\uDFFF]/u;

/** Why `text` cannot be stored, or undefined when it can. */
export function textProblem(text: string): string | undefined {
  if (!UNSTORABLE.test(text)) return undefined;
  return text.includes("\u0000") ? "a NUL character (`\\u0000`)" : "a lone UTF-16 surrogate";
}

/** `text` with each NUL and lone surrogate written as `\uXXXX` (what a record keeps of a refused string). */
export function storableText(text: string): string {
  if (textProblem(text) === undefined) return text;
  let out = "";
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        out += text[i] + (text[i + 1] as string);
        i++;
        continue;
      }
    }
    out += code === 0 || (code >= 0xd800 && code <= 0xdfff) ? `\\u${code.toString(16).padStart(4, "0")}` : text[i];
  }
  return out;
}

/** A JSON value with every string (and key) made storable: for reasons, whose messages quote what was sent. */
export function storableJson<T>(value: T): T {
  if (typeof value === "string") return storableText(value) as T;
  if (Array.isArray(value)) return value.map((v: unknown) => storableJson(v)) as T;
  if (typeof value === "object" && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) define(out, storableText(k), storableJson(v));
    return out as T;
  }
  return value;
}

/**
 * PBR170 for a tenant id the database cannot hold: it names no tenant (onboarding refuses
 * it) and no chain to audit in, so the call is refused with nothing decided or written.
 */
export function requireStorableTenant(tenant: unknown): void {
  const problem = typeof tenant === "string" ? textProblem(tenant) : "no text";
  if (problem === undefined) return;
  const shown = typeof tenant === "string" ? `\`${storableText(tenant.slice(0, 64))}\`` : "";
  throw new PaybillRuntimeError(
    "PBR170",
    `the tenant id ${shown === "" ? "is not a string" : `${shown} contains ${problem}`}, so it names no tenant; nothing was decided or audited`,
    "pass the id of a registered tenant (a lowercase name); an audit record belongs to a tenant's chain, so a request without one is refused, not recorded",
  );
}

/** PBR174 for a text a host call would store that the database cannot hold (who granted an approval, a note). */
export function requireStorableText(value: unknown, what: string): void {
  const problem = typeof value === "string" ? textProblem(value) : undefined;
  if (problem === undefined) return;
  throw new PaybillRuntimeError("PBR174", `${what} contains ${problem}, which cannot be stored`, `remove it from ${what}; text in the database holds no NUL character and no unpaired surrogate`);
}

export type InputJson =
  | {
      readonly ok: true;
      /** What the decider reads (bigints kept). */
      readonly value: JsonRecord;
      /** What is stored (plain JSON). */
      readonly stored: JsonRecord;
    }
  | { readonly ok: false; readonly message: string; readonly path: string };

class Refused extends Error {
  constructor(
    message: string,
    readonly path: string,
  ) {
    super(message);
  }
}

const SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/**
 * The input as the JSON it will be stored as, as `JSON.stringify` then `JSON.parse` would
 * make it (`toJSON` called, functions and `undefined` left out of objects and `null` in
 * lists, non-finite numbers `null`), refusing strings the database cannot hold.
 */
export function inputJson(input: unknown): InputJson {
  let bigints = false;
  const seen = new Set<object>();
  const walk = (value: unknown, path: string, inList: boolean): unknown => {
    if (value !== null && typeof value === "object" && typeof (value as { toJSON?: unknown }).toJSON === "function") {
      value = (value as { toJSON: () => unknown }).toJSON();
    }
    switch (typeof value) {
      case "string": {
        const problem = textProblem(value);
        if (problem !== undefined) throw new Refused(`the input contains ${problem}, which cannot be stored`, path);
        return value;
      }
      case "number":
        // As JSON writes it: not finite is null, -0 is 0.
        return Number.isFinite(value) ? value + 0 : null;
      case "boolean":
        return value;
      case "bigint":
        if (value >= -SAFE && value <= SAFE) return Number(value);
        bigints = true;
        return value;
      case "undefined":
      case "function":
      case "symbol":
        return inList ? null : undefined;
      case "object": {
        if (value === null) return null;
        if (seen.has(value)) throw new Refused("the input is not JSON: it contains a cycle", path);
        seen.add(value);
        let out: unknown;
        if (Array.isArray(value)) out = value.map((item, i) => walk(item, `${path}[${i}]`, true));
        else {
          const record: Record<string, unknown> = {};
          for (const key of Object.keys(value)) {
            const problem = textProblem(key);
            if (problem !== undefined) throw new Refused(`an input key contains ${problem}, which cannot be stored`, `${path}.${storableText(key.slice(0, 64))}`);
            const v = walk((value as Record<string, unknown>)[key], `${path}.${key.slice(0, 64)}`, false);
            if (v !== undefined) define(record, key, v);
          }
          out = record;
        }
        seen.delete(value);
        return out;
      }
    }
  };
  let value: unknown;
  try {
    value = walk(input, "input", false);
  } catch (error) {
    if (error instanceof Refused) return { ok: false, message: error.message, path: storableText(error.path) };
    throw error;
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return { ok: false, message: "the input must be a JSON object", path: "input" };
  const record = value as JsonRecord;
  return { ok: true, value: record, stored: bigints ? (plainBigints(record) as JsonRecord) : record };
}

/** An own property, as JSON.parse makes it (`__proto__` included). */
function define(record: Record<string, unknown>, key: string, value: unknown): void {
  if (key === "__proto__") Object.defineProperty(record, key, { value, enumerable: true, writable: true, configurable: true });
  else record[key] = value;
}

/** A copy with each (unsafe) bigint as its digits. */
function plainBigints(value: unknown): unknown {
  if (typeof value === "bigint") return value.toString();
  if (Array.isArray(value)) return value.map(plainBigints);
  if (typeof value === "object" && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) define(out, k, plainBigints(v));
    return out;
  }
  return value;
}
