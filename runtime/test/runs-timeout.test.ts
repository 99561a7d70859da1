/**
 * Workflow state `timeout` (spec/runtime.md, Timeouts): a run that stays in a state past
 * its timeout expires — final where it is, its pending and granted approvals `expired`,
 * one `run.expire` and one `approval.expire` record per approval in the tenant's chain
 * (agent `paybill:runtime`) — applied lazily by act, resume, runs.get/next and
 * approvals.get/list, and by `runs.sweep`, all by the runtime's clock.
 */
import { describe, expect, it } from "vitest";
import { bundleHash } from "../src/bundle/canonical.js";
import type { Bundle, WorkflowSpec } from "../src/bundle/format.js";
import { storeBundle } from "./support/store-bundle.js";
import { BACKENDS, later as laterBy, newTenant, seedTicket, sharedTestRuntime } from "./support/store-db.js";

const HOUR = 3_600_000;

/** The store bundle plus `escalation`: waits for finance for at most an hour, then 2 hours to resolve. */
function timeoutBundle(): Bundle {
  const { hash: _hash, ...base } = storeBundle();
  const escalation: WorkflowSpec = {
    name: "escalation",
    agent: "support_bot",
    budget: {},
    start: "escalate",
    states: {
      done: { name: "done", allow: [], next: [], final: true },
      escalate: { name: "escalate", allow: [{ kind: "action", action: "refund" }], next: ["resolve"], approval: "finance", final: false, timeoutMs: HOUR },
      resolve: { name: "resolve", allow: [{ kind: "action", action: "refund" }], next: ["done"], final: false, timeoutMs: 2 * HOUR },
    },
  };
  const body = { ...base, workflows: { ...base.workflows, escalation } };
  return { ...body, hash: bundleHash(body) };
}

describe.each(BACKENDS)("state timeouts on %s", (backend) => {
  const t = sharedTestRuntime(backend, "runs_timeout", timeoutBundle());
  const now = () => new Date(Date.now() + t.clock.offsetMs);
  const later = <T>(ms: number, body: () => Promise<T>): Promise<T> => laterBy(t.clock, ms, body);
  const pendingRefund = async () => {
    const tenant = await newTenant(t.runtime);
    const ticket = await seedTicket(t.runtime, tenant, { amount: 250 });
    const run = await t.runtime.runs.start({ workflow: "escalation", tenant });
    const pending = await t.runtime.act({ tenant, agent: "support_bot", action: "refund", input: { ticket, amount: 250 }, run: run.id });
    expect(pending.decision).toBe("pending");
    return { tenant, ticket, run, approval: pending.approvalId ?? "" };
  };

  it("entering a state with a timeout sets when the run expires; a state without one clears it", async () => {
    const tenant = await newTenant(t.runtime);
    const start = now();
    const run = await t.runtime.runs.start({ workflow: "escalation", tenant });
    expect(Date.parse(run.expiresAt ?? "") - Date.parse(run.startedAt)).toBe(HOUR);
    expect(Date.parse(run.startedAt)).toBeGreaterThanOrEqual(start.getTime());
    const resolving = await t.runtime.runs.next(run.id, "resolve");
    expect(Date.parse(resolving.expiresAt ?? "") - Date.parse(resolving.updatedAt)).toBe(2 * HOUR);
    const done = await t.runtime.runs.next(run.id, "done");
    expect(done).toMatchObject({ final: true });
    expect(done.expiresAt).toBeUndefined();
    // A finished run never expires.
    expect(await later(3 * HOUR, () => t.runtime.runs.sweep())).not.toContainEqual(expect.objectContaining({ id: run.id }));
    expect((await later(3 * HOUR, () => t.runtime.runs.get(run.id)))?.expiredAt).toBeUndefined();
  });

  it("an act past the timeout expires the run and its pending approval, audited, and is denied", async () => {
    const { tenant, ticket, run, approval } = await pendingRefund();
    // Before the timeout nothing happens.
    expect(await later(HOUR - 1000, () => t.runtime.runs.get(run.id))).toMatchObject({ final: false, state: "escalate" });
    const out = await later(HOUR + 1000, () => t.runtime.act({ tenant, agent: "support_bot", action: "refund", input: { ticket, amount: 250 }, run: run.id }));
    const expiredAt = run.expiresAt;
    expect(out).toMatchObject({ decision: "deny", reasons: [{ kind: "workflow", message: `run \`${run.id}\` timed out in state \`escalate\` at ${expiredAt}` }] });
    expect(await t.runtime.runs.get(run.id)).toMatchObject({ state: "escalate", final: true, expiredAt, steps: 1 });
    expect((await t.runtime.runs.allowed(run.id))?.actions).toEqual([]);
    expect(await t.runtime.approvals.get(approval)).toMatchObject({ status: "expired" });
    const records = await t.runtime.audit.query({ tenant });
    expect(records.map((r) => [r.agent, r.action, r.decision, r.approval ?? null])).toEqual([
      ["support_bot", "refund", "pending", approval],
      ["paybill:runtime", "run.expire", "deny", null],
      ["paybill:runtime", "approval.expire", "deny", approval],
      ["support_bot", "refund", "deny", null],
    ]);
    expect(records[1]?.input).toEqual({ workflow: "escalation", state: "escalate", timeoutMs: HOUR, expiredAt, approvals: [approval] });
    expect(await t.runtime.audit.verify(tenant)).toEqual({ ok: true, records: 4 });
    // Nothing more moves in it.
    await expect(later(HOUR + 2000, () => t.runtime.runs.next(run.id, "resolve"))).rejects.toMatchObject({
      code: "PBR113",
      message: `run \`${run.id}\` timed out in state \`escalate\` at ${expiredAt}`,
    });
    await expect(t.runtime.approvals.grant(approval, { by: "fran" })).rejects.toMatchObject({ code: "PBR114", message: `approval \`${approval}\` is expired, not pending` });
  });

  it("a granted approval not resumed before the timeout expires; resume refuses it", async () => {
    const { run, approval } = await pendingRefund();
    await t.runtime.approvals.grant(approval, { by: "fran" });
    const refused = await later(HOUR, () => t.runtime.resume(approval)).catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: "PBR114", message: `approval \`${approval}\` is expired, not granted`, help: "its run timed out in the state it waited in: start a new run" });
    expect(await t.runtime.approvals.get(approval)).toMatchObject({ status: "expired", decidedBy: "fran" });
    expect(await t.runtime.runs.get(run.id)).toMatchObject({ final: true, expiredAt: run.expiresAt });
  });

  it("approvals.list and runs.next apply the timeout before they answer", async () => {
    const listed = await pendingRefund();
    expect(await later(HOUR, () => t.runtime.approvals.list({ tenant: listed.tenant }))).toEqual([expect.objectContaining({ id: listed.approval, status: "expired" })]);
    const moved = await pendingRefund();
    await expect(later(2 * HOUR, () => t.runtime.runs.next(moved.run.id, "resolve"))).rejects.toMatchObject({ code: "PBR113" });
    expect(await t.runtime.approvals.get(moved.approval)).toMatchObject({ status: "expired" });
  });

  it("the sweep expires every run past its timeout, once, whoever touches them later", async () => {
    const a = await pendingRefund();
    const b = await pendingRefund();
    const swept = await later(HOUR, () => t.runtime.runs.sweep());
    expect(swept.map((r) => r.id)).toEqual(expect.arrayContaining([a.run.id, b.run.id]));
    for (const r of swept) expect(r).toMatchObject({ final: true, expiredAt: r.expiresAt });
    // Once: a second sweep and later reads add nothing to the chain.
    expect((await later(HOUR, () => t.runtime.runs.sweep())).map((r) => r.id)).not.toContain(a.run.id);
    await later(5 * HOUR, () => t.runtime.runs.get(a.run.id));
    expect((await t.runtime.audit.query({ tenant: a.tenant })).map((r) => r.action)).toEqual(["refund", "run.expire", "approval.expire"]);
    expect(await t.runtime.approvals.get(b.approval)).toMatchObject({ status: "expired" });
  });

  it("decide reports the timeout without writing", async () => {
    const { tenant, ticket, run } = await pendingRefund();
    const decision = await later(HOUR, () => t.runtime.decide({ tenant, agent: "support_bot", action: "refund", input: { ticket, amount: 250 }, run: run.id }));
    expect(decision).toMatchObject({ decision: "deny", reasons: [{ kind: "workflow" }] });
    expect((await t.runtime.audit.query({ tenant })).map((r) => r.action)).toEqual(["refund"]);
  });
});
