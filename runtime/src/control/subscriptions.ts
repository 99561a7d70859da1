/**
 * Plan changes (upgrade, downgrade). Entitlements and quotas are read from the tenant's
 * plan at every decision, so a change within the same placement applies at once
 * (`plan_changed`, the state kept). A change that moves the tenant to another placement
 * (isolation model, cloud or region) does not switch silently: the tenant goes
 * `active → provisioning` (`migrate`) with `pendingPlan` set and a provisioning plan
 * (new stack, data move, old stack retired); only `provisioned` makes it the plan.
 * A tenant not yet provisioned (`pending`) just gets a new onboarding plan.
 */
import { type ControlContext, DEFAULT_ACTOR, planOf } from "./context.js";
import { movePlan, onboardPlan, placementOf, samePlacement } from "./placement.js";
import { staticPlan } from "./problems.js";
import { lockTenant } from "./rows.js";
import { applyTransition, nextSeq } from "./transition.js";
import type { ProvisioningPlan, Tenant } from "./types.js";

export async function changePlan(ctx: ControlContext, id: string, plan: string, options: { actor?: string } = {}): Promise<{ tenant: Tenant; plan?: ProvisioningPlan }> {
  planOf(ctx.bundle, plan);
  const now = ctx.clock();
  return ctx.database.transaction(async (tx) => {
    const current = await lockTenant(tx, id);
    const { tenant } = current;
    if (tenant.static) throw staticPlan(id);
    // Asking again for the plan the tenant has (and is not moving away from) changes nothing.
    if (tenant.plan === plan && tenant.pendingPlan === undefined) return { tenant };
    const meta = { actor: options.actor ?? DEFAULT_ACTOR, now, detail: { requested: plan, previous: tenant.plan } };
    const from = placementOf(ctx.bundle, tenant.plan, tenant);
    const to = placementOf(ctx.bundle, plan, tenant);
    if (tenant.state === "pending") {
      // Nothing provisioned yet: the onboarding plan follows the new placement.
      const flow = { flow: await nextSeq(tx, id), plan: onboardPlan(id, to) };
      const applied = await applyTransition(tx, current, "plan_changed", { plan, flow }, meta);
      return { tenant: applied.record.tenant, ...(samePlacement(from, to) ? {} : { plan: flow.plan }) };
    }
    if (samePlacement(from, to)) {
      const applied = await applyTransition(tx, current, "plan_changed", { plan }, meta);
      return { tenant: applied.record.tenant };
    }
    const flow = { flow: await nextSeq(tx, id), plan: movePlan(id, from, to) };
    const applied = await applyTransition(tx, current, "migrate", { pendingPlan: plan, flow }, { ...meta, reason: `placement moves from ${describe(from)} to ${describe(to)}` });
    return { tenant: applied.record.tenant, plan: flow.plan };
  });
}

function describe(placement: { isolation: string; cloud?: string; region?: string }): string {
  return [placement.isolation, placement.cloud, placement.region].filter((p) => p !== undefined).join("/");
}
