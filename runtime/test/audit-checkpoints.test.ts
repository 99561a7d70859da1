/**
 * Signed checkpoints of the audit chain, kept outside the database: a chain cut short,
 * rewound and rewritten, or deleted with its head — which the chain alone cannot show —
 * is named by `verify` against the latest checkpoint, and so is a checkpoint whose
 * signature does not hold. The record hash covers the stored time to the microsecond.
 * The tampering is a superuser's (`asSuperuser`: the append-only trigger is off).
 */
import { generateKeyPairSync } from "node:crypto";
import { mkdtemp, readFile, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it, vi } from "vitest";
import { keyId, loadPrivateKey, loadPublicKey, signatureProblem, signedText, signer } from "../src/audit/checkpoint.js";
import { FileCheckpointSink } from "../src/audit/checkpoint-sink.js";
import { CheckpointSchedule, checkpointHeads, readHeads } from "../src/audit/checkpoints.js";
import { queryAudit } from "../src/audit/query.js";
import { GENESIS, recordHash } from "../src/audit/record.js";
import { auditConfig } from "../src/audit/config.js";
import { openRuntime, Runtime } from "../src/runtime.js";
import type { Sql } from "../src/store/adapter.js";
import { chain, sharedAuditRuntime, truncate } from "./support/audit-runtime.js";
import { storeBundle } from "./support/store-bundle.js";
import { asSuperuser, BACKENDS, newTenant } from "./support/store-db.js";

/** Changes record `at`'s decision and re-hashes it and every later record, head included: a consistent forgery. */
async function rewrite(tx: Sql, tenant: string, at: number): Promise<void> {
  const records = await queryAudit(tx, { tenant });
  let prev = records.find((r) => r.seq === at - 1)?.hash ?? GENESIS;
  for (const record of records.filter((r) => r.seq >= at)) {
    const changed = { ...record, prevHash: prev, decision: record.seq === at ? (record.decision === "allow" ? ("deny" as const) : ("allow" as const)) : record.decision };
    const hash = recordHash(changed);
    await tx.query("update paybill_audit set decision = $3, prev_hash = $4, hash = $5 where tenant_id = $1 and seq = $2", [tenant, record.seq, changed.decision, prev, hash]);
    prev = hash;
  }
  await tx.query("update paybill_audit_heads set hash = $2 where tenant_id = $1", [tenant, prev]);
}

describe.each(BACKENDS)("audit checkpoints on %s", (backend) => {
  const t = sharedAuditRuntime(backend, "audit_checkpoints");

  it("a whole chain with checkpoints verifies, also after records appended since the checkpoint", async () => {
    const tenant = await chain(t.runtime, 3);
    const [taken] = await t.runtime.audit.checkpoint(tenant);
    const records = await t.runtime.audit.query({ tenant });
    expect(taken).toMatchObject({ tenant, seq: 3, hash: records[2]?.hash, key: keyId(t.publicKey) });
    expect(await t.sink.latest(tenant)).toEqual(taken);
    expect(await t.runtime.audit.verify(tenant)).toEqual({ ok: true, records: 3, checkpoint: { seq: 3, time: taken?.time, key: keyId(t.publicKey) } });
    await t.runtime.act({ tenant, agent: "support_bot", action: "open_ticket", input: { customer: "d", email: "d@x.y", amount: 9 } });
    expect(await t.runtime.audit.verify(tenant)).toMatchObject({ ok: true, records: 4, checkpoint: { seq: 3 } });
  });

  it("names a chain whose tail was deleted and head rewound: truncated", async () => {
    const tenant = await chain(t.runtime, 5);
    await t.runtime.audit.checkpoint(tenant);
    await asSuperuser(t.runtime, (tx) => truncate(tx, tenant, 4));
    const result = await t.runtime.audit.verify(tenant);
    expect(result).toMatchObject({ ok: false, seq: 4, problem: "truncated" });
    expect(result.ok ? "" : result.message).toMatch(new RegExp(`^the chain of tenant \`${tenant}\` was cut short: it ends at record 3, but the checkpoint of .* signed record 5; records 4 to 5 were deleted and the head rewound$`));
  });

  it("holds the chain against the checkpoint of the highest seq: an older genuine one appended again does not hide a truncation", async () => {
    const tenant = await chain(t.runtime, 2);
    const [old] = await t.runtime.audit.checkpoint(tenant);
    if (old === undefined) throw new Error("no checkpoint");
    await t.runtime.act({ tenant, agent: "support_bot", action: "open_ticket", input: { customer: "r", email: "r@x.y", amount: 1 } });
    await t.runtime.audit.checkpoint(tenant);
    await asSuperuser(t.runtime, (tx) => truncate(tx, tenant, 3));
    await t.sink.append([old]);
    expect(await t.sink.latest(tenant)).toMatchObject({ seq: 3 });
    expect(await t.runtime.audit.verify(tenant)).toMatchObject({ ok: false, seq: 3, problem: "truncated" });
  });

  it("names a chain rewound and then grown again: rewound", async () => {
    const tenant = await chain(t.runtime, 4);
    await t.runtime.audit.checkpoint(tenant);
    await asSuperuser(t.runtime, (tx) => truncate(tx, tenant, 3));
    await t.runtime.act({ tenant, agent: "support_bot", action: "open_ticket", input: { customer: "n", email: "n@x.y", amount: 1 } });
    await t.runtime.act({ tenant, agent: "support_bot", action: "open_ticket", input: { customer: "m", email: "m@x.y", amount: 2 } });
    expect(await t.runtime.audit.verify(tenant)).toMatchObject({ ok: false, seq: 4, problem: "rewound" });
  });

  it("names a chain rewritten consistently from a record before the checkpoint: rewound", async () => {
    const tenant = await chain(t.runtime, 4);
    await t.runtime.audit.checkpoint(tenant);
    await asSuperuser(t.runtime, (tx) => rewrite(tx, tenant, 2));
    expect(await t.runtime.audit.verify(tenant)).toMatchObject({ ok: false, seq: 4, problem: "rewound" });
  });

  it("names a chain deleted with its head: chain_deleted, and lists its tenant from the sink", async () => {
    const tenant = await chain(t.runtime, 3);
    await t.runtime.audit.checkpoint(tenant);
    await asSuperuser(t.runtime, (tx) => truncate(tx, tenant, 1));
    expect(await t.runtime.audit.query({ tenant })).toEqual([]);
    const result = await t.runtime.audit.verify(tenant);
    expect(result).toMatchObject({ ok: false, seq: 1, problem: "chain_deleted" });
    expect(result.ok ? "" : result.message).toMatch(/was deleted: the checkpoint of .* covers 3 records and none is left$/);
    expect(await t.runtime.audit.tenants()).toContain(tenant);
  });

  it("names an edited record the checkpoint covers: edited", async () => {
    const tenant = await chain(t.runtime, 3);
    await t.runtime.audit.checkpoint(tenant);
    await asSuperuser(t.runtime, (tx) => tx.query("update paybill_audit set decision = 'allow' where tenant_id = $1 and seq = 2", [tenant]));
    expect(await t.runtime.audit.verify(tenant)).toMatchObject({ ok: false, seq: 2, problem: "edited" });
  });

  it("names a checkpoint signed by another key, or changed after signing: forged_checkpoint", async () => {
    const tenant = await chain(t.runtime, 2);
    const [genuine] = await t.runtime.audit.checkpoint(tenant);
    if (genuine === undefined) throw new Error("no checkpoint");
    // The forger vouches for a later head with a key of their own.
    await t.sink.append([signer(t.forger).sign({ tenant, seq: 3, hash: "f".repeat(64), time: new Date().toISOString() })]);
    const forged = await t.runtime.audit.verify(tenant);
    expect(forged).toMatchObject({ ok: false, seq: 3, problem: "forged_checkpoint" });
    expect(forged.ok ? "" : forged.message).toContain(`it is signed by key \`${keyId(t.forger)}\`, which is not one of the trusted public keys`);
    // The genuine checkpoint, its seq raised without a new signature.
    await t.sink.append([{ ...genuine, seq: 4 }]);
    const changed = await t.runtime.audit.verify(tenant);
    expect(changed).toMatchObject({ ok: false, seq: 4, problem: "forged_checkpoint" });
    expect(changed.ok ? "" : changed.message).toContain("its signature does not match its content");
  });

  it("without a tenant, checkpoints every chain; chains without records are skipped", async () => {
    const a = await chain(t.runtime, 1);
    const b = await chain(t.runtime, 2);
    const empty = await newTenant(t.runtime);
    const taken = await t.runtime.audit.checkpoint();
    expect(taken.find((c) => c.tenant === a)?.seq).toBe(1);
    expect(taken.find((c) => c.tenant === b)?.seq).toBe(2);
    expect(taken.some((c) => c.tenant === empty)).toBe(false);
  });

  it("hashes the stored time to the microsecond: a time moved by 1 µs is an edit", async () => {
    const tenant = await chain(t.runtime, 2);
    const [record] = await t.runtime.audit.query({ tenant });
    await asSuperuser(t.runtime, (tx) => tx.query("update paybill_audit set time = time + interval '1 microsecond' where tenant_id = $1 and seq = 1", [tenant]));
    expect(await t.runtime.audit.verify(tenant)).toMatchObject({ ok: false, seq: 1, problem: "edited" });
    expect(record?.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    expect(record?.hashRule).toBe(2);
    const [moved] = await t.runtime.audit.query({ tenant });
    expect(moved?.time).toMatch(/\.\d{5}1Z$/);
  });

  it("still verifies a record hashed by rule 1 (milliseconds), and only if its stored time has nothing below them", async () => {
    const tenant = await newTenant(t.runtime);
    const record = { tenant, seq: 1, id: "00000000-0000-4000-8000-0000000000a1", time: "2026-11-02T10:00:00.123Z", agent: "support_bot", action: "read_ticket", input: {}, decision: "deny" as const, reasons: [], prevHash: GENESIS };
    const hash = recordHash(record);
    await t.runtime.database.query(
      "insert into paybill_audit (tenant_id, seq, id, time, agent, action, input, decision, reasons, prev_hash, hash) values ($1, 1, $2, $3, $4, $5, '{}', $6, '[]', $7, $8)",
      [tenant, record.id, record.time, record.agent, record.action, record.decision, GENESIS, hash],
    );
    await t.runtime.database.query("insert into paybill_audit_heads (tenant_id, seq, hash) values ($1, 1, $2)", [tenant, hash]);
    const [read] = await t.runtime.audit.query({ tenant });
    expect([read?.time, read?.hashRule]).toEqual(["2026-11-02T10:00:00.123000Z", undefined]);
    await t.runtime.act({ tenant, agent: "support_bot", action: "open_ticket", input: { customer: "c", email: "c@x.y", amount: 1 } });
    expect(await t.runtime.audit.verify(tenant)).toEqual({ ok: true, records: 2 });
    await asSuperuser(t.runtime, (tx) => tx.query("update paybill_audit set time = time + interval '7 microseconds' where tenant_id = $1 and seq = 1", [tenant]));
    expect(await t.runtime.audit.verify(tenant)).toMatchObject({ ok: false, seq: 1, problem: "edited" });
  });

  it("the periodic schedule checkpoints the chains that grew by `records`, on its timer and once more when stopped", async () => {
    const grown = await chain(t.runtime, 3);
    const small = await chain(t.runtime, 1);
    const sink = new FileCheckpointSink(join(t.dir, "schedule.ndjson"));
    const errors: unknown[] = [];
    const keySigner = signer(t.privateKey);
    const schedule = new CheckpointSchedule(
      { ms: 20, records: 2 },
      async (heads) => {
        await checkpointHeads(heads, keySigner, sink, new Date());
      },
      () => readHeads(t.runtime.database),
      (error) => errors.push(error),
    );
    try {
      await vi.waitFor(async () => expect((await sink.latest(grown))?.seq).toBe(3), { timeout: 60_000, interval: 50 });
      expect(await sink.latest(small)).toBeUndefined();
      await t.runtime.act({ tenant: small, agent: "support_bot", action: "open_ticket", input: { customer: "s", email: "s@x.y", amount: 1 } });
    } finally {
      await schedule.stop();
    }
    expect((await sink.latest(small))?.seq).toBe(2);
    expect(errors).toEqual([]);
  });

  it("refuses a checkpoint without a key and sink (PBR161), and a checkpoint to verify without a public key (PBR162)", async () => {
    // Runtimes over the same database without the audit settings (not closed: the database is the shared one).
    const engine = { bundle: t.runtime.bundle, decider: t.runtime.decider, clock: () => new Date() };
    const bare = new Runtime(engine, t.runtime.database);
    await expect(bare.audit.checkpoint()).rejects.toMatchObject({
      code: "PBR161",
      message: "this runtime has no audit signing key and checkpoint sink",
      help: "pass `audit: { signingKey, sink }` to `openRuntime` (`paybillc audit keygen` makes a key pair)",
    });
    const tenant = await chain(t.runtime, 1);
    await t.runtime.audit.checkpoint(tenant);
    const keyless = new Runtime(engine, t.runtime.database, await auditConfig({ sink: t.sink }));
    await expect(keyless.audit.verify(tenant)).rejects.toMatchObject({ code: "PBR162", message: `tenant \`${tenant}\` has a checkpoint but no public key was given to check its signature` });
    const trusting = new Runtime(engine, t.runtime.database, await auditConfig({ sink: t.sink, publicKeys: [t.publicKey] }));
    expect(await trusting.audit.verify(tenant)).toMatchObject({ ok: true, records: 1, checkpoint: { seq: 1 } });
  });

  it("verify always detects a tampering the checkpoint covers (fast-check: which record, which kind)", async () => {
    type Kind = "edit" | "delete" | "truncate" | "rewrite" | "reorder" | "time" | "forge";
    const kinds: Kind[] = ["edit", "delete", "truncate", "rewrite", "reorder", "time", "forge"];
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 5 }), fc.nat(), fc.constantFrom(...kinds), async (n, pick, kind) => {
        const tenant = await chain(t.runtime, n);
        await t.runtime.audit.checkpoint(tenant);
        const at = 1 + (pick % n);
        await asSuperuser(t.runtime, async (tx) => {
          if (kind === "edit") await tx.query(`update paybill_audit set input = input || '{"amount": 1000}' where tenant_id = $1 and seq = $2`, [tenant, at]);
          if (kind === "delete") await tx.query("delete from paybill_audit where tenant_id = $1 and seq = $2", [tenant, at]);
          if (kind === "truncate") await truncate(tx, tenant, at);
          if (kind === "rewrite") await rewrite(tx, tenant, at);
          if (kind === "time") await tx.query("update paybill_audit set time = time - interval '1 microsecond' where tenant_id = $1 and seq = $2", [tenant, at]);
          if (kind === "reorder") {
            const other = at === n ? at - 1 : at + 1;
            if (other < 1) return truncate(tx, tenant, 1);
            await tx.query("update paybill_audit set seq = -1 where tenant_id = $1 and seq = $2", [tenant, at]);
            await tx.query("update paybill_audit set seq = $3 where tenant_id = $1 and seq = $2", [tenant, other, at]);
            await tx.query("update paybill_audit set seq = $2 where tenant_id = $1 and seq = -1", [tenant, other]);
          }
        });
        if (kind === "forge") await t.sink.append([signer(t.forger).sign({ tenant, seq: n + at, hash: "f".repeat(64), time: new Date().toISOString() })]);
        const result = await t.runtime.audit.verify(tenant);
        expect(result.ok, `${kind} at ${at} of ${n}`).toBe(false);
      }),
      { numRuns: 30 },
    );
  });
});

describe("checkpoint values, keys and the file sink", () => {
  it("refuses `audit.every` that is not a positive whole interval (PBR164), or without a key and sink (PBR161), before opening a database", async () => {
    const { privateKey } = generateKeyPairSync("ed25519");
    const bundle = storeBundle();
    await expect(openRuntime({ bundle, audit: { signingKey: privateKey, sink: "x.ndjson", every: { ms: 0 } } })).rejects.toMatchObject({
      code: "PBR164",
      message: '`audit.every` needs a positive whole `ms` and `records`, not {"ms":0}',
    });
    await expect(openRuntime({ bundle, audit: { signingKey: privateKey, sink: "x.ndjson", every: { records: 1.5 } } })).rejects.toMatchObject({ code: "PBR164" });
    await expect(openRuntime({ bundle, audit: { sink: "x.ndjson", every: {} } })).rejects.toMatchObject({ code: "PBR161" });
  });

  it("signs the canonical text of the checkpoint; any change of a member, or of the signature's spelling, breaks the signature", async () => {
    // The same signature bytes spelt with base64's unused low bits set.
    const respelt = (value: string): string => {
      const changed = `${value.slice(0, 85)}${String.fromCharCode(value.charCodeAt(85) + 1)}==`;
      expect(Buffer.from(changed, "base64")).toEqual(Buffer.from(value, "base64"));
      return changed;
    };
    const { privateKey, publicKey } = generateKeyPairSync("ed25519");
    const s = signer(privateKey);
    const c = s.sign({ tenant: "acme", seq: 7, hash: "a".repeat(64), time: "2026-12-07T00:00:00.000Z" });
    expect(signedText(c)).toBe(`{"format":"paybill.audit.checkpoint/1","hash":"${"a".repeat(64)}","key":"${keyId(publicKey)}","seq":7,"tenant":"acme","time":"2026-12-07T00:00:00.000Z"}`);
    expect(signatureProblem(c, [publicKey])).toBeUndefined();
    for (const changed of [{ ...c, tenant: "acne" }, { ...c, seq: 8 }, { ...c, hash: "b".repeat(64) }, { ...c, time: "2026-12-07T00:00:00.001Z" }, { ...c, signature: "AAAA" }, { ...c, signature: respelt(c.signature) }]) {
      expect(signatureProblem(changed, [publicKey])).toMatch(/signature does not match/);
    }
  });

  it("reads keys from PEM files and refuses what is not an ed25519 key with PBR160", async () => {
    const dir = await mkdtemp(join(tmpdir(), "paybill-keys-"));
    const { privateKey, publicKey } = generateKeyPairSync("ed25519");
    await writeFile(join(dir, "key.pem"), privateKey.export({ type: "pkcs8", format: "pem" }));
    await writeFile(join(dir, "pub.pem"), publicKey.export({ type: "spki", format: "pem" }));
    expect(keyId(await loadPublicKey(join(dir, "pub.pem")))).toBe(keyId(publicKey));
    expect(keyId(await loadPublicKey(join(dir, "key.pem")))).toBe(keyId(publicKey));
    expect((await loadPrivateKey(join(dir, "key.pem"))).asymmetricKeyType).toBe("ed25519");
    const rsa = generateKeyPairSync("rsa", { modulusLength: 1024 }).privateKey.export({ type: "pkcs8", format: "pem" }).toString();
    await expect(loadPrivateKey(rsa)).rejects.toMatchObject({ code: "PBR160", message: "the audit signing key given cannot be used: it is a rsa key, not ed25519" });
    await expect(loadPrivateKey(join(dir, "pub.pem"))).rejects.toMatchObject({ code: "PBR160" });
    await expect(loadPublicKey(join(dir, "missing.pem"))).rejects.toMatchObject({ code: "PBR160", message: `the audit public key \`${join(dir, "missing.pem")}\` cannot be used: it cannot be read (ENOENT)` });
  });

  it("the file sink only appends: earlier bytes never change, the latest per tenant wins, a foreign line is PBR163", async () => {
    const dir = await mkdtemp(join(tmpdir(), "paybill-sink-"));
    const path = join(dir, "c.ndjson");
    const sink = new FileCheckpointSink(path);
    expect(await sink.latest("acme")).toBeUndefined();
    const s = signer(generateKeyPairSync("ed25519").privateKey);
    const one = s.sign({ tenant: "acme", seq: 1, hash: "a".repeat(64), time: "2026-12-07T00:00:00.000Z" });
    const two = s.sign({ tenant: "acme", seq: 2, hash: "b".repeat(64), time: "2026-12-07T00:01:00.000Z" });
    const other = s.sign({ tenant: "hooli", seq: 5, hash: "c".repeat(64), time: "2026-12-07T00:01:00.000Z" });
    await sink.append([one]);
    const before = await readFile(path, "utf8");
    await sink.append([two, other]);
    const after = await readFile(path, "utf8");
    expect(after.startsWith(before)).toBe(true);
    expect(after.split("\n").filter((l) => l !== "")).toHaveLength(3);
    expect((await stat(path)).size).toBe(Buffer.byteLength(after));
    expect(await sink.latest("acme")).toEqual(two);
    // An older checkpoint appended again does not become the latest.
    await sink.append([one]);
    expect(await sink.latest("acme")).toEqual(two);
    expect(await sink.tenants()).toEqual(["acme", "hooli"]);
    await writeFile(path, `${after}{"tenant":"acme","seq":"x"}\n`);
    await expect(sink.latest("acme")).rejects.toMatchObject({ code: "PBR163", message: `line 4 of the checkpoint file \`${path}\` is not a checkpoint` });
  });
});
