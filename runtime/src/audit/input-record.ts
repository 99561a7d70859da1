/**
 * What the audit (and the approvals table) keeps of an action's input (spec/runtime.md,
 * "The input in the record"):
 *
 * - an input field marked `@secret` or `@pii` is never kept: its value is replaced by
 *   `hmac-sha256:<hex>` of the value's canonical JSON under the host's `auditKey`
 *   (`openRuntime({ auditKey })`: equal values give equal digests, so records can be
 *   correlated and a value re-submitted on resume checked), or by `"***"` without a key;
 * - a denied input larger than `DENIED_INPUT_BYTES` of canonical JSON is kept as its SHA-256
 *   digest, its size and a prefix of that many bytes' worth of code units, so a denied call
 *   cannot grow the chain by more than about a kibibyte. Masking comes first: the prefix
 *   never shows a secret. The same bound (`pastBound`) keeps the values of a host's
 *   observation (`runs.observe`) out of the chain when they are large.
 */
import { createHmac } from "node:crypto";
import { canonicalJson, sha256Hex } from "../bundle/canonical.js";
import type { ActionSchema } from "../bundle/format.js";

export const MASK = "***";
export const HMAC_PREFIX = "hmac-sha256:";
/** A denied input up to this many bytes of canonical JSON is kept whole. */
export const DENIED_INPUT_BYTES = 1024;

type Input = Readonly<Record<string, unknown>>;

const masked = new WeakMap<ActionSchema, readonly string[]>();

/** The input fields of `action` whose values are never stored (`@secret`, `@pii`). */
export function maskedFields(action: ActionSchema | undefined): readonly string[] {
  if (action === undefined) return [];
  let names = masked.get(action);
  if (names === undefined) {
    names = action.input.filter((f) => f.secret === true || f.pii).map((f) => f.name);
    masked.set(action, names);
  }
  return names;
}

/** The stored form of one masked value. */
export function maskValue(value: unknown, key: Uint8Array | undefined): string {
  if (key === undefined) return MASK;
  return HMAC_PREFIX + createHmac("sha256", key).update(canonicalJson(value)).digest("hex");
}

/** `input` with the masked fields' values replaced (the input itself when nothing is masked). */
export function maskInput(input: Input, fields: readonly string[], key: Uint8Array | undefined): Input {
  let out: Record<string, unknown> | undefined;
  for (const name of fields) {
    if (!Object.hasOwn(input, name)) continue;
    out ??= { ...input };
    out[name] = maskValue(input[name], key);
  }
  return out ?? input;
}

/** A denied input as the record keeps it: whole when small, else digest, size and prefix. */
export function boundInput(input: Input): Input {
  const text = canonicalJson(input);
  const over = pastBound(text);
  return over === undefined ? input : { $digest: `sha256:${sha256Hex(text)}`, $bytes: over.bytes, $prefix: over.prefix };
}

/**
 * Undefined when `text` (a canonical JSON text) is at most `DENIED_INPUT_BYTES` of UTF-8,
 * else its size in bytes and its prefix of that many bytes: what a record keeps of a text it
 * bounds (a denied input here, an observation's values in runs/provenance.ts).
 */
export function pastBound(text: string): { readonly bytes: number; readonly prefix: string } | undefined {
  // A code unit is at most 3 bytes: most texts are decided on the first comparison.
  if (text.length <= DENIED_INPUT_BYTES / 3) return undefined;
  const bytes = Buffer.byteLength(text, "utf8");
  if (bytes <= DENIED_INPUT_BYTES) return undefined;
  return { bytes, prefix: utf8Prefix(text, DENIED_INPUT_BYTES) };
}

/** The longest prefix of `text` of at most `max` UTF-8 bytes, never cutting a surrogate pair. */
function utf8Prefix(text: string, max: number): string {
  let bytes = 0;
  let end = 0;
  while (end < text.length) {
    const code = text.charCodeAt(end);
    const pair = code >= 0xd800 && code <= 0xdbff && end + 1 < text.length;
    const size = code < 0x80 ? 1 : code < 0x800 ? 2 : pair ? 4 : 3;
    if (bytes + size > max) break;
    bytes += size;
    end += pair ? 2 : 1;
  }
  return text.slice(0, end);
}

/** What the audit record keeps of `input` for `action` decided `decision`. */
export function auditInput(input: Input, action: ActionSchema | undefined, decision: string, key: Uint8Array | undefined): Input {
  const kept = maskInput(input, maskedFields(action), key);
  return decision === "deny" ? boundInput(kept) : kept;
}
