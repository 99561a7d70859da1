/**
 * A signed checkpoint of a tenant's audit chain: where its head was (seq and hash) at a
 * time, signed with an ed25519 key the database never sees. Kept outside the database
 * (checkpoint-sink.ts), it is what a chain rewound, truncated or deleted by someone who
 * can write the database is checked against (verify.ts).
 *
 * What is signed is the canonical JSON of `{format, tenant, seq, hash, time, key}` (key =
 * the signing key's id: the first 16 hex digits of the SHA-256 of its public key in SPKI
 * DER), so a signature cannot be moved to another tenant, position or time. This file
 * owns the value, its signature and the keys; it reads no database and writes no file.
 */
import { createHash, createPrivateKey, createPublicKey, type KeyObject, sign, verify } from "node:crypto";
import { readFile } from "node:fs/promises";
import { canonicalJson } from "../bundle/canonical.js";
import { PaybillRuntimeError } from "../store/errors.js";

export const CHECKPOINT_FORMAT = "paybill.audit.checkpoint/1";

export interface Checkpoint {
  readonly tenant: string;
  /** The seq of the chain's last record when it was taken (its head). */
  readonly seq: number;
  /** That record's hash. */
  readonly hash: string;
  /** When it was taken, ISO 8601. */
  readonly time: string;
  /** The id of the key that signed it (`keyId`). */
  readonly key: string;
}

export interface SignedCheckpoint extends Checkpoint {
  /** The ed25519 signature of `signedText(checkpoint)`, base64. */
  readonly signature: string;
}

/** A key as a host gives it: a KeyObject, PEM text, or the path of a PEM file. */
export type KeyInput = KeyObject | string;

export function signedText(checkpoint: Checkpoint): string {
  return canonicalJson({ format: CHECKPOINT_FORMAT, tenant: checkpoint.tenant, seq: checkpoint.seq, hash: checkpoint.hash, time: checkpoint.time, key: checkpoint.key });
}

/** The id of a key pair, from its public key (a private key gives its public half). */
export function keyId(key: KeyObject): string {
  const publicKey = key.type === "private" ? createPublicKey(key) : key;
  return createHash("sha256").update(publicKey.export({ type: "spki", format: "der" })).digest("hex").slice(0, 16);
}

export interface Signer {
  readonly key: string;
  readonly publicKey: KeyObject;
  sign(checkpoint: Omit<Checkpoint, "key">): SignedCheckpoint;
}

export function signer(privateKey: KeyObject): Signer {
  const publicKey = createPublicKey(privateKey);
  const key = keyId(publicKey);
  return {
    key,
    publicKey,
    sign(unsigned) {
      const checkpoint: Checkpoint = { ...unsigned, key };
      return { ...checkpoint, signature: sign(null, Buffer.from(signedText(checkpoint), "utf8"), privateKey).toString("base64") };
    },
  };
}

/** Why a checkpoint's signature does not hold, or undefined when it does. */
export function signatureProblem(checkpoint: SignedCheckpoint, trusted: readonly KeyObject[]): string | undefined {
  const key = trusted.find((k) => keyId(k) === checkpoint.key);
  if (key === undefined) return `it is signed by key \`${checkpoint.key}\`, which is not one of the trusted public keys`;
  let good = false;
  try {
    // Only the canonical spelling: base64 with its unused bits set decodes to the same bytes.
    const bytes = Buffer.from(checkpoint.signature, "base64");
    good = bytes.toString("base64") === checkpoint.signature && verify(null, Buffer.from(signedText(checkpoint), "utf8"), key, bytes);
  } catch {
    good = false;
  }
  return good ? undefined : `its signature does not match its content under key \`${checkpoint.key}\``;
}

/** The private key to sign with: an ed25519 KeyObject, PEM text or a PEM file (PBR160 otherwise). */
export async function loadPrivateKey(input: KeyInput): Promise<KeyObject> {
  const key = await readKey(input, "signing", (pem) => createPrivateKey(pem));
  if (key.type !== "private") throw badKey(input, "signing", "it is not a private key");
  return ed25519(key, input, "signing");
}

/** A public key to verify with; a private key gives its public half. */
export async function loadPublicKey(input: KeyInput): Promise<KeyObject> {
  const key = await readKey(input, "public", (pem) => createPublicKey(pem));
  return ed25519(key.type === "private" ? createPublicKey(key) : key, input, "public");
}

async function readKey(input: KeyInput, role: string, parse: (pem: string) => KeyObject): Promise<KeyObject> {
  if (typeof input !== "string") return input;
  let pem = input;
  if (!input.includes("-----BEGIN")) {
    try {
      pem = await readFile(input, "utf8");
    } catch (error) {
      throw badKey(input, role, `it cannot be read (${error instanceof Error && "code" in error ? String(error.code) : "unreadable"})`);
    }
  }
  try {
    return parse(pem);
  } catch {
    throw badKey(input, role, "it is not a PEM key");
  }
}

function ed25519(key: KeyObject, input: KeyInput, role: string): KeyObject {
  if (key.asymmetricKeyType !== "ed25519") throw badKey(input, role, `it is a ${key.asymmetricKeyType ?? "symmetric"} key, not ed25519`);
  return key;
}

function badKey(input: KeyInput, role: string, why: string): PaybillRuntimeError {
  const shown = typeof input === "string" && !input.includes("-----BEGIN") ? `\`${input}\`` : "given";
  return new PaybillRuntimeError(
    "PBR160",
    `the audit ${role} key ${shown} cannot be used: ${why}`,
    "give an ed25519 key as a KeyObject, PEM text or a PEM file (`paybillc audit keygen --out <dir>` makes a pair)",
  );
}
