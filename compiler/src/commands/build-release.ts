/**
 * `paybillc build --release N --sign KEY` (spec/bundle.md#releases, #signature): the release
 * number stamped into the bundle (part of its hash, so of what is signed) and the ed25519
 * private key that signs it. Both are read before anything is compiled, so a mistake in
 * either costs nothing: PB9006 for a release that is not a whole number from 1, PB9005 for
 * a key file that cannot be read or is not an ed25519 private key; exit 2, nothing written.
 */
import { createPrivateKey, type KeyObject } from "node:crypto";
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { type Bundle, bundleHash, signBundle } from "@paybill/runtime/bundle-format";
import type { Io } from "../io.js";
import { displayPath } from "../output/report.js";
import { describeFsError } from "../project/fs-errors.js";

export type Problem = { readonly kind: "problem"; readonly code: "PB9005" | "PB9006"; readonly message: string; readonly help: string };

export function isProblem(value: unknown): value is Problem {
  return typeof value === "object" && value !== null && (value as { kind?: unknown }).kind === "problem";
}

const KEYGEN = "make one with `paybillc keygen <name>` (or `openssl genpkey -algorithm ed25519 -out <name>.key`)";

/** `--release`'s text as a number, or the problem (PB9006). */
export function parseRelease(text: string): number | Problem {
  const n = /^[1-9][0-9]*$/.test(text) ? Number(text) : Number.NaN;
  if (Number.isSafeInteger(n)) return n;
  return { kind: "problem", code: "PB9006", message: `\`--release ${text}\` is not a release number`, help: `a release is a whole number from 1 to ${Number.MAX_SAFE_INTEGER}, higher for every build you ship (a CI build number, or a date such as 20260131)` };
}

/** The private key in the file `--sign` names, or the problem (PB9005). */
export async function readSigningKey(path: string, io: Io): Promise<KeyObject | Problem> {
  const shown = displayPath(io.cwd, resolve(io.cwd, path));
  let text: string;
  try {
    text = await readFile(resolve(io.cwd, path), "utf8");
  } catch (error) {
    return { kind: "problem", code: "PB9005", message: `cannot read the signing key ${shown}: ${describeFsError(error)}`, help: `\`--sign\` takes the file of an ed25519 private key; ${KEYGEN}` };
  }
  let key: KeyObject | undefined;
  try {
    key = createPrivateKey(text);
  } catch {
    key = undefined;
  }
  if (key === undefined || key.asymmetricKeyType !== "ed25519") {
    const what = key === undefined ? "is not a PEM private key" : `is a ${key.asymmetricKeyType ?? "unknown"} key, not ed25519`;
    return { kind: "problem", code: "PB9005", message: `the signing key ${shown} ${what}`, help: `\`--sign\` takes the file of an ed25519 private key; ${KEYGEN}` };
  }
  return key;
}

/** The bundle as release `release` (hashed again) and signed by `key`, each when given. */
export function stampBundle(bundle: Bundle, release: number | undefined, key: KeyObject | undefined): Bundle {
  let out = bundle;
  if (release !== undefined) {
    const { hash: _old, signature: _unsigned, ...content } = { ...bundle, release };
    out = { ...content, hash: bundleHash(content) };
  }
  return key === undefined ? out : signBundle(out, key);
}
