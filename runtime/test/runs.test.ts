/**
 * Workflow runs (start, moves along declared edges, history), budgets and quotas that
 * cannot be overspent by concurrent actions, and approvals (pending → grant → resume).
 * On PostgreSQL the concurrent actions really run at once, through a pool of 10.
 */
import { describe, expect, it } from "vitest";
import { BACKENDS, newTenant, sharedTestRuntime, seedTicket } from "./support/store-db.js";

describe.each(BACKENDS)("runs on %s", (backend) => {
  const t = sharedTestRuntime(backend, "runs");

  const openTicket = (tenant: string, run?: string, n = 0) =>
    t.runtime.act({ tenant, agent: "support_bot", action: "open_ticket", input: { customer: `c${n}`, email: `c${n}@example.com`, amount: n }, ...(run === undefined ? {} : { run }) });

  it("starts a run in the start state with the workflow's budget, and moves only along declared edges", async () => {
    const tenant = await newTenant(t.runtime);
    const run = await t.runtime.runs.start({ workflow: "resolve_ticket", tenant });
    expect(run).toMatchObject({ tenant, workflow: "resolve_ticket", agent: "support_bot", state: "triage", final: false, steps: 0, writes: 0 });
    expect(run.budget.steps).toBe(20);
    expect(run.budget.writes).toBe(5);
    expect(Date.parse(run.budget.deadline ?? "") - Date.parse(run.startedAt)).toBe(600_000);

    // `read Ticket` allows read_ticket (an action reading a Ticket) by its effect, not by its name.
    expect((await t.runtime.runs.allowed(run.id))?.actions).toEqual(["open_ticket", "read_ticket"]);
    const skip = await t.runtime.runs.next(run.id, "done").catch((e: unknown) => e);
    expect(skip).toMatchObject({ code: "PBR113", message: "workflow `resolve_ticket` has no edge from `triage` to `done`" });
    expect((skip as { help: string }).help).toBe("from `triage` the run can move to: `escalate`, `resolve`");

    expect((await t.runtime.runs.next(run.id, "resolve")).state).toBe("resolve");
    expect((await t.runtime.runs.allowed(run.id))?.actions).toEqual(["add_customer", "close_ticket", "open_ticket", "refund"]);
    const done = await t.runtime.runs.next(run.id, "done");
    expect(done).toMatchObject({ state: "done", final: true });
    expect((await t.runtime.runs.allowed(run.id))?.actions).toEqual([]);
    const after = await t.runtime.runs.next(run.id, "resolve").catch((e: unknown) => e);
    expect(after).toMatchObject({ code: "PBR113", message: `run \`${run.id}\` is in the final state \`done\` of workflow \`resolve_ticket\`` });

    const history = await t.runtime.runs.history(run.id);
    expect(await t.runtime.runs.allowed("00000000-0000-4000-8000-000000000000")).toBeUndefined();
    expect(history.map((m) => [m.seq, m.from, m.to])).toEqual([
      [1, undefined, "triage"],
      [2, "triage", "resolve"],
      [3, "resolve", "done"],
    ]);
  });

  it("refuses a run for another agent or of an unknown workflow", async () => {
    const tenant = await newTenant(t.runtime);
    await expect(t.runtime.runs.start({ workflow: "resolve_ticket", tenant, agent: "supervisor_bot" })).rejects.toMatchObject({ code: "PBR111" });
    await expect(t.runtime.runs.start({ workflow: "nope", tenant })).rejects.toMatchObject({ code: "PBR111" });
    await expect(t.runtime.runs.start({ workflow: "resolve_ticket", tenant: "nobody" })).rejects.toMatchObject({ code: "PBR110" });
  });

  it("denies an action the run's state does not allow, and counts it as a step", async () => {
    const tenant = await newTenant(t.runtime);
    const run = await t.runtime.runs.start({ workflow: "resolve_ticket", tenant });
    const ticket = await seedTicket(t.runtime, tenant);
    const out = await t.runtime.act({ tenant, agent: "support_bot", action: "close_ticket", input: { ticket, reason: "x" }, run: run.id });
    expect(out.decision).toBe("deny");
    expect(out.reasons).toEqual([{ kind: "workflow", message: "state `triage` of workflow `resolve_ticket` does not allow `close_ticket`" }]);
    expect(await t.runtime.runs.get(run.id)).toMatchObject({ steps: 1, writes: 0 });
    const other = await t.runtime.act({ tenant, agent: "supervisor_bot", action: "read_ticket", input: { ticket }, run: run.id });
    expect(other.reasons).toEqual([{ kind: "workflow", message: `run \`${run.id}\` belongs to agent \`support_bot\`, not \`supervisor_bot\`` }]);
  });

  it("50 concurrent acts on a run with a budget of 10 writes: exactly 10 succeed", async () => {
    const tenant = await newTenant(t.runtime);
    const run = await t.runtime.runs.start({ workflow: "bulk", tenant });
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => openTicket(tenant, run.id, i)));
    const allowed = results.filter((r) => r.decision === "allow");
    expect(allowed).toHaveLength(10);
    for (const r of results.filter((r) => r.decision !== "allow")) {
      expect(r.reasons).toEqual([{ kind: "budget", message: `run \`${run.id}\` used all 10 of its writes` }]);
    }
    expect(await t.runtime.runs.get(run.id)).toMatchObject({ writes: 10, steps: 10 });
    const [rows] = await t.admin.query<{ n: number }>("select count(*)::int as n from tickets where tenant_id = $1", [tenant]);
    expect(Number(rows?.n)).toBe(10);
    // Every one of the 50 is audited, on one unbroken chain.
    expect(await t.runtime.audit.query({ tenant })).toHaveLength(50);
    expect(await t.runtime.audit.verify(tenant)).toEqual({ ok: true, records: 50 });
  });

  it("a plan quota is not overspent under concurrency, and a new day starts afresh", async () => {
    const tenant = await newTenant(t.runtime, "free"); // agent_actions = 5 per day
    const results = await Promise.all(Array.from({ length: 30 }, (_, i) => openTicket(tenant, undefined, i)));
    expect(results.filter((r) => r.decision === "allow")).toHaveLength(5);
    const denied = results.filter((r) => r.decision === "deny");
    expect(denied).toHaveLength(25);
    expect(denied[0]?.reasons[0]).toMatchObject({ kind: "quota", message: expect.stringMatching(/^the tenant's quota `agent_actions = 5 per day` is used up for `\d{4}-\d{2}-\d{2}`$/) });
    expect((await t.runtime.quotas.used(tenant)).used).toBe(5);
    expect((await t.runtime.decide({ tenant, agent: "support_bot", action: "open_ticket", input: { customer: "x", email: "x@y.z", amount: 1 } })).reasons[0]).toMatchObject({ kind: "quota" });
    t.clock.offsetMs = 86_400_000;
    try {
      expect((await openTicket(tenant, undefined, 99)).decision).toBe("allow");
    } finally {
      t.clock.offsetMs = 0;
    }
  });

  it("the steps budget and the deadline end a run's actions", async () => {
    const tenant = await newTenant(t.runtime);
    const run = await t.runtime.runs.start({ workflow: "resolve_ticket", tenant });
    const ticket = await seedTicket(t.runtime, tenant);
    for (let i = 0; i < 20; i++) {
      expect((await t.runtime.act({ tenant, agent: "support_bot", action: "read_ticket", input: { ticket }, run: run.id })).decision).toBe("allow");
    }
    const over = await t.runtime.act({ tenant, agent: "support_bot", action: "read_ticket", input: { ticket }, run: run.id });
    expect(over.reasons).toEqual([{ kind: "budget", message: `run \`${run.id}\` used all 20 of its steps` }]);
    expect((await t.runtime.runs.get(run.id))?.steps).toBe(20);

    const late = await t.runtime.runs.start({ workflow: "resolve_ticket", tenant });
    t.clock.offsetMs = 600_001;
    try {
      const out = await t.runtime.act({ tenant, agent: "support_bot", action: "read_ticket", input: { ticket }, run: late.id });
      expect(out.reasons[0]).toMatchObject({ kind: "deadline" });
      await expect(t.runtime.runs.next(late.id, "resolve")).rejects.toMatchObject({ code: "PBR113" });
    } finally {
      t.clock.offsetMs = 0;
    }
  });

  it("an action awaiting approval is pending; granted, resume performs it once", async () => {
    const tenant = await newTenant(t.runtime);
    const ticket = await seedTicket(t.runtime, tenant, { amount: 250 });
    const run = await t.runtime.runs.start({ workflow: "resolve_ticket", tenant });
    await t.runtime.runs.next(run.id, "escalate");
    const pending = await t.runtime.act({ tenant, agent: "support_bot", action: "refund", input: { ticket, amount: 250 }, run: run.id });
    expect(pending.decision).toBe("pending");
    expect(pending.reasons[0]).toEqual({ kind: "approval", group: "finance", message: "waits for an approval from `finance`" });
    const approvalId = pending.approvalId ?? "";
    expect(await t.runtime.approvals.get(approvalId)).toMatchObject({ status: "pending", group: "finance", action: "refund", run: run.id, requestAuditId: pending.auditId });
    expect(await t.runtime.approvals.list({ tenant, status: "pending" })).toHaveLength(1);
    expect(await t.admin.query("select amount::float8 as amount from tickets where id = $1", [ticket])).toEqual([{ amount: 250 }]);

    await expect(t.runtime.resume(approvalId)).rejects.toMatchObject({ code: "PBR114", message: `approval \`${approvalId}\` is pending, not granted` });
    const granted = await t.runtime.approvals.grant(approvalId, { by: "fran" });
    expect(granted).toMatchObject({ status: "granted", decidedBy: "fran" });
    await expect(t.runtime.approvals.grant(approvalId, { by: "fran" })).rejects.toMatchObject({ code: "PBR114" });

    const resumed = await t.runtime.resume(approvalId);
    expect(resumed.decision).toBe("allow");
    expect(resumed.result).toEqual({ id: ticket, amount: 0 });
    expect(await t.admin.query("select amount::float8 as amount from tickets where id = $1", [ticket])).toEqual([{ amount: 0 }]);
    expect(await t.runtime.approvals.get(approvalId)).toMatchObject({ status: "resumed", resumedAuditId: resumed.auditId });
    await expect(t.runtime.resume(approvalId)).rejects.toMatchObject({ code: "PBR114" });

    const records = await t.runtime.audit.query({ tenant });
    expect(records.map((r) => [r.action, r.decision, r.agent, r.approval])).toEqual([
      ["workflow.move", "allow", "paybill:host", undefined],
      ["refund", "pending", "support_bot", approvalId],
      ["approval.grant", "allow", "fran", approvalId],
      ["refund", "allow", "support_bot", approvalId],
    ]);
    // The host's move is a step too.
    expect(await t.runtime.runs.get(run.id)).toMatchObject({ steps: 3, writes: 1 });
    expect(await t.runtime.audit.verify(tenant)).toEqual({ ok: true, records: 4 });
  });

  it("a rejected approval cannot be resumed", async () => {
    const tenant = await newTenant(t.runtime);
    const ticket = await seedTicket(t.runtime, tenant);
    const run = await t.runtime.runs.start({ workflow: "resolve_ticket", tenant });
    await t.runtime.runs.next(run.id, "escalate");
    const pending = await t.runtime.act({ tenant, agent: "support_bot", action: "refund", input: { ticket, amount: 20 }, run: run.id });
    const id = pending.approvalId ?? "";
    expect(await t.runtime.approvals.reject(id, { by: "fran", note: "no" })).toMatchObject({ status: "rejected", note: "no" });
    await expect(t.runtime.resume(id)).rejects.toMatchObject({ code: "PBR114", message: `approval \`${id}\` is rejected, not granted` });
    expect((await t.runtime.audit.query({ tenant, action: "approval.reject" }))[0]).toMatchObject({ agent: "fran", decision: "deny" });
  });
});
