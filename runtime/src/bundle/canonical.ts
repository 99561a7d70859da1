/**
 * Canonical JSON: object members sorted by key (UTF-16 code units), no whitespace, numbers
 * and strings as `JSON.stringify` writes them, `undefined` members left out. Two values
 * that are equal as JSON have the same canonical text, so its hash identifies them: the
 * bundle's content hash and the audit chain's record hashes are computed over it.
 */
import { createHash } from "node:crypto";

export function canonicalJson(value: unknown): string {
  const out: string[] = [];
  write(value, out);
  return out.join("");
}

function write(value: unknown, out: string[]): void {
  if (value === null || typeof value === "boolean" || typeof value === "string") {
    out.push(JSON.stringify(value));
  } else if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new TypeError(`canonical JSON has no ${value}`);
    out.push(JSON.stringify(value));
  } else if (typeof value === "bigint") {
    out.push(value.toString());
  } else if (Array.isArray(value)) {
    out.push("[");
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out.push(",");
      write(value[i] === undefined ? null : value[i], out);
    }
    out.push("]");
  } else if (value instanceof Date) {
    out.push(JSON.stringify(value.toISOString()));
  } else if (typeof value === "object") {
    const record = value as Record<string, unknown>;
    const keys = Object.keys(record)
      .filter((k) => record[k] !== undefined)
      .sort();
    out.push("{");
    keys.forEach((key, i) => {
      if (i > 0) out.push(",");
      out.push(JSON.stringify(key), ":");
      write(record[key], out);
    });
    out.push("}");
  } else {
    throw new TypeError(`canonical JSON has no ${typeof value}`);
  }
}

export function sha256Hex(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}

/** The bundle's content hash: over everything but the `hash` member itself and the `signature` that signs it. */
export function bundleHash(bundle: { readonly [key: string]: unknown }): string {
  const { hash: _ignored, signature: _signs, ...rest } = bundle;
  return `sha256:${sha256Hex(canonicalJson(rest))}`;
}
