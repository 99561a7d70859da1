/**
 * The audit chain: one per tenant, append-only, every record hashed over its canonical JSON
 * with the previous record's hash. Tampering with the stored records (as a superuser who
 * can get round the append-only trigger) is detected and named: edited, deleted,
 * reordered, inserted.
 */
import { randomUUID } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { canonicalJson, sha256Hex } from "../src/bundle/canonical.js";
import { GENESIS, recordHash, recordHashParts } from "../src/audit/record.js";
import { asSuperuser, BACKENDS, newTenant, sharedTestRuntime } from "./support/store-db.js";

describe.each(BACKENDS)("audit on %s", (backend) => {
  const t = sharedTestRuntime(backend, "audit");

  /** A tenant with `n` audited actions (allowed and denied alternately). */
  const chain = async (n: number): Promise<string> => {
    const tenant = await newTenant(t.runtime);
    for (let i = 0; i < n; i++) {
      const input = i % 2 === 0 ? { customer: `c${i}`, email: `c${i}@example.com`, amount: i } : { customer: `c${i}`, email: "x", amount: i, extra: 1 };
      await t.runtime.act({ tenant, agent: "support_bot", action: "open_ticket", input });
    }
    return tenant;
  };

  it("links each record to the previous one by a hash over its canonical JSON", async () => {
    const tenant = await chain(3);
    const records = await t.runtime.audit.query({ tenant });
    expect(records.map((r) => r.seq)).toEqual([1, 2, 3]);
    expect(records.map((r) => r.decision)).toEqual(["allow", "deny", "allow"]);
    expect(records[0]?.prevHash).toBe(GENESIS);
    expect(records[1]?.prevHash).toBe(records[0]?.hash);
    expect(records[2]?.prevHash).toBe(records[1]?.hash);
    const r = records[1];
    if (r === undefined) throw new Error("no record");
    const expected = sha256Hex(
      canonicalJson({ prev: r.prevHash, seq: 2, tenant, id: r.id, time: r.time, rule: 2, agent: r.agent, action: r.action, input: r.input, decision: "deny", reasons: r.reasons }),
    );
    expect(r.hash).toBe(expected);
    expect(recordHash(r)).toBe(r.hash);
    expect(await t.runtime.audit.verify(tenant)).toEqual({ ok: true, records: 3 });
  });

  it("keeps one chain per tenant", async () => {
    const a = await chain(2);
    const b = await chain(1);
    expect((await t.runtime.audit.query({ tenant: b })).map((r) => [r.seq, r.prevHash])).toEqual([[1, GENESIS]]);
    expect(await t.runtime.audit.verify(a)).toEqual({ ok: true, records: 2 });
    expect(await t.runtime.audit.verify("no_such_tenant")).toEqual({ ok: true, records: 0 });
  });

  it("refuses UPDATE, DELETE and TRUNCATE through the runtime's own connection", async () => {
    const tenant = await chain(1);
    await expect(t.admin.query("update paybill_audit set decision = 'allow' where tenant_id = $1", [tenant])).rejects.toThrow(/append-only/);
    await expect(t.admin.query("delete from paybill_audit where tenant_id = $1", [tenant])).rejects.toThrow(/append-only/);
    await expect(t.admin.exec("truncate paybill_audit")).rejects.toThrow(/append-only/);
    expect(await t.runtime.audit.verify(tenant)).toEqual({ ok: true, records: 1 });
  });

  it("detects an edited record and names it", async () => {
    const tenant = await chain(4);
    await asSuperuser(t.runtime, (tx) => tx.query(`update paybill_audit set decision = 'allow' where tenant_id = $1 and seq = 2`, [tenant]));
    expect(await t.runtime.audit.verify(tenant)).toMatchObject({ ok: false, seq: 2, problem: "edited" });
  });

  it("detects an edited input (jsonb) and an edited time", async () => {
    const tenant = await chain(3);
    await asSuperuser(t.runtime, (tx) => tx.query(`update paybill_audit set input = input || '{"amount": 1000}' where tenant_id = $1 and seq = 3`, [tenant]));
    expect(await t.runtime.audit.verify(tenant)).toMatchObject({ ok: false, seq: 3, problem: "edited" });
    const other = await chain(2);
    await asSuperuser(t.runtime, (tx) => tx.query(`update paybill_audit set time = time - interval '1 hour' where tenant_id = $1 and seq = 1`, [other]));
    expect(await t.runtime.audit.verify(other)).toMatchObject({ ok: false, seq: 1, problem: "edited" });
  });

  it("detects an edit whose hash was recomputed: the next record no longer links to it", async () => {
    const tenant = await chain(3);
    const [r2] = await t.runtime.audit.query({ tenant, afterSeq: 1, limit: 1 });
    if (r2 === undefined) throw new Error("no record");
    const forged = { ...r2, decision: "allow" as const };
    const hash = recordHash(forged);
    await asSuperuser(t.runtime, (tx) => tx.query(`update paybill_audit set decision = 'allow', hash = $2 where tenant_id = $1 and seq = 2`, [tenant, hash]));
    expect(await t.runtime.audit.verify(tenant)).toMatchObject({ ok: false, seq: 2, problem: "edited" });
  });

  it("detects a deleted record, in the middle or at the end", async () => {
    const tenant = await chain(4);
    await asSuperuser(t.runtime, (tx) => tx.query(`delete from paybill_audit where tenant_id = $1 and seq = 2`, [tenant]));
    const middle = await t.runtime.audit.verify(tenant);
    expect(middle).toMatchObject({ ok: false, seq: 2, problem: "deleted" });
    expect(middle.ok ? "" : middle.message).toBe(`record 2 of tenant \`${tenant}\` is missing: the chain goes from 1 to 3`);

    const last = await chain(3);
    await asSuperuser(t.runtime, (tx) => tx.query(`delete from paybill_audit where tenant_id = $1 and seq = 3`, [last]));
    expect(await t.runtime.audit.verify(last)).toMatchObject({ ok: false, seq: 3, problem: "deleted" });

    const first = await chain(3);
    await asSuperuser(t.runtime, async (tx) => {
      await tx.query(`delete from paybill_audit where tenant_id = $1 and seq = 1`, [first]);
      await tx.query(`update paybill_audit set seq = seq - 1 where tenant_id = $1`, [first]);
    });
    expect(await t.runtime.audit.verify(first)).toMatchObject({ ok: false, seq: 1, problem: "deleted" });
  });

  it("detects reordered records", async () => {
    const tenant = await chain(4);
    await asSuperuser(t.runtime, async (tx) => {
      await tx.query(`update paybill_audit set seq = -1 where tenant_id = $1 and seq = 2`, [tenant]);
      await tx.query(`update paybill_audit set seq = 2 where tenant_id = $1 and seq = 3`, [tenant]);
      await tx.query(`update paybill_audit set seq = 3 where tenant_id = $1 and seq = -1`, [tenant]);
    });
    const result = await t.runtime.audit.verify(tenant);
    expect(result).toMatchObject({ ok: false, seq: 2, problem: "reordered" });
    expect(result.ok ? "" : result.message).toBe(`record 2 of tenant \`${tenant}\` was chained after record 3, not after record 1`);
  });

  it("detects a record added outside the runtime", async () => {
    const tenant = await chain(2);
    const [r2] = await t.runtime.audit.query({ tenant, afterSeq: 1 });
    if (r2 === undefined) throw new Error("no record");
    const forged = { ...r2, id: "00000000-0000-4000-8000-000000000001", seq: 3, prevHash: r2.hash };
    await asSuperuser(t.runtime, (tx) =>
      tx.query(
        `insert into paybill_audit (tenant_id, seq, id, time, agent, action, input, decision, reasons, hash_rule, prev_hash, hash)
         select tenant_id, 3, $2, time, agent, action, input, decision, reasons, hash_rule, $3, $4 from paybill_audit where tenant_id = $1 and seq = 2`,
        [tenant, forged.id, forged.prevHash, recordHash(forged)],
      ),
    );
    expect(await t.runtime.audit.verify(tenant)).toMatchObject({ ok: false, seq: 3, problem: "inserted" });
  });

  it("concurrent actions of two tenants make two unbroken chains", async () => {
    const a = await newTenant(t.runtime);
    const b = await newTenant(t.runtime);
    await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        t.runtime.act({ tenant: i % 2 === 0 ? a : b, agent: "support_bot", action: "open_ticket", input: { customer: `c${i}`, email: "e@x.y", amount: i } }),
      ),
    );
    expect(await t.runtime.audit.verify(a)).toEqual({ ok: true, records: 20 });
    expect(await t.runtime.audit.verify(b)).toEqual({ ok: true, records: 20 });
  });

  it("the database hashes exactly the text recordHash hashes, whatever the input's characters", async () => {
    const tenant = await newTenant(t.runtime);
    const names = ["Zoë \"Q\" O'Brien", "😀 \u2028 line\nbreak \\ tab\t", "\u00e9\u0065\u0301 \u4e2d\u6587", "\u001f control"];
    for (const [i, customer] of names.entries()) {
      await t.runtime.act({ tenant, agent: "support_bot", action: "open_ticket", input: { customer, email: `${customer}@x.y`, amount: i + 0.25 } });
    }
    const records = await t.runtime.audit.query({ tenant });
    expect(records.map((r) => r.input["customer"])).toEqual(names);
    for (const r of records) expect(recordHash(r)).toBe(r.hash);
    expect(await t.runtime.audit.verify(tenant)).toEqual({ ok: true, records: names.length });
  });

  it("carries on a chain whose head was written before the head kept its previous hash (migration 3)", async () => {
    const tenant = await newTenant(t.runtime);
    // Two records as the first runtime wrote them: hashed in JavaScript, the head without prev_hash.
    let prev = GENESIS;
    for (const seq of [1, 2]) {
      const record = { tenant, seq, id: randomUUID(), time: new Date().toISOString(), agent: "support_bot", action: "read_ticket", input: { ticket: "x" }, decision: "deny" as const, reasons: [], prevHash: prev };
      const hash = recordHash(record);
      await t.admin.query(
        "insert into paybill_audit (tenant_id, seq, id, time, agent, action, input, decision, reasons, prev_hash, hash) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        [tenant, seq, record.id, record.time, record.agent, record.action, JSON.stringify(record.input), record.decision, "[]", prev, hash],
      );
      prev = hash;
    }
    await t.admin.query("insert into paybill_audit_heads (tenant_id, seq, hash) values ($1, 2, $2)", [tenant, prev]);
    await t.runtime.act({ tenant, agent: "support_bot", action: "open_ticket", input: { customer: "c", email: "c@x.y", amount: 1 } });
    const records = await t.runtime.audit.query({ tenant });
    expect(records.map((r) => [r.seq, r.prevHash === (records[r.seq - 2]?.hash ?? GENESIS)])).toEqual([
      [1, true],
      [2, true],
      [3, true],
    ]);
    expect(await t.runtime.audit.verify(tenant)).toEqual({ ok: true, records: 3 });
  });

  it("filters and pages records", async () => {
    const tenant = await chain(5);
    expect((await t.runtime.audit.query({ tenant, decision: "deny" })).map((r) => r.seq)).toEqual([2, 4]);
    expect((await t.runtime.audit.query({ tenant, afterSeq: 2, limit: 2 })).map((r) => r.seq)).toEqual([3, 4]);
    expect(await t.runtime.audit.query({ tenant, run: "not-a-uuid" })).toEqual([]);
    expect(await t.runtime.audit.query({ tenant, from: new Date(Date.now() + 60_000) })).toEqual([]);
  });
});

describe("audit hash parts", () => {
  const json: fc.Arbitrary<unknown> = fc.jsonValue();
  const record = fc.record(
    {
      tenant: fc.string(),
      agent: fc.string(),
      action: fc.string(),
      input: fc.dictionary(fc.string(), json),
      decision: fc.constantFrom("allow" as const, "deny" as const, "pending" as const),
      reasons: fc.array(json, { maxLength: 3 }),
      run: fc.uuid(),
      approval: fc.uuid(),
      effect: fc.record({ op: fc.string(), entity: fc.string(), key: json }),
      id: fc.uuid(),
      time: fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
      hashRule: fc.constantFrom(1 as const, 2 as const),
      seq: fc.nat(),
      prevHash: fc.stringMatching(/^[0-9a-f]{64}$/),
    },
    { requiredKeys: ["tenant", "agent", "action", "input", "decision", "reasons", "id", "time", "seq", "prevHash"] },
  );

  it("put together around the previous hash and the seq, they are the text recordHash hashes", () => {
    fc.assert(
      fc.property(record, (r) => {
        const { prevHash, seq, ...rest } = r;
        const parts = recordHashParts(rest);
        expect(sha256Hex(parts.before + prevHash + parts.between + String(seq) + parts.after)).toBe(recordHash(r));
      }),
      { numRuns: 300 },
    );
  });
});
