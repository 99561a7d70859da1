/**
 * The tenant lifecycle on a real database: onboarding gives a provisioning plan and a
 * `pending` tenant; provisioning makes it `active`; every transition has one row and one
 * audit record in a chain that verifies; illegal moves, unknown plans, taken and bad ids
 * are refused with their codes and change nothing; a tenant that is not active has its
 * agents' acts and decisions denied with the state as reason; plan changes apply at once
 * within a placement and become a provisioning plan across placements; racing plan
 * changes leave one consistent result.
 */
import { describe, expect, it } from "vitest";
import { RecordingProvisioner } from "../src/control/recording-provisioner.js";
import { PaybillRuntimeError } from "../src/store/errors.js";
import { count, freshId, sharedControlRuntime } from "./support/control-db.js";
import { BACKENDS, seedTicket } from "./support/store-db.js";

const code = async (promise: Promise<unknown>): Promise<string | undefined> => {
  try {
    await promise;
    return undefined;
  } catch (error) {
    return error instanceof PaybillRuntimeError ? error.code : `not a runtime error: ${String(error)}`;
  }
};

describe.each(BACKENDS)("tenant lifecycle on %s", (backend) => {
  const t = sharedControlRuntime(backend, "control_tenants");
  const transitions = (id: string) => count(t.runtime, "paybill_tenant_transitions where tenant_id = $1", [id]);
  const records = (id: string) => count(t.runtime, "paybill_audit where tenant_id = $1 and agent = 'paybill:control-plane'", [id]);
  const active = async (plan = "business", extra: { region?: string; cloud?: string } = {}) => {
    const id = freshId();
    await t.runtime.tenants.onboard({ id, plan, ...extra });
    await t.runtime.tenants.provision(id, new RecordingProvisioner());
    return id;
  };

  it("onboards a pending tenant with its provisioning plan, and provisioning makes it active", async () => {
    const id = freshId();
    const { tenant, plan } = await t.runtime.tenants.onboard({ id, plan: "enterprise", region: "eu-west-1", actor: "ops@example.com" });
    expect(tenant).toMatchObject({ id, plan: "enterprise", state: "pending", region: "eu-west-1", static: false });
    expect(plan).toEqual({ tenant: id, reason: "onboard", steps: [{ kind: "provision", tenant: id, placement: { plan: "enterprise", isolation: "silo", cloud: "aws", region: "eu-west-1" } }] });
    expect(await t.runtime.tenants.plan(id)).toEqual(plan);

    const provisioner = new RecordingProvisioner();
    const result = await t.runtime.tenants.provision(id, provisioner);
    expect(result.tenant.state).toBe("active");
    expect(result.steps.map((s) => [s.step.kind, s.outcome.ok, s.skipped])).toEqual([["provision", true, false]]);
    expect(provisioner.calls).toEqual([{ step: plan.steps[0], attempt: 1 }]);
    expect(await t.runtime.tenants.plan(id)).toBeUndefined();

    const history = await t.runtime.tenants.history(id);
    expect(history.map((h) => [h.seq, h.event, h.from ?? null, h.to])).toEqual([
      [1, "onboard", null, "pending"],
      [2, "provision", "pending", "provisioning"],
      [3, "provisioned", "provisioning", "active"],
    ]);
    expect(history[0]?.actor).toBe("ops@example.com");
    const audit = await t.runtime.audit.query({ tenant: id });
    expect(audit.map((r) => [r.agent, r.action, r.decision])).toEqual([
      ["paybill:control-plane", "tenant.onboard", "allow"],
      ["paybill:control-plane", "tenant.provision", "allow"],
      ["paybill:control-plane", "tenant.provisioned", "allow"],
    ]);
    expect(audit[1]?.input).toMatchObject({ from: "pending", to: "provisioning", plan: "enterprise" });
    expect(await t.runtime.audit.verify(id)).toEqual({ ok: true, records: 3 });
    expect(await t.runtime.tenants.list({ state: "active", plan: "enterprise" })).toContainEqual(expect.objectContaining({ id }));
  });

  it("refuses illegal transitions with PBR140 and changes nothing", async () => {
    const id = freshId();
    await t.runtime.tenants.onboard({ id, plan: "business" });
    expect(await code(t.runtime.tenants.suspend(id))).toBe("PBR140");
    expect(await code(t.runtime.tenants.resume(id))).toBe("PBR140");
    await expect(t.runtime.tenants.resume(id)).rejects.toMatchObject({
      message: `tenant \`${id}\` is pending: \`resume\` is not allowed from \`pending\``,
      help: "from `pending` the lifecycle allows: `provision`, `offboard`, `plan_changed`, `past_due`, `paid`, `trial_ended`",
    });
    expect((await t.runtime.tenants.get(id))?.state).toBe("pending");
    expect(await transitions(id)).toBe(1);
    expect(await records(id)).toBe(1);
  });

  it("refuses an unknown plan (PBR141), a taken id (PBR142), a bad id (PBR143) and an unknown tenant (PBR110)", async () => {
    const id = freshId();
    expect(await code(t.runtime.tenants.onboard({ id, plan: "platinum" }))).toBe("PBR141");
    expect(await t.runtime.tenants.get(id)).toBeUndefined();
    await t.runtime.tenants.onboard({ id, plan: "business" });
    expect(await code(t.runtime.tenants.onboard({ id, plan: "free" }))).toBe("PBR142");
    expect((await t.runtime.tenants.get(id))?.plan).toBe("business");
    expect(await code(t.runtime.tenants.onboard({ id: "Acme Corp", plan: "business" }))).toBe("PBR143");
    expect(await code(t.runtime.tenants.onboard({ id: "acme", plan: "business" }))).toBe("PBR142");
    expect(await code(t.runtime.tenants.suspend("nobody-here"))).toBe("PBR110");
    expect(await code(t.runtime.tenants.plan("nobody-here"))).toBe("PBR110");
    expect(await code(t.runtime.tenants.history("nobody-here"))).toBe("PBR110");
    expect(await t.runtime.tenants.history("acme")).toEqual([]);
    expect(await code(t.runtime.tenants.changePlan(id, "platinum"))).toBe("PBR141");
  });

  it("denies acts and decisions of a tenant that is not active, before policies, naming the state", async () => {
    const id = await active();
    const request = { tenant: id, agent: "support_bot", action: "open_ticket", input: { customer: "Ada", email: "ada@example.com", amount: 1 } };
    expect((await t.runtime.act(request)).decision).toBe("allow");
    await t.runtime.tenants.suspend(id, { reason: "abuse report" });
    const denied = await t.runtime.act(request);
    expect(denied).toMatchObject({ decision: "deny", reasons: [{ kind: "tenant", state: "suspended", message: `tenant \`${id}\` is suspended` }] });
    expect(await t.runtime.decide(request)).toEqual({ decision: "deny", reasons: [{ kind: "tenant", state: "suspended", message: `tenant \`${id}\` is suspended` }] });
    expect(await count(t.runtime, "tickets where tenant_id = $1", [id])).toBe(1);
    // The denial is audited like any other.
    expect((await t.runtime.audit.query({ tenant: id })).at(-1)).toMatchObject({ id: denied.auditId, decision: "deny" });
    const resumed = await t.runtime.tenants.resume(id);
    expect(resumed).toMatchObject({ state: "active" });
    expect(resumed.suspendedFor).toBeUndefined();
    expect((await t.runtime.act(request)).decision).toBe("allow");

    const pending = freshId();
    await t.runtime.tenants.onboard({ id: pending, plan: "business" });
    expect((await t.runtime.decide({ ...request, tenant: pending })).reasons).toEqual([{ kind: "tenant", state: "pending", message: `tenant \`${pending}\` is pending` }]);
  });

  it("a granted approval waits while its tenant is not active (PBR147) and is resumed once it is", async () => {
    const id = await active("business");
    const ticket = await seedTicket(t.runtime, id, { amount: 250 });
    const run = await t.runtime.runs.start({ workflow: "resolve_ticket", tenant: id });
    await t.runtime.runs.next(run.id, "escalate");
    const pending = await t.runtime.act({ tenant: id, agent: "support_bot", action: "refund", input: { ticket, amount: 250 }, run: run.id });
    const approvalId = pending.approvalId ?? "";
    await t.runtime.approvals.grant(approvalId, { by: "fran" });
    await t.runtime.tenants.suspend(id);
    await expect(t.runtime.resume(approvalId)).rejects.toMatchObject({
      code: "PBR147",
      message: `approval \`${approvalId}\` cannot be resumed while tenant \`${id}\` is suspended`,
    });
    expect(await t.runtime.approvals.get(approvalId)).toMatchObject({ status: "granted" });
    await t.runtime.tenants.resume(id);
    expect((await t.runtime.resume(approvalId)).decision).toBe("allow");
    expect(await t.runtime.approvals.get(approvalId)).toMatchObject({ status: "resumed" });
    // Usage counts the one performed refund: not the pending request, the grant or the control plane's records.
    const period = new Date().toISOString().slice(0, 7);
    expect((await t.runtime.usage.export({ period, tenant: id })).find((r) => r.metric === "agent_actions")?.quantity).toBe(1);
  });

  it("offboards: a provisioned tenant through its deprovision plan, a pending one at once", async () => {
    const id = await active("enterprise", { region: "us-east-1" });
    const offboarding = await t.runtime.tenants.offboard(id);
    expect(offboarding.state).toBe("offboarding");
    expect(await t.runtime.tenants.plan(id)).toEqual({
      tenant: id,
      reason: "offboard",
      steps: [{ kind: "deprovision", tenant: id, placement: { plan: "enterprise", isolation: "silo", cloud: "aws", region: "us-east-1" } }],
    });
    expect((await t.runtime.tenants.provision(id, new RecordingProvisioner())).tenant.state).toBe("offboarded");
    expect(await code(t.runtime.tenants.resume(id))).toBe("PBR140");
    expect((await t.runtime.decide({ tenant: id, agent: "support_bot", action: "open_ticket", input: {} })).reasons[0]).toMatchObject({ kind: "tenant", state: "offboarded" });

    const suspended = await active("business");
    await t.runtime.tenants.suspend(suspended);
    const leaving = await t.runtime.tenants.offboard(suspended);
    expect(leaving.state).toBe("offboarding");
    expect(leaving.suspendedFor).toBeUndefined();

    const pending = freshId();
    await t.runtime.tenants.onboard({ id: pending, plan: "business" });
    expect((await t.runtime.tenants.offboard(pending)).state).toBe("offboarded");
    expect((await t.runtime.tenants.history(pending)).map((h) => h.event)).toEqual(["onboard", "offboard", "offboarded"]);
  });

  it("a plan change within the placement applies at once: entitlements and quotas follow", async () => {
    const id = await active("business");
    const refund = { tenant: id, agent: "support_bot", action: "refund", input: { ticket: await seedTicket(t.runtime, id), amount: 1 } };
    expect((await t.runtime.decide(refund)).decision).toBe("allow");
    const { tenant, plan } = await t.runtime.tenants.changePlan(id, "free");
    expect(plan).toBeUndefined();
    expect(tenant).toMatchObject({ plan: "free", state: "active" });
    expect(tenant.pendingPlan).toBeUndefined();
    expect(await t.runtime.quotas.used(id)).toEqual({ used: 0, limit: 5, per: "day" });
    expect((await t.runtime.decide(refund)).reasons[0]).toMatchObject({ kind: "feature", feature: "refunds" });
    expect((await t.runtime.tenants.history(id)).at(-1)).toMatchObject({ event: "plan_changed", from: "active", to: "active", plan: "free" });
    // The same plan again changes nothing.
    await t.runtime.tenants.changePlan(id, "free");
    expect(await transitions(id)).toBe(4);
  });

  it("a plan change across placements yields a provisioning plan; only `provisioned` switches the plan", async () => {
    const id = await active("business", { region: "eu-west-1" });
    const { tenant, plan } = await t.runtime.tenants.changePlan(id, "enterprise");
    expect(tenant).toMatchObject({ plan: "business", pendingPlan: "enterprise", state: "provisioning" });
    const from = { plan: "business", isolation: "pooled", region: "eu-west-1" };
    const to = { plan: "enterprise", isolation: "silo", cloud: "aws", region: "eu-west-1" };
    expect(plan).toEqual({
      tenant: id,
      reason: "plan_change",
      steps: [
        { kind: "provision", tenant: id, placement: to },
        { kind: "move_data", tenant: id, from, to },
        { kind: "retire", tenant: id, placement: from },
      ],
    });
    // Still on its old plan until provisioned; its agents wait meanwhile.
    expect((await t.runtime.decide({ tenant: id, agent: "support_bot", action: "open_ticket", input: {} })).reasons[0]).toMatchObject({ kind: "tenant", state: "provisioning" });
    expect(await code(t.runtime.tenants.changePlan(id, "free"))).toBe("PBR140");
    const done = await t.runtime.tenants.provision(id, new RecordingProvisioner());
    expect(done.tenant).toMatchObject({ plan: "enterprise", state: "active" });
    expect(done.tenant.pendingPlan).toBeUndefined();
    expect((await t.runtime.tenants.history(id)).slice(-2).map((h) => [h.event, h.plan, h.pendingPlan ?? null])).toEqual([
      ["migrate", "business", "enterprise"],
      ["provisioned", "enterprise", null],
    ]);
    expect(await t.runtime.audit.verify(id)).toMatchObject({ ok: true });
  });

  it("a suspended tenant can change plan within its placement but not move", async () => {
    const id = await active("business");
    await t.runtime.tenants.suspend(id);
    expect((await t.runtime.tenants.changePlan(id, "unlimited")).tenant).toMatchObject({ plan: "unlimited", state: "suspended" });
    expect(await code(t.runtime.tenants.changePlan(id, "team_aws"))).toBe("PBR140");
  });

  it("a static tenant's plan is the bundle's (PBR145)", async () => {
    expect(await code(t.runtime.tenants.changePlan("acme", "free"))).toBe("PBR145");
    expect((await t.runtime.tenants.get("acme"))?.plan).toBe("business");
  });

  it("two racing plan changes leave one consistent result and a complete history", async () => {
    for (const [a, b] of [
      ["free", "unlimited"],
      ["enterprise", "team_aws"],
      ["free", "enterprise"],
    ] as const) {
      const id = await active("business");
      const settled = await Promise.allSettled([t.runtime.tenants.changePlan(id, a), t.runtime.tenants.changePlan(id, b)]);
      const won = settled.filter((s) => s.status === "fulfilled").length;
      expect(won).toBeGreaterThanOrEqual(1);
      for (const s of settled) if (s.status === "rejected") expect((s.reason as PaybillRuntimeError).code).toBe("PBR140");
      const tenant = await t.runtime.tenants.get(id);
      const history = await t.runtime.tenants.history(id);
      const changes = history.slice(3);
      expect(changes).toHaveLength(won);
      const last = changes.at(-1);
      // The row is what the last recorded change left.
      expect(tenant).toMatchObject({ plan: last?.plan, state: last?.to });
      expect(tenant?.pendingPlan).toBe(last?.pendingPlan);
      expect([a, b]).toContain(tenant?.pendingPlan ?? tenant?.plan);
      if (tenant?.pendingPlan !== undefined) expect(tenant.state).toBe("provisioning");
      else expect(tenant?.state).toBe("active");
      expect(await records(id)).toBe(history.length);
      expect(await t.runtime.audit.verify(id)).toMatchObject({ ok: true, records: history.length });
    }
  });
});
