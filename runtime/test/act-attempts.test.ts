/**
 * Every attempt audited, nothing raw, nothing secret, nothing unbounded (issue 14, items 4
 * and 5), on a real database: strings the database cannot hold are denied and audited;
 * a failed effect is recorded after its rollback; an `int` given as a bigint is taken within
 * 64 bits; `@secret` and `@pii` inputs never reach the audit or approvals tables; a huge
 * denied input is stored as a digest and a prefix.
 */
import { randomUUID } from "node:crypto";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DENIED_INPUT_BYTES, HMAC_PREFIX, MASK } from "../src/audit/input-record.js";
import { openRuntime, type Runtime } from "../src/runtime.js";
import { PaybillRuntimeError } from "../src/store/errors.js";
import { entityTablesSql } from "../src/store/entity-tables.js";
import { attemptsBundle } from "./support/attempts-bundle.js";
import { adminOf, BACKENDS, type Backend, newTenant, openTestRuntime, PG_URL, testSchema } from "./support/store-db.js";

const AUDIT_KEY = "k".repeat(32);

/** A runtime on the attempts bundle; `keyed` passes an audit key. */
function shared(backend: Backend, keyed: boolean): { readonly runtime: Runtime } {
  let runtime: Runtime | undefined;
  let schema: string | undefined;
  beforeAll(async () => {
    if (!keyed) {
      const opened = await openTestRuntime(backend, "attempts", attemptsBundle());
      runtime = opened.runtime;
      schema = undefined;
      closers.push(() => opened.close());
      return;
    }
    schema = backend === "postgres" ? testSchema("attempts_keyed") : undefined;
    const database = backend === "postgres" && PG_URL !== undefined ? { url: PG_URL, schema: schema as string, max: 5, privileged: true } : {};
    // The admin URL, declared `privileged` (transactions still run as the runtime's roles): the test reads raw rows through `runtime.database`.
    const opened = await openRuntime({ bundle: attemptsBundle(), database, auditKey: AUDIT_KEY });
    await opened.database.exec(entityTablesSql(opened.bundle));
    runtime = opened;
    closers.push(async () => {
      if (schema !== undefined) await opened.database.exec(`drop schema if exists "${schema}" cascade`);
      await opened.close();
    });
  });
  const closers: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const close of closers) await close();
  });
  return {
    get runtime() {
      if (runtime === undefined) throw new Error("not open yet");
      return runtime;
    },
  };
}

async function account(runtime: Runtime, tenant: string): Promise<string> {
  const out = await runtime.act({ tenant, agent: "bot", action: "open_account", input: { name: "main" } });
  expect(out.decision).toBe("allow");
  return String(out.result?.["id"]);
}

/** Every text of the tenant's rows in the audit and approvals tables. */
async function storedText(runtime: Runtime, tenant: string): Promise<string> {
  const audit = await adminOf(runtime).query<{ t: string }>("select coalesce(string_agg(a::text, '\n'), '') as t from paybill_audit a where tenant_id = $1", [tenant]);
  const approvals = await adminOf(runtime).query<{ t: string }>("select coalesce(string_agg(a::text, '\n'), '') as t from paybill_approvals a where tenant_id = $1", [tenant]);
  return `${audit[0]?.t ?? ""}\n${approvals[0]?.t ?? ""}`;
}

/** A string with a NUL or a lone surrogate somewhere in it. */
const unstorable: fc.Arbitrary<string> = fc
  .tuple(fc.string({ maxLength: 20 }), fc.constantFrom("\u0000", "\uD800", "\uDBFF", "\uDC00", "\uDFFF", "\uD83D"), fc.string({ maxLength: 20 }), fc.boolean())
  .map(([a, bad, b, pairFirst]) => (pairFirst ? `${a}😀${bad}${b}` : `${a}${bad}${b}`))
  .filter((s) => !/^\uD83D$/.test(s));

type Spot = "value" | "nested" | "key" | "agent" | "action" | "run";

describe.each(BACKENDS)("every attempt audited on %s", (backend) => {
  const t = shared(backend, false);

  it("a NUL or lone surrogate anywhere in a request is a denied, audited decision, never a raw error (property)", async () => {
    const tenant = await newTenant(t.runtime, "basic");
    let expected = 0;
    await fc.assert(
      fc.asyncProperty(unstorable, fc.constantFrom<Spot>("value", "nested", "key", "agent", "action", "run"), async (bad, spot) => {
        const request = {
          tenant,
          agent: spot === "agent" ? bad : "bot",
          action: spot === "action" ? bad : "echo",
          input:
            spot === "value"
              ? { text: bad }
              : spot === "nested"
                ? { tags: ["ok", bad], data: { deep: [{ [`k${bad.length}`]: bad }] } }
                : spot === "key"
                  ? { [bad]: "x" }
                  : { text: "fine" },
          ...(spot === "run" ? { run: bad } : {}),
        };
        const decided = await t.runtime.decide(request);
        expect(decided.decision).toBe("deny");
        expect(decided.reasons[0]?.kind).toBe("input");
        const out = await t.runtime.act(request);
        expected++;
        expect(out.decision).toBe("deny");
        expect(out.reasons[0]).toMatchObject({ kind: "input", message: expect.stringMatching(/cannot be stored$/) });
        const [record] = await t.runtime.audit.query({ tenant, afterSeq: expected - 1 });
        expect(record).toMatchObject({ id: out.auditId, seq: expected, decision: "deny" });
      }),
      { numRuns: 40 },
    );
    const records = await t.runtime.audit.query({ tenant });
    expect(records).toHaveLength(expected);
    expect(records.every((r) => r.decision === "deny")).toBe(true);
    expect(await t.runtime.audit.verify(tenant)).toEqual({ ok: true, records: expected });
  });

  it("a tenant id with a NUL or a lone surrogate is PBR170, with nothing written", async () => {
    await fc.assert(
      fc.asyncProperty(unstorable, async (bad) => {
        const error = await t.runtime.act({ tenant: bad, agent: "bot", action: "echo", input: {} }).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(PaybillRuntimeError);
        expect((error as PaybillRuntimeError).code).toBe("PBR170");
        await expect(t.runtime.decide({ tenant: bad, agent: "bot", action: "echo", input: {} })).rejects.toMatchObject({ code: "PBR170" });
      }),
      { numRuns: 20 },
    );
  });

  it("host calls that take a tenant id or store a text refuse an unstorable one with a code (PBR170, PBR174)", async () => {
    const tenant = await newTenant(t.runtime, "basic");
    const bad = "acme\u0000";
    await expect(t.runtime.runs.start({ workflow: "secure", tenant: bad })).rejects.toMatchObject({ code: "PBR170" });
    await expect(t.runtime.audit.query({ tenant: bad })).rejects.toMatchObject({ code: "PBR170" });
    await expect(t.runtime.audit.verify("\uD800")).rejects.toMatchObject({ code: "PBR170" });
    await expect(t.runtime.quotas.used(bad)).rejects.toMatchObject({ code: "PBR170" });
    await expect(t.runtime.tenants.get(bad)).rejects.toMatchObject({ code: "PBR170" });
    await expect(t.runtime.approvals.list({ tenant: bad })).rejects.toMatchObject({ code: "PBR170" });
    const id = await account(t.runtime, tenant);
    const run = await t.runtime.runs.start({ workflow: "secure", tenant });
    const pending = await t.runtime.act({ tenant, agent: "bot", action: "update_password", input: { account: id, password: "pw" }, run: run.id });
    await expect(t.runtime.approvals.grant(pending.approvalId ?? "", { by: "sec\u0000" })).rejects.toMatchObject({ code: "PBR174" });
    await expect(t.runtime.approvals.reject(pending.approvalId ?? "", { by: "sec", note: "\uDC00" })).rejects.toMatchObject({ code: "PBR174" });
    expect((await t.runtime.approvals.get(pending.approvalId ?? ""))?.status).toBe("pending");
  });

  it("a foreign key violation and a numeric overflow are recorded as failed attempts after the rollback", async () => {
    const tenant = await newTenant(t.runtime, "basic");
    const id = await account(t.runtime, tenant);
    const fk = await t.runtime.act({ tenant, agent: "bot", action: "add_note", input: { account: randomUUID(), text: "hello" } }).catch((e: unknown) => e);
    expect(fk).toMatchObject({ code: "PBR120", message: expect.stringMatching(/SQLSTATE 23503/) });
    const overflow = await t.runtime.act({ tenant, agent: "bot", action: "set_balance", input: { account: id, amount: 123456.5 } }).catch((e: unknown) => e);
    expect(overflow).toMatchObject({ code: "PBR120", message: expect.stringMatching(/SQLSTATE 22003/) });
    const missing = await t.runtime.act({ tenant, agent: "bot", action: "rename", input: { account: id } }).catch((e: unknown) => e);
    expect(missing).toMatchObject({ code: "PBR120" });

    const records = await t.runtime.audit.query({ tenant });
    expect(records.map((r) => [r.action, r.decision])).toEqual([
      ["open_account", "allow"],
      ["add_note", "deny"],
      ["set_balance", "deny"],
      ["rename", "deny"],
    ]);
    expect(records.slice(1).map((r) => r.id)).toEqual([fk, overflow, missing].map((e) => (e as { auditId?: string }).auditId));
    for (const r of records.slice(1)) {
      expect(r.reasons[0]).toMatchObject({ kind: "effect", code: "PBR120", message: expect.stringMatching(/nothing was performed$/) });
      expect(r.reasons[1]).toEqual({ kind: "permit", policy: "bot_works", rule: "bot_works#0" });
      expect(r.effect).toBeUndefined();
    }
    const [row] = await adminOf(t.runtime).query<{ n: number; balance: string }>("select (select count(*)::int from note where tenant_id = $1) as n, balance::text as balance from account where tenant_id = $1", [tenant]);
    expect(row).toEqual({ n: 0, balance: "0.00" });
    expect(await t.runtime.audit.verify(tenant)).toEqual({ ok: true, records: 4 });
  });

  it("an `int` given as a bigint is accepted within 64 bits and denied as input outside", async () => {
    const tenant = await newTenant(t.runtime, "basic");
    const id = await account(t.runtime, tenant);
    const big = 2n ** 62n + 7n;
    const ok = await t.runtime.act({ tenant, agent: "bot", action: "set_counter", input: { account: id, n: big } });
    expect(ok.decision).toBe("allow");
    const small = await t.runtime.act({ tenant, agent: "bot", action: "set_counter", input: { account: id, n: -5n } });
    expect(small.decision).toBe("allow");
    await t.runtime.act({ tenant, agent: "bot", action: "set_counter", input: { account: id, n: big } });
    const [row] = await adminOf(t.runtime).query<{ counter: string }>("select counter::text as counter from account where tenant_id = $1", [tenant]);
    expect(row?.counter).toBe(big.toString());
    for (const n of [2n ** 63n, -(2n ** 63n) - 1n]) {
      const out = await t.runtime.act({ tenant, agent: "bot", action: "set_counter", input: { account: id, n } });
      expect(out.decision).toBe("deny");
      expect(out.reasons[0]).toMatchObject({ kind: "input", path: "input.n" });
    }
    const records = await t.runtime.audit.query({ tenant });
    expect(records[1]?.input).toEqual({ account: id, n: big.toString() });
    expect(records[2]?.input).toEqual({ account: id, n: -5 });
    expect(await t.runtime.audit.verify(tenant)).toEqual({ ok: true, records: 6 });
  });

  it("a denied 5 MB input is stored as a digest and a capped prefix", async () => {
    const tenant = await newTenant(t.runtime, "basic");
    const huge = "x".repeat(5 * 1024 * 1024);
    const out = await t.runtime.act({ tenant, agent: "intruder", action: "echo", input: { text: huge, tags: ["é".repeat(600)] } });
    expect(out.decision).toBe("deny");
    const [row] = await adminOf(t.runtime).query<{ n: number }>("select octet_length(input::text)::int as n from paybill_audit where tenant_id = $1", [tenant]);
    expect(Number(row?.n)).toBeLessThanOrEqual(DENIED_INPUT_BYTES + 256);
    const [record] = await t.runtime.audit.query({ tenant });
    expect(record?.input).toMatchObject({ $digest: expect.stringMatching(/^sha256:[0-9a-f]{64}$/), $bytes: expect.any(Number), $prefix: expect.stringMatching(/^\{"tags":\["éé/) });
    expect(Number(record?.input["$bytes"])).toBeGreaterThan(5 * 1024 * 1024);
    // A small denied input is kept whole.
    const small = await t.runtime.act({ tenant, agent: "intruder", action: "echo", input: { text: "hi" } });
    expect((await t.runtime.audit.query({ tenant })).find((r) => r.id === small.auditId)?.input).toEqual({ text: "hi" });
    expect(await t.runtime.audit.verify(tenant)).toEqual({ ok: true, records: 2 });
  });

  it("`@secret` and `@pii` inputs are stored as `***` without a key, and resume needs them again", async () => {
    const tenant = await newTenant(t.runtime, "basic");
    const id = await account(t.runtime, tenant);
    const password = `pw-${randomUUID()}`;
    const email = `${randomUUID()}@example.com`;
    const signed = await t.runtime.act({ tenant, agent: "bot", action: "sign_up", input: { name: "Ada", email } });
    expect(signed.decision).toBe("allow");
    const denied = await t.runtime.act({ tenant, agent: "intruder", action: "update_password", input: { account: id, password } });
    expect(denied.decision).toBe("deny");
    const run = await t.runtime.runs.start({ workflow: "secure", tenant });
    const pending = await t.runtime.act({ tenant, agent: "bot", action: "update_password", input: { account: id, password, note: "rotate" }, run: run.id });
    expect(pending.decision).toBe("pending");
    const approvalId = pending.approvalId ?? "";
    expect((await t.runtime.approvals.get(approvalId))?.input).toEqual({ account: id, password: MASK, note: "rotate" });
    await t.runtime.approvals.grant(approvalId, { by: "sec" });
    await expect(t.runtime.resume(approvalId)).rejects.toMatchObject({ code: "PBR171" });
    await expect(t.runtime.resume(approvalId, { input: { note: "x" } })).rejects.toMatchObject({ code: "PBR172" });
    const resumed = await t.runtime.resume(approvalId, { input: { password } });
    expect(resumed.decision).toBe("allow");
    const records = await t.runtime.audit.query({ tenant });
    expect(records.find((r) => r.action === "sign_up")?.input).toEqual({ name: "Ada", email: MASK });
    const text = await storedText(t.runtime, tenant);
    expect(text).toContain("update_password");
    expect(text).not.toContain(password);
    expect(text).not.toContain(email);
    expect(await t.runtime.audit.verify(tenant)).toEqual({ ok: true, records: records.length });
  });
});

describe.each(BACKENDS)("secrets with an audit key on %s", (backend) => {
  const t = shared(backend, true);

  it("a secret is kept as its keyed hash, and resume checks the value given against it", async () => {
    const tenant = await newTenant(t.runtime, "basic");
    const id = await account(t.runtime, tenant);
    const password = `pw-${randomUUID()}`;
    const run = await t.runtime.runs.start({ workflow: "secure", tenant });
    const pending = await t.runtime.act({ tenant, agent: "bot", action: "update_password", input: { account: id, password }, run: run.id });
    const approvalId = pending.approvalId ?? "";
    const kept = (await t.runtime.approvals.get(approvalId))?.input["password"];
    expect(String(kept).startsWith(HMAC_PREFIX)).toBe(true);
    const [record] = await t.runtime.audit.query({ tenant, action: "update_password" });
    expect(record?.input["password"]).toBe(kept);
    await t.runtime.approvals.grant(approvalId, { by: "sec" });
    await expect(t.runtime.resume(approvalId, { input: { password: "something else" } })).rejects.toMatchObject({ code: "PBR172" });
    expect((await t.runtime.resume(approvalId, { input: { password } })).decision).toBe("allow");
    expect(await storedText(t.runtime, tenant)).not.toContain(password);
    expect(await t.runtime.audit.verify(tenant)).toMatchObject({ ok: true });
  });

  it("refuses an audit key shorter than 32 bytes (PBR173)", async () => {
    await expect(openRuntime({ bundle: attemptsBundle(), auditKey: "short" })).rejects.toMatchObject({ code: "PBR173" });
  });
});
