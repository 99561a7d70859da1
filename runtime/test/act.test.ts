/**
 * The act door end to end on a real database: an allowed action writes its row, its audit
 * record and its run's counters in one transaction; a failed effect leaves none of them;
 * denials and reads are audited; PII is redacted on read; the tenant is bound to every
 * transaction; decide writes nothing.
 */
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { PaybillRuntimeError } from "../src/store/errors.js";
import { BACKENDS, newTenant, sharedTestRuntime, seedTicket } from "./support/store-db.js";

describe.each(BACKENDS)("act on %s", (backend) => {
  const t = sharedTestRuntime(backend, "act");

  const count = async (sql: string, params: unknown[]): Promise<number> => {
    const [row] = await t.admin.query<{ n: number }>(`select count(*)::int as n from ${sql}`, params);
    return Number(row?.n);
  };

  it("an allowed insert writes the row, the audit record and the run's counters together", async () => {
    const tenant = await newTenant(t.runtime);
    const run = await t.runtime.runs.start({ workflow: "resolve_ticket", tenant });
    const out = await t.runtime.act({ tenant, agent: "support_bot", action: "open_ticket", input: { customer: "Ada", email: "ada@example.com", amount: 12.5 }, run: run.id });
    expect(out.decision).toBe("allow");
    expect(out.reasons).toEqual([{ kind: "permit", policy: "support_works", rule: "support_works#0" }]);
    const id = out.result?.["id"];
    expect(typeof id).toBe("string");
    expect(out.result).toEqual({ id, customer: "Ada", email: "ada@example.com", status: "open", amount: 12.5 });

    const rows = await t.admin.query("select tenant_id, customer, status, amount::float8 as amount from tickets where id = $1", [id]);
    expect(rows).toEqual([{ tenant_id: tenant, customer: "Ada", status: "open", amount: 12.5 }]);
    const [record] = await t.runtime.audit.query({ tenant });
    expect(record).toMatchObject({
      id: out.auditId,
      seq: 1,
      agent: "support_bot",
      action: "open_ticket",
      decision: "allow",
      run: run.id,
      input: { customer: "Ada", email: "ada@example.com", amount: 12.5 },
      effect: { op: "insert", entity: "Ticket", key: id },
    });
    expect(await t.runtime.runs.get(run.id)).toMatchObject({ steps: 1, writes: 1, state: "triage" });
    expect(await t.runtime.quotas.used(tenant)).toEqual({ used: 1, limit: 100_000, per: "day" });
  });

  it("an effect that fails leaves no row, no run advance and no quota spent, and its attempt is recorded after the rollback", async () => {
    const tenant = await newTenant(t.runtime);
    const run = await t.runtime.runs.start({ workflow: "resolve_ticket", tenant });
    await t.runtime.runs.next(run.id, "resolve");
    const first = await t.runtime.act({ tenant, agent: "support_bot", action: "add_customer", input: { email: "grace@example.com", name: "Grace" }, run: run.id });
    expect(first.decision).toBe("allow");
    // The same email again: the unique constraint refuses the insert.
    const error = await t.runtime
      .act({ tenant, agent: "support_bot", action: "add_customer", input: { email: "grace@example.com", name: "Grace Again" }, run: run.id })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PaybillRuntimeError);
    expect((error as PaybillRuntimeError).code).toBe("PBR120");
    expect((error as PaybillRuntimeError).message).toMatch(/^the insert on `Customer` failed: .*\(SQLSTATE 23505\)$/);
    expect(await count("customers where tenant_id = $1", [tenant])).toBe(1);
    // The host's move to `resolve` is the first record (and the run's first step).
    const records = (await t.runtime.audit.query({ tenant })).filter((r) => r.action !== "workflow.move");
    expect(records).toHaveLength(2);
    expect((error as { auditId?: string }).auditId).toBe(records[1]?.id);
    expect(records[1]).toMatchObject({ decision: "deny", action: "add_customer", run: run.id, input: { email: "grace@example.com", name: "Grace Again" } });
    expect(records[1]?.reasons[0]).toMatchObject({ kind: "effect", code: "PBR120", message: expect.stringMatching(/SQLSTATE 23505\); nothing was performed$/) });
    expect(records[1]?.effect).toBeUndefined();
    expect(await t.runtime.runs.get(run.id)).toMatchObject({ steps: 2, writes: 1 });
    expect((await t.runtime.quotas.used(tenant)).used).toBe(1);
    expect(await t.runtime.audit.verify(tenant)).toEqual({ ok: true, records: 3 });
  });

  it("an insert whose key the effect sets: a text key in the one statement, a uuid key one statement after the other", async () => {
    const tenant = await newTenant(t.runtime);
    const label = await t.runtime.act({ tenant, agent: "support_bot", action: "add_label", input: { name: "urgent", color: "red" } });
    expect(label).toMatchObject({ decision: "allow", result: { name: "urgent", color: "red" } });
    const id = randomUUID().toUpperCase();
    const imported = await t.runtime.act({ tenant, agent: "support_bot", action: "import_customer", input: { id, email: "ada@example.com", name: "Ada" } });
    expect(imported.decision).toBe("allow");
    // The key as the database keeps it.
    expect(imported.result?.["id"]).toBe(id.toLowerCase());
    expect(await count("labels where tenant_id = $1 and name = 'urgent' and color = 'red'", [tenant])).toBe(1);
    expect(await count("customers where tenant_id = $1 and id = $2", [tenant, id])).toBe(1);
    const records = await t.runtime.audit.query({ tenant });
    expect(records.map((r) => r.effect)).toEqual([
      { op: "insert", entity: "Label", key: "urgent" },
      { op: "insert", entity: "Customer", key: id.toLowerCase() },
    ]);
    expect((await t.runtime.quotas.used(tenant)).used).toBe(2);
    // A second import of the same key fails in the database: nothing of it stays.
    const again = await t.runtime.act({ tenant, agent: "support_bot", action: "import_customer", input: { id, email: "other@example.com", name: "Ada" } }).catch((e: unknown) => e);
    expect(again).toMatchObject({ code: "PBR120" });
    const twice = await t.runtime.act({ tenant, agent: "support_bot", action: "add_label", input: { name: "urgent", color: "blue" } }).catch((e: unknown) => e);
    expect(twice).toMatchObject({ code: "PBR120" });
    expect((twice as Error).message).toMatch(/^the insert on `Label` failed: .*\(SQLSTATE 23505\)$/);
    // Each failed attempt is recorded after its rollback, as a denial saying so.
    const after = await t.runtime.audit.query({ tenant });
    expect(after.map((r) => [r.decision, r.effect])).toEqual([
      ["allow", { op: "insert", entity: "Label", key: "urgent" }],
      ["allow", { op: "insert", entity: "Customer", key: id.toLowerCase() }],
      ["deny", undefined],
      ["deny", undefined],
    ]);
    expect((await t.runtime.quotas.used(tenant)).used).toBe(2);
    expect(await t.runtime.audit.verify(tenant)).toEqual({ ok: true, records: 4 });
  });

  it("a denied action is audited with its reasons and writes nothing", async () => {
    const tenant = await newTenant(t.runtime);
    const ticket = await seedTicket(t.runtime, tenant, { status: "closed" });
    const out = await t.runtime.act({ tenant, agent: "support_bot", action: "close_ticket", input: { ticket, reason: "done" } });
    expect(out.decision).toBe("deny");
    expect(out.reasons).toEqual([{ kind: "no-permit", message: "no policy permits this action" }]);
    expect(out.result).toBeUndefined();
    const [record] = await t.runtime.audit.query({ tenant });
    expect(record).toMatchObject({ id: out.auditId, decision: "deny", reasons: out.reasons });
    expect(record?.effect).toBeUndefined();
    expect((await t.runtime.quotas.used(tenant)).used).toBe(0);
  });

  it("an input the schema refuses is denied and audited with its path", async () => {
    const tenant = await newTenant(t.runtime);
    const out = await t.runtime.act({ tenant, agent: "support_bot", action: "open_ticket", input: { customer: "Ada", email: "a@b.c", amount: 1, admin: true } });
    expect(out.decision).toBe("deny");
    expect(out.reasons[0]).toMatchObject({ kind: "input", path: "input.admin" });
    const nul = await t.runtime.act({ tenant, agent: "support_bot", action: "open_ticket", input: { customer: "A\u0000", email: "a@b.c", amount: 1 } });
    expect(nul.reasons[0]).toMatchObject({ kind: "input" });
    expect(await t.runtime.audit.query({ tenant, decision: "deny" })).toHaveLength(2);
    expect(await count("tickets where tenant_id = $1", [tenant])).toBe(0);
  });

  it("update and delete act on the tenant's row only", async () => {
    const tenant = await newTenant(t.runtime);
    const other = await newTenant(t.runtime);
    const mine = await seedTicket(t.runtime, tenant);
    const theirs = await seedTicket(t.runtime, other);
    const closed = await t.runtime.act({ tenant, agent: "support_bot", action: "close_ticket", input: { ticket: mine, reason: "fixed" } });
    expect(closed).toMatchObject({ decision: "allow", result: { id: mine, status: "closed" } });
    expect(await t.admin.query("select status from tickets where id = $1", [mine])).toEqual([{ status: "closed" }]);
    // Another tenant's key is no row at all for this tenant.
    const cross = await t.runtime.act({ tenant, agent: "support_bot", action: "close_ticket", input: { ticket: theirs, reason: "mine now" } });
    expect(cross.decision).toBe("deny");
    expect(cross.reasons).toEqual([{ kind: "unknown", message: `there is no \`Ticket\` \`${theirs}\` in tenant \`${tenant}\`` }]);
    const gone = await t.runtime.act({ tenant, agent: "support_bot", action: "delete_ticket", input: { ticket: mine } });
    expect(gone).toMatchObject({ decision: "allow", result: { id: mine } });
    expect(await count("tickets where id = $1", [mine])).toBe(0);
    expect(await count("tickets where id = $1 and status = 'open'", [theirs])).toBe(1);
  });

  it("reads return the row without @pii fields unless a policy permits them", async () => {
    const tenant = await newTenant(t.runtime);
    const ticket = await seedTicket(t.runtime, tenant, { email: "secret@example.com", amount: 99.5 });
    const bot = await t.runtime.act({ tenant, agent: "support_bot", action: "read_ticket", input: { ticket } });
    expect(bot.decision).toBe("allow");
    expect(bot.result).toEqual({ id: ticket, customer: "Ada", status: "open", amount: 99.5 });
    const supervisor = await t.runtime.act({ tenant, agent: "supervisor_bot", action: "read_ticket", input: { ticket } });
    expect(supervisor.result).toEqual({ id: ticket, customer: "Ada", email: "secret@example.com", status: "open", amount: 99.5 });
    // The audit keeps what was asked and which row, not the row's data.
    const records = await t.runtime.audit.query({ tenant, action: "read_ticket" });
    expect(records.map((r) => r.effect)).toEqual([
      { op: "read", entity: "Ticket", key: ticket },
      { op: "read", entity: "Ticket", key: ticket },
    ]);
    expect(JSON.stringify(records)).not.toContain("secret@example.com");
  });

  it("binds the tenant to the transaction that performs the effect", async () => {
    const tenant = await newTenant(t.runtime);
    await t.admin.exec(`
      create table if not exists act_seen (tenant_seen text, row_tenant text);
      grant insert on act_seen to paybill_runtime;
      create or replace function act_seen_tenant() returns trigger language plpgsql as $$
      begin insert into act_seen values (current_setting('paybill.tenant', true), new.tenant_id); return new; end $$;
      drop trigger if exists act_seen_tenant on tickets;
      create trigger act_seen_tenant after insert on tickets for each row execute function act_seen_tenant();
    `);
    try {
      await t.runtime.act({ tenant, agent: "support_bot", action: "open_ticket", input: { customer: "Ada", email: "a@b.c", amount: 1 } });
      expect(await t.admin.query("select tenant_seen from act_seen where row_tenant = $1", [tenant])).toEqual([{ tenant_seen: tenant }]);
      // Bound per transaction only: nothing is left on the connection afterwards.
      const [after] = await t.admin.query<{ v: string | null }>("select nullif(current_setting('paybill.tenant', true), '') as v");
      expect(after?.v ?? null).toBeNull();
    } finally {
      await t.admin.exec("drop trigger if exists act_seen_tenant on tickets");
    }
  });

  it("a plan without the feature denies the action", async () => {
    const tenant = await newTenant(t.runtime, "free");
    const ticket = await seedTicket(t.runtime, tenant);
    const out = await t.runtime.act({ tenant, agent: "support_bot", action: "refund", input: { ticket, amount: 5 } });
    expect(out.decision).toBe("deny");
    expect(out.reasons).toEqual([{ kind: "feature", feature: "refunds", message: "plan `free` does not include feature `refunds`" }]);
  });

  it("decide answers as act would and writes nothing", async () => {
    const tenant = await newTenant(t.runtime);
    const ticket = await seedTicket(t.runtime, tenant);
    const before = await t.admin.query("select status from tickets where id = $1", [ticket]);
    const decision = await t.runtime.decide({ tenant, agent: "support_bot", action: "close_ticket", input: { ticket, reason: "x" } });
    expect(decision).toMatchObject({ decision: "allow", reasons: [{ kind: "permit", rule: "support_closes_open_tickets#0" }] });
    const refund = await t.runtime.decide({ tenant, agent: "support_bot", action: "refund", input: { ticket, amount: 500 } });
    expect(refund).toMatchObject({ decision: "deny", reasons: [{ kind: "forbid", rule: "refunds_need_finance_over_100#0" }] });
    const withApproval = await t.runtime.decide({
      tenant,
      agent: "support_bot",
      action: "refund",
      input: { ticket, amount: 500 },
      approvals: [{ group: "finance", by: "fran", at: new Date().toISOString() }],
    });
    expect(withApproval.decision).toBe("allow");
    expect(await t.admin.query("select status from tickets where id = $1", [ticket])).toEqual(before);
    expect(await t.runtime.audit.query({ tenant })).toEqual([]);
    expect((await t.runtime.quotas.used(tenant)).used).toBe(0);
  });

  it("refuses an unknown tenant or run as a caller error", async () => {
    const unknown = await t.runtime.act({ tenant: "nobody", agent: "support_bot", action: "read_ticket", input: { ticket: randomUUID() } }).catch((e: unknown) => e);
    expect(unknown).toMatchObject({ code: "PBR110", message: "there is no tenant `nobody`" });
    const tenant = await newTenant(t.runtime);
    const noRun = await t.runtime.act({ tenant, agent: "support_bot", action: "read_ticket", input: { ticket: randomUUID() }, run: "r-1" }).catch((e: unknown) => e);
    expect(noRun).toMatchObject({ code: "PBR112" });
    // Another tenant's run is not this tenant's run.
    const other = await newTenant(t.runtime);
    const run = await t.runtime.runs.start({ workflow: "resolve_ticket", tenant: other });
    const cross = await t.runtime.act({ tenant, agent: "support_bot", action: "read_ticket", input: { ticket: randomUUID() }, run: run.id }).catch((e: unknown) => e);
    expect(cross).toMatchObject({ code: "PBR112" });
  });
});
