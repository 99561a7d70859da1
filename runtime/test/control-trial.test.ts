/**
 * Plan `trial` (spec/control-plane.md, Trials): a tenant onboarded on a plan with a trial is
 * trialing until onboarding + trial; the billing sweep ends an expired trial that no event
 * ended (a `trial_ended` transition, then past due from the trial's end as a failed payment
 * then, suspended once the grace has passed too), each audited; a `trial_ended` event with
 * `paid` or a payment during the trial ends it converted, and the sweep leaves it alone.
 */
import { describe, expect, it } from "vitest";
import { RecordingProvisioner } from "../src/control/recording-provisioner.js";
import { freshId, sharedControlRuntime } from "./support/control-db.js";
import { BACKENDS } from "./support/store-db.js";

const DAY = 86_400_000;

describe.each(BACKENDS)("trials on %s", (backend) => {
  const t = sharedControlRuntime(backend, "control_trial");
  const now = () => new Date(Date.now() + t.clock.offsetMs);
  const onboarded = async (plan = "trial3") => {
    const id = freshId();
    const at = now();
    const { tenant } = await t.runtime.tenants.onboard({ id, plan });
    await t.runtime.tenants.provision(id, new RecordingProvisioner());
    return { id, at, tenant };
  };
  const sweepAt = async (ms: number, id: string) => (await t.runtime.billing.sweep(new Date(ms))).filter((s) => s.tenant === id);

  it("onboarding on a plan with a trial starts it; one without has none", async () => {
    const { id, tenant } = await onboarded();
    expect(Date.parse(tenant.trialEndsAt ?? "") - Date.parse(tenant.createdAt)).toBe(3 * DAY);
    expect(tenant.trialEndedAt).toBeUndefined();
    const [onboard] = await t.runtime.audit.query({ tenant: id, action: "tenant.onboard" });
    expect(onboard?.input).toMatchObject({ trialEndsAt: tenant.trialEndsAt });
    const plain = await onboarded("business");
    expect(plain.tenant.trialEndsAt).toBeUndefined();
  });

  it("the sweep ends a trial that ran out unpaid: past due from its end, suspended after the grace", async () => {
    const { id, tenant } = await onboarded();
    const end = Date.parse(tenant.trialEndsAt ?? "");
    expect(await sweepAt(end - 1000, id)).toEqual([]);
    expect((await t.runtime.tenants.get(id))?.trialEndedAt).toBeUndefined();

    const ended = await sweepAt(end + 1000, id);
    expect(ended.map((s) => [s.event, s.from, s.to, s.actor])).toEqual([
      ["trial_ended", "active", "active", "billing"],
      ["past_due", "active", "active", "billing"],
    ]);
    expect(ended[0]?.reason).toBe(`the trial of plan \`trial3\` ended at ${tenant.trialEndsAt} with no payment`);
    expect(await t.runtime.tenants.get(id)).toMatchObject({
      state: "active",
      trialEndedAt: tenant.trialEndsAt,
      pastDueSince: tenant.trialEndsAt,
      suspendAt: new Date(end + 2 * DAY).toISOString(),
    });
    // Once: the trial does not end again.
    expect(await sweepAt(end + DAY, id)).toEqual([]);
    // The plan's grace (2 days) from the trial's end, then suspended for billing.
    expect((await sweepAt(end + 2 * DAY, id)).map((s) => s.event)).toEqual(["suspend"]);
    expect(await t.runtime.tenants.get(id)).toMatchObject({ state: "suspended", suspendedFor: "billing" });
    const audited = await t.runtime.audit.query({ tenant: id, agent: "paybill:control-plane" });
    expect(audited.map((r) => r.action)).toEqual(["tenant.onboard", "tenant.provision", "tenant.provisioned", "tenant.trial_ended", "tenant.past_due", "tenant.suspend"]);
    expect(audited[3]?.input).toMatchObject({ paid: false, actor: "billing" });
    expect(await t.runtime.audit.verify(id)).toMatchObject({ ok: true });
  });

  it("a sweep long after the trial and its grace ends it and suspends at once", async () => {
    const { id, tenant } = await onboarded();
    const end = Date.parse(tenant.trialEndsAt ?? "");
    expect((await sweepAt(end + 10 * DAY, id)).map((s) => s.event)).toEqual(["trial_ended", "past_due", "suspend"]);
  });

  it("a trial converted by the billing system (`trial_ended` paid, or a payment) is not ended by the sweep", async () => {
    const paid = await onboarded();
    const event = await t.runtime.billing.event({ id: freshId("evt"), type: "trial_ended", tenant: paid.id, paid: true });
    expect(event).toMatchObject({ applied: true, tenant: { state: "active" } });
    expect(event.transitions.map((x) => x.event)).toEqual(["trial_ended"]);
    expect(event.tenant.trialEndedAt).toBeDefined();
    expect(await sweepAt(Date.parse(paid.tenant.trialEndsAt ?? "") + 10 * DAY, paid.id)).toEqual([]);
    expect((await t.runtime.tenants.get(paid.id))?.pastDueSince).toBeUndefined();

    const payment = await onboarded();
    const succeeded = await t.runtime.billing.event({ id: freshId("evt"), type: "payment_succeeded", tenant: payment.id });
    expect(succeeded.transitions.map((x) => x.event)).toEqual(["trial_ended"]);
    expect(await sweepAt(Date.parse(payment.tenant.trialEndsAt ?? "") + 10 * DAY, payment.id)).toEqual([]);
  });

  it("an unpaid `trial_ended` event ends the trial and makes the tenant past due at once", async () => {
    const { id } = await onboarded();
    const at = now().toISOString();
    const event = await t.runtime.billing.event({ id: freshId("evt"), type: "trial_ended", tenant: id, paid: false, at });
    expect(event.transitions.map((x) => x.event)).toEqual(["trial_ended", "past_due"]);
    expect(event.tenant).toMatchObject({ trialEndedAt: at, pastDueSince: at });
  });

  it("an offboarded tenant's trial is not ended", async () => {
    const { id, tenant } = await onboarded();
    await t.runtime.tenants.offboard(id);
    await t.runtime.tenants.provision(id, new RecordingProvisioner());
    expect(await sweepAt(Date.parse(tenant.trialEndsAt ?? "") + DAY, id)).toEqual([]);
  });
});
