/**
 * Bundle signatures (spec/bundle.md#signature): `paybillc build --sign KEY` signs the
 * bundle's content hash with an ed25519 private key, and a runtime given trusted public keys
 * refuses a bundle that is not signed by one of them. ed25519 is deterministic, so the same
 * key signs the same bundle with the same bytes and a signed build stays reproducible.
 *
 * What is signed is the text `paybill-bundle:` + `hash`; the hash covers every member but
 * `hash` and `signature` (canonical.ts), so the signature covers the whole content, its
 * `release` included, and the loader has already checked that the hash is the content's.
 * Keys are named by the SHA-256 of their public key's DER, so the bundle says which key
 * signed it without carrying a key anyone might be tempted to trust.
 */
import { createHash, createPrivateKey, createPublicKey, type KeyObject, sign, verify } from "node:crypto";
import { BundleError } from "./error.js";
import type { Bundle, BundleSignature } from "./format.js";

/** A key the runtime trusts: PEM text of an ed25519 public key, or a `KeyObject` of one. */
export type TrustedKey = string | KeyObject;

const KEYGEN = "make a key pair with `paybillc keygen <name>` (or `openssl genpkey -algorithm ed25519`), sign with the private key, trust the public one";

/** The bytes a bundle's signature signs. */
export function signedText(hash: string): Buffer {
  return Buffer.from(`paybill-bundle:${hash}`, "utf8");
}

/** `sha256:` + the hex SHA-256 of the public key's SubjectPublicKeyInfo DER. */
export function publicKeyId(key: KeyObject): string {
  const publicKey = key.type === "private" ? createPublicKey(key) : key;
  return `sha256:${createHash("sha256").update(publicKey.export({ type: "spki", format: "der" })).digest("hex")}`;
}

/** The bundle with its signature by `privateKey` (PEM text or a KeyObject of an ed25519 private key). */
export function signBundle(bundle: Bundle, privateKey: string | KeyObject): Bundle {
  const key = typeof privateKey === "string" ? createPrivateKey(privateKey) : privateKey;
  if (key.type !== "private" || key.asymmetricKeyType !== "ed25519") throw new TypeError("a bundle is signed with an ed25519 private key");
  const signature: BundleSignature = { algorithm: "ed25519", key: publicKeyId(key), value: sign(null, signedText(bundle.hash), key).toString("base64") };
  return { ...bundle, signature };
}

/** The trusted keys as public KeyObjects, by id; PBR011 for one that is not an ed25519 public key. */
export function trustedKeyMap(keys: readonly TrustedKey[]): Map<string, KeyObject> {
  const out = new Map<string, KeyObject>();
  for (const [i, given] of keys.entries()) {
    let key: KeyObject | undefined;
    try {
      // createPublicKey would derive the public half of a private key: a private key has no place in a runtime.
      key = typeof given !== "string" ? given : /PRIVATE KEY-----/.test(given) ? createPrivateKey(given) : createPublicKey(given);
    } catch {
      key = undefined;
    }
    if (key === undefined || key.type !== "public" || key.asymmetricKeyType !== "ed25519") {
      const found = key === undefined ? "not a PEM public key" : key.type !== "public" ? `a ${key.type} key` : `a ${key.asymmetricKeyType ?? "unknown"} key`;
      throw new BundleError("PBR011", `trusted key ${i + 1} is not an ed25519 public key: it is ${found}`, `trust the public key (\`-----BEGIN PUBLIC KEY-----\`) of the pair the bundle is signed with; ${KEYGEN}`);
    }
    out.set(publicKeyId(key), key);
  }
  return out;
}

/**
 * Checks that `bundle` is signed by one of `trusted` (a loaded bundle: its hash is its
 * content's). PBR008 when it is not signed, PBR009 when the key is not trusted or the
 * signature does not verify.
 */
export function checkSignature(bundle: Bundle, trusted: ReadonlyMap<string, KeyObject>): void {
  const signature = bundle.signature;
  if (signature === undefined) {
    throw new BundleError("PBR008", "the bundle is not signed, and this runtime only runs bundles signed by a trusted key", `build it with \`paybillc build --sign <private key>\`; ${KEYGEN}`, "$");
  }
  const key = trusted.get(signature.key);
  if (key === undefined) {
    throw new BundleError(
      "PBR009",
      `the bundle is signed by key \`${signature.key}\`, which is not one of the ${trusted.size} trusted ${trusted.size === 1 ? "key" : "keys"}`,
      "sign it with a trusted key's private key (`paybillc build --sign`), or trust its public key if you mean to",
      "$.signature.key",
    );
  }
  if (!verify(null, signedText(bundle.hash), key, Buffer.from(signature.value, "base64"))) {
    throw new BundleError("PBR009", `the bundle's signature does not verify with the key \`${signature.key}\``, "the bundle or its signature was changed after it was signed; build and sign it again, and load the file unchanged", "$.signature.value");
  }
}
