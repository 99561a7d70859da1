/**
 * Plan `limits { seats = n }` and `price` have their effect (spec/control-plane.md, Usage
 * metering): recording a gauge above the plan's limit of that name is PBR200 and nothing is
 * recorded; the usage export carries the plan's price as a billable `plan_price` line per
 * tenant and month (`per month` as is, `per year` a twelfth, `per week` by the month's
 * days; `custom` without an amount; quantity 0 before the tenant existed or while its trial
 * lasts the whole month).
 */
import { describe, expect, it } from "vitest";
import { RecordingProvisioner } from "../src/control/recording-provisioner.js";
import { freshId, sharedControlRuntime } from "./support/control-db.js";
import { BACKENDS } from "./support/store-db.js";

describe.each(BACKENDS)("seats and prices on %s", (backend) => {
  const t = sharedControlRuntime(backend, "control_seats_price");
  const onboarded = async (plan: string) => {
    const id = freshId();
    await t.runtime.tenants.onboard({ id, plan });
    await t.runtime.tenants.provision(id, new RecordingProvisioner());
    return id;
  };
  const month = () => new Date().toISOString().slice(0, 7);
  const previousMonth = () => {
    const now = new Date();
    return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1)).toISOString().slice(0, 7);
  };

  it("refuses to record more seats than the plan's limit (PBR200), and records up to it", async () => {
    const id = await onboarded("priced");
    await t.runtime.usage.record({ tenant: id, metric: "seats", quantity: 5 });
    const refused = await t.runtime.usage.record({ tenant: id, metric: "seats", quantity: 6 }).catch((e: unknown) => e);
    expect(refused).toMatchObject({
      code: "PBR200",
      message: `tenant \`${id}\` may have at most 5 \`seats\` on plan \`priced\`: 6 cannot be recorded`,
      help: "the plan's `limits { seats = 5 }` caps it: refuse the seat beyond it, or move the tenant to a plan with more (`paybillc tenants change-plan`)",
    });
    const seats = (await t.runtime.usage.export({ period: month(), tenant: id })).find((r) => r.metric === "seats");
    expect(seats?.quantity).toBe(5);
    // A plan without a seat limit takes any number; a plan change applies the new plan's limit.
    await t.runtime.tenants.changePlan(id, "yearly");
    await t.runtime.usage.record({ tenant: id, metric: "seats", quantity: 500 });
    await t.runtime.tenants.changePlan(id, "priced");
    await expect(t.runtime.usage.record({ tenant: id, metric: "seats", quantity: 6 })).rejects.toMatchObject({ code: "PBR200" });
    // `plan_price` is the export's own line, not a gauge.
    await expect(t.runtime.usage.record({ tenant: id, metric: "plan_price", quantity: 1 })).rejects.toMatchObject({ code: "PBR146" });
  });

  it("exports each plan's price as a billable line: per month, per year, per week, custom", async () => {
    const now = new Date();
    const days = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 0)).getUTCDate();
    const yearly = await onboarded("yearly");
    const weekly = await onboarded("weekly");
    const contract = await onboarded("contract");
    const line = async (tenant: string, period = month()) => (await t.runtime.usage.export({ period, tenant })).find((r) => r.metric === "plan_price");
    expect(await line(yearly)).toEqual({ tenant: yearly, period: month(), metric: "plan_price", quantity: 1, plan: "yearly", unitPrice: 100, currency: "usd", amount: 100 });
    expect(await line(weekly)).toMatchObject({ quantity: 1, unitPrice: days, currency: "eur", amount: days });
    expect(await line(contract)).toEqual({ tenant: contract, period: month(), metric: "plan_price", quantity: 1, plan: "contract", unitPrice: "custom" });
    // A month before the tenant existed costs nothing.
    expect(await line(yearly, previousMonth())).toMatchObject({ quantity: 0, amount: 0 });
    // The line comes first, then the usage.
    expect((await t.runtime.usage.export({ period: month(), tenant: yearly })).map((r) => r.metric)).toEqual(["plan_price", "agent_actions", "seats"]);
    // A plan without a price (the store bundle's) has no line.
    expect((await t.runtime.usage.export({ period: month(), tenant: "acme" })).map((r) => r.metric)).toEqual(["agent_actions", "seats"]);
  });

  it("a month the trial covers is not billed; once the trial ended, the month is", async () => {
    const id = await onboarded("priced");
    const line = async () => (await t.runtime.usage.export({ period: month(), tenant: id })).find((r) => r.metric === "plan_price");
    expect(await line()).toMatchObject({ quantity: 0, unitPrice: 99, currency: "usd", amount: 0 });
    await t.runtime.billing.event({ id: freshId("evt"), type: "trial_ended", tenant: id, paid: true });
    expect(await line()).toMatchObject({ quantity: 1, unitPrice: 99, amount: 99 });
  });
});
