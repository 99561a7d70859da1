/**
 * Bundles that cannot be swapped (spec/bundle.md#signature, #releases): a runtime given
 * trusted keys opens only a bundle signed by one of them — not an unsigned one, not one
 * signed by another key, not one changed after signing — and no runtime opens a release
 * older than the last one its database ran, unless the rollback is declared.
 */
import { generateKeyPairSync, type KeyObject } from "node:crypto";
import { PGlite } from "@electric-sql/pglite";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bundleHash } from "../src/bundle/canonical.js";
import { BundleError } from "../src/bundle/error.js";
import type { Bundle } from "../src/bundle/format.js";
import { loadBundle } from "../src/bundle/load.js";
import { publicKeyId, signBundle } from "../src/bundle/signature.js";
import { type DatabaseConfig, openRuntime } from "../src/runtime.js";
import { storeBundle } from "./support/store-bundle.js";
import { BACKENDS, type Backend, PG_URL, testSchema } from "./support/store-db.js";

const pair = (): { privateKey: KeyObject; publicKey: KeyObject } => generateKeyPairSync("ed25519");
const ours = pair();
const theirs = pair();
const pem = (key: KeyObject): string => key.export({ type: key.type === "private" ? "pkcs8" : "spki", format: "pem" }).toString();

/** The test bundle as release `release` (re-hashed); `variant` changes its content. */
function released(release: number | undefined, variant = ""): Bundle {
  const base = storeBundle();
  const agents = variant === "" ? base.agents : { ...base.agents, support_bot: { ...base.agents.support_bot, name: "support_bot", roles: base.agents.support_bot?.roles ?? [], description: variant } };
  const { hash: _old, ...content } = { ...base, agents, ...(release === undefined ? {} : { release }) };
  return { ...content, hash: bundleHash(content) } as Bundle;
}

function refusal(run: () => unknown): BundleError {
  try {
    run();
  } catch (error) {
    if (error instanceof BundleError) return error;
    throw error;
  }
  throw new Error("the bundle was accepted");
}

describe("bundle signatures", () => {
  it("a signed bundle opens with its public key trusted, as PEM text or a KeyObject", () => {
    const signed = signBundle(released(3), pem(ours.privateKey));
    expect(signed.signature?.key).toBe(publicKeyId(ours.publicKey));
    expect(signed.hash).toBe(released(3).hash); // the signature is not part of the hash
    const text = JSON.stringify(signed);
    expect(loadBundle(text, { trustedKeys: [pem(ours.publicKey)] }).signature).toEqual(signed.signature);
    expect(loadBundle(text, { trustedKeys: [theirs.publicKey, ours.publicKey] }).hash).toBe(signed.hash);
    // Without trusted keys a signed bundle loads as any other.
    expect(loadBundle(text).hash).toBe(signed.hash);
  });

  it("signing is deterministic: the same key and bundle give the same signature", () => {
    expect(signBundle(released(3), ours.privateKey).signature).toEqual(signBundle(released(3), pem(ours.privateKey)).signature);
  });

  it("refuses an unsigned bundle when keys are trusted (PBR008)", () => {
    const error = refusal(() => loadBundle(released(3), { trustedKeys: [ours.publicKey] }));
    expect(error.code).toBe("PBR008");
    expect(error.reason).toBe("the bundle is not signed, and this runtime only runs bundles signed by a trusted key");
    expect(error.help).toContain("paybillc build --sign");
  });

  it("refuses a bundle signed by a key that is not trusted (PBR009)", () => {
    const error = refusal(() => loadBundle(signBundle(released(3), theirs.privateKey), { trustedKeys: [ours.publicKey] }));
    expect([error.code, error.path]).toEqual(["PBR009", "$.signature.key"]);
    expect(error.reason).toContain(`signed by key \`${publicKeyId(theirs.publicKey)}\`, which is not one of the 1 trusted key`);
  });

  it("refuses any change after signing: content re-hashed (PBR009), the signature edited (PBR009), a byte of the file (PBR005)", () => {
    const signed = signBundle(released(3), ours.privateKey);
    const trustedKeys = [ours.publicKey];
    // The content changed and hashed again, so only the signature can tell.
    const { hash: _h, signature, ...content } = { ...signed, release: 4 };
    const rehashed = { ...content, hash: bundleHash(content), signature };
    expect(refusal(() => loadBundle(rehashed, { trustedKeys })).code).toBe("PBR009");
    // Taking the signature of another signed bundle.
    const other = signBundle(released(5), ours.privateKey);
    expect(refusal(() => loadBundle({ ...signed, signature: other.signature }, { trustedKeys })).path).toBe("$.signature.value");
    // The signature's last character re-spelt with the same signature bytes (base64's
    // unused low bits set): Buffer.from would decode it to the very same signature.
    const value = signed.signature?.value ?? "";
    const sibling = String.fromCharCode(value.charCodeAt(85) + 1);
    const respelt = { ...signed, signature: { ...signed.signature, value: `${value.slice(0, 85)}${sibling}==` } };
    expect(Buffer.from(respelt.signature.value, "base64")).toEqual(Buffer.from(value, "base64"));
    expect(refusal(() => loadBundle(respelt, { trustedKeys })).path).toBe("$.signature.value");
    // One byte of the file flipped anywhere it still parses: always refused.
    const text = JSON.stringify(signed, null, 2);
    fc.assert(
      fc.property(fc.nat({ max: text.length - 1 }), fc.constantFrom("0", "1", "a", "Z", " ", "+"), (at, ch) => {
        const changed = text.slice(0, at) + ch + text.slice(at + 1);
        if (changed === text) return;
        let parsed: unknown;
        try {
          parsed = JSON.parse(changed);
        } catch {
          return; // not JSON any more: PBR001, not this test's concern
        }
        if (JSON.stringify(parsed) === JSON.stringify(signed)) return; // only whitespace changed
        expect(() => loadBundle(changed, { trustedKeys })).toThrow(BundleError);
      }),
      { numRuns: 300 },
    );
  });

  it("refuses a trusted key that is not an ed25519 public key (PBR011)", () => {
    const rsa = generateKeyPairSync("rsa", { modulusLength: 1024 }).publicKey;
    for (const key of ["not a key", ours.privateKey, rsa, pem(ours.privateKey)]) {
      const error = refusal(() => loadBundle(signBundle(released(1), ours.privateKey), { trustedKeys: [ours.publicKey, key] }));
      expect(error.code).toBe("PBR011");
      expect(error.reason).toMatch(/^trusted key 2 is not an ed25519 public key: it is /);
    }
  });

  it("an empty list of trusted keys trusts nothing", () => {
    expect(refusal(() => loadBundle(signBundle(released(1), ours.privateKey), { trustedKeys: [] })).code).toBe("PBR009");
  });
});

describe.each(BACKENDS)("releases on %s", (backend: Backend) => {
  let pglite: PGlite | undefined;
  const schema = testSchema("bundle_trust");
  let database: DatabaseConfig = {};
  beforeAll(async () => {
    if (backend === "pglite") {
      pglite = await PGlite.create();
      database = { pglite };
    } else database = { url: PG_URL as string, schema, max: 2, privileged: true }; // the admin URL: `privileged` (transactions still switch roles)
  });
  afterAll(async () => {
    if (backend === "postgres") {
      const runtime = await openRuntime({ bundle: released(undefined), database, allowRollback: true });
      await runtime.database.exec(`drop schema if exists "${schema}" cascade`);
      await runtime.close();
    }
    await pglite?.close();
  });

  /** Opens and closes a runtime on the shared database: the code it was refused with, or "ok". */
  async function open(bundle: Bundle, options: { allowRollback?: boolean; trustedKeys?: KeyObject[] } = {}): Promise<string> {
    try {
      const runtime = await openRuntime({ bundle, database, ...options });
      await runtime.close();
      return "ok";
    } catch (error) {
      if (error instanceof BundleError) return error.code;
      throw error;
    }
  }

  it("opens newer releases and the same one again, refuses an older one (PBR010), opens it with the override", async () => {
    expect(await open(released(undefined))).toBe("ok"); // before any release: anything goes
    expect(await open(released(2))).toBe("ok");
    expect(await open(released(2))).toBe("ok"); // the same bundle again
    expect(await open(released(5))).toBe("ok");
    expect(await open(released(2))).toBe("PBR010");
    expect(await open(released(4, "v4"))).toBe("PBR010");
    expect(await open(released(undefined))).toBe("PBR010"); // dropping the release is no way around it
    expect(await open(released(5, "other content"))).toBe("PBR012");
    // A deliberate rollback: it opens, and is then the last one run.
    expect(await open(released(2), { allowRollback: true })).toBe("ok");
    expect(await open(released(2))).toBe("ok");
    expect(await open(released(5))).toBe("ok");
    expect(await open(released(6, "six"))).toBe("ok");
  });

  it("the rollback check applies to signed bundles too, and the signing key is recorded", async () => {
    const trustedKeys = [ours.publicKey];
    expect(await open(signBundle(released(10), ours.privateKey), { trustedKeys })).toBe("ok");
    expect(await open(signBundle(released(9, "nine"), ours.privateKey), { trustedKeys })).toBe("PBR010");
    expect(await open(released(11), { trustedKeys })).toBe("PBR008");
    const runtime = await openRuntime({ bundle: signBundle(released(10), ours.privateKey), database, trustedKeys });
    try {
      const rows = await runtime.database.query<{ release: string; signed_by: string }>("select release::text as release, signed_by from paybill_bundles where release = 10");
      expect(rows).toEqual([{ release: "10", signed_by: publicKeyId(ours.publicKey) }]);
      const error = await runtime.close().then(() => openRuntime({ bundle: released(3), database }).then(
        () => undefined,
        (e: unknown) => e,
      ));
      expect(error).toBeInstanceOf(BundleError);
      expect((error as BundleError).message).toMatch(/^this bundle is release 3, older than release 10 \(`sha256:[0-9a-f]{64}`\), the last one this database ran at `\$\.release`\nhelp: .*allowRollback: true/);
    } finally {
      await runtime.close();
    }
  });

  it("two runtimes opening different releases at once: never an older one after a newer", async () => {
    const results = await Promise.all([open(released(20, "a")), open(released(21, "b"))]);
    // Whichever ran last, the older one either opened first or was refused.
    expect(results.filter((r) => r === "ok").length).toBeGreaterThanOrEqual(1);
    expect(await open(released(20, "a"))).toBe("PBR010");
  });
});
