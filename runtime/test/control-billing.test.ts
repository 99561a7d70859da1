/**
 * Billing events on a real database: a replay is harmless (same id ⇒ duplicate, nothing
 * changes), the same id with another body is PBR144; a failed payment on a plan with 7
 * days of grace suspends only when the sweep runs at or after the grace's end (the
 * runtime's clock moved), and the suspended tenant's agents are denied; a payment resumes
 * a tenant suspended for billing but not one an operator suspended; a cancellation
 * offboards; an unpaid trial is a failed payment, a paid one changes nothing.
 */
import { describe, expect, it } from "vitest";
import { RecordingProvisioner } from "../src/control/recording-provisioner.js";
import { count, freshId, sharedControlRuntime } from "./support/control-db.js";
import { BACKENDS } from "./support/store-db.js";

const DAY = 86_400_000;

describe.each(BACKENDS)("billing on %s", (backend) => {
  const t = sharedControlRuntime(backend, "control_billing");
  const active = async (plan: string) => {
    const id = freshId();
    await t.runtime.tenants.onboard({ id, plan });
    await t.runtime.tenants.provision(id, new RecordingProvisioner());
    return id;
  };
  const snapshot = async (id: string) => ({
    tenant: await t.runtime.tenants.get(id),
    history: await t.runtime.tenants.history(id),
    audit: await count(t.runtime, "paybill_audit where tenant_id = $1", [id]),
    events: await count(t.runtime, "paybill_billing_events where tenant_id = $1", [id]),
  });

  it("replaying an event is harmless; the same id with another body is PBR144", async () => {
    const id = await active("business");
    const event = { id: freshId("evt"), type: "payment_failed" as const, tenant: id, at: new Date().toISOString() };
    const first = await t.runtime.billing.event(event);
    expect(first).toMatchObject({ applied: true, duplicate: false, tenant: { state: "suspended", suspendedFor: "billing" } });
    expect(first.transitions.map((x) => x.event)).toEqual(["past_due", "suspend"]);
    const before = await snapshot(id);
    const again = await t.runtime.billing.event(event);
    expect(again).toMatchObject({ applied: false, duplicate: true, tenant: before.tenant });
    expect(again.transitions).toEqual(first.transitions);
    expect(await snapshot(id)).toEqual(before);
    await expect(t.runtime.billing.event({ ...event, type: "payment_succeeded" })).rejects.toMatchObject({
      code: "PBR144",
      message: `billing event \`${event.id}\` was already recorded with another body`,
    });
    await expect(t.runtime.billing.event({ ...event, at: new Date(Date.now() + 1000).toISOString() })).rejects.toMatchObject({ code: "PBR144" });
    expect(await snapshot(id)).toEqual(before);
  });

  it("checks events: type, time, id (PBR144) and tenant (PBR110)", async () => {
    const id = await active("business");
    await expect(t.runtime.billing.event({ id: "e1", type: "refund_issued" as "payment_failed", tenant: id })).rejects.toMatchObject({ code: "PBR144" });
    await expect(t.runtime.billing.event({ id: "e2", type: "payment_failed", tenant: id, at: "yesterday" })).rejects.toMatchObject({ code: "PBR144" });
    await expect(t.runtime.billing.event({ id: "", type: "payment_failed", tenant: id })).rejects.toMatchObject({ code: "PBR144" });
    await expect(t.runtime.billing.event({ id: "e3", type: "payment_failed", tenant: "nobody-here" })).rejects.toMatchObject({ code: "PBR110" });
    expect((await t.runtime.tenants.get(id))?.state).toBe("active");
  });

  it("a failed payment suspends after the plan's grace, at the sweep, and the tenant's acts are then denied", async () => {
    const id = await active("grace7");
    const at = new Date(Date.now() + t.clock.offsetMs);
    const failed = await t.runtime.billing.event({ id: freshId("evt"), type: "payment_failed", tenant: id, at: at.toISOString() });
    expect(failed.tenant).toMatchObject({ state: "active", pastDueSince: at.toISOString(), suspendAt: new Date(at.getTime() + 7 * DAY).toISOString() });
    const act = { tenant: id, agent: "support_bot", action: "open_ticket", input: { customer: "Ada", email: "ada@example.com", amount: 1 } };
    const base = t.clock.offsetMs;
    try {
      t.clock.offsetMs = base + 6 * DAY;
      expect(await t.runtime.billing.sweep()).toEqual([]);
      expect((await t.runtime.act(act)).decision).toBe("allow");
      t.clock.offsetMs = base + 7 * DAY + 1000;
      const swept = await t.runtime.billing.sweep();
      expect(swept.filter((s) => s.tenant === id).map((s) => [s.event, s.from, s.to, s.actor])).toEqual([["suspend", "active", "suspended", "billing"]]);
      expect(await t.runtime.tenants.get(id)).toMatchObject({ state: "suspended", suspendedFor: "billing" });
      expect(await t.runtime.act(act)).toMatchObject({ decision: "deny", reasons: [{ kind: "tenant", state: "suspended", message: `tenant \`${id}\` is suspended` }] });
      // Sweeping again finds nothing more to do for it.
      expect((await t.runtime.billing.sweep()).filter((s) => s.tenant === id)).toEqual([]);

      const paid = await t.runtime.billing.event({ id: freshId("evt"), type: "payment_succeeded", tenant: id });
      expect(paid.transitions.map((x) => x.event)).toEqual(["paid", "resume"]);
      expect(paid.tenant.state).toBe("active");
      expect(paid.tenant.pastDueSince).toBeUndefined();
      expect(paid.tenant.suspendAt).toBeUndefined();
      expect((await t.runtime.act(act)).decision).toBe("allow");
    } finally {
      t.clock.offsetMs = base;
    }
    expect(await t.runtime.audit.verify(id)).toMatchObject({ ok: true });
  });

  it("a second failure does not extend the grace; a payment does not resume an operator's suspension", async () => {
    const id = await active("grace7");
    const now = Date.now() + t.clock.offsetMs;
    const first = await t.runtime.billing.event({ id: freshId("evt"), type: "payment_failed", tenant: id, at: new Date(now - DAY).toISOString() });
    expect(first.transitions.map((x) => x.event)).toEqual(["past_due"]);
    const second = await t.runtime.billing.event({ id: freshId("evt"), type: "payment_failed", tenant: id, at: new Date(now).toISOString() });
    expect(second).toMatchObject({ applied: false, duplicate: false, transitions: [], tenant: { state: "active" } });
    expect(second.tenant.suspendAt).toBe(new Date(now + 6 * DAY).toISOString());
    expect(second.tenant.pastDueSince).toBe(first.tenant.pastDueSince);

    const other = await active("business");
    await t.runtime.tenants.suspend(other, { reason: "abuse" });
    const paid = await t.runtime.billing.event({ id: freshId("evt"), type: "payment_succeeded", tenant: other });
    expect(paid).toMatchObject({ applied: false, duplicate: false, tenant: { state: "suspended", suspendedFor: "operator" } });
  });

  it("a cancellation offboards; an unpaid trial is a failed payment; a paid one is only recorded", async () => {
    const canceled = await active("enterprise");
    const result = await t.runtime.billing.event({ id: freshId("evt"), type: "subscription_canceled", tenant: canceled });
    expect(result.tenant.state).toBe("offboarding");
    expect((await t.runtime.tenants.plan(canceled))?.steps.map((s) => s.kind)).toEqual(["deprovision"]);

    const trial = await active("business");
    const paid = await t.runtime.billing.event({ id: freshId("evt"), type: "trial_ended", tenant: trial, paid: true });
    expect(paid).toMatchObject({ applied: false, duplicate: false, transitions: [], tenant: { state: "active" } });
    const unpaid = await t.runtime.billing.event({ id: freshId("evt"), type: "trial_ended", tenant: trial, paid: false });
    expect(unpaid.transitions.map((x) => x.event)).toEqual(["past_due", "suspend"]);
    expect(await count(t.runtime, "paybill_billing_events where tenant_id = $1", [trial])).toBe(2);
  });
});
