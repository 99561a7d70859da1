/**
 * Where a tenant lives, and the provisioning plans that put it there, move it or remove
 * it. Pure: the bundle's plans and the tenant's own region and cloud in, plans out.
 *
 * A placement is the plan's isolation model, the cloud (the tenant's own, else the plan's)
 * and the tenant's region: the stack a tenant's resources are in (spec/infrastructure.md
 * §2: one stack per cloud, model and region). Two plans with the same placement share the
 * stack, so a change between them needs no provisioning.
 */
import type { Bundle } from "../bundle/format.js";
import { planOf } from "./context.js";
import type { Placement, ProvisioningPlan, ProvisionStep } from "./types.js";

export function placementOf(bundle: Pick<Bundle, "plans">, plan: string, tenant: { readonly region?: string; readonly cloud?: string }): Placement {
  const spec = planOf(bundle, plan);
  const cloud = tenant.cloud ?? spec.isolation.cloud;
  return {
    plan,
    isolation: spec.isolation.model,
    ...(cloud === undefined ? {} : { cloud }),
    ...(tenant.region === undefined ? {} : { region: tenant.region }),
  };
}

/** Same stack: the same isolation model, cloud and region (the plan's name does not matter). */
export function samePlacement(a: Placement, b: Placement): boolean {
  return a.isolation === b.isolation && a.cloud === b.cloud && a.region === b.region;
}

export function onboardPlan(tenant: string, placement: Placement): ProvisioningPlan {
  return { tenant, reason: "onboard", steps: [{ kind: "provision", tenant, placement }] };
}

/** New stack first, then the data, then the old stack lets the tenant go: the tenant is never without a home. */
export function movePlan(tenant: string, from: Placement, to: Placement): ProvisioningPlan {
  return {
    tenant,
    reason: "plan_change",
    steps: [
      { kind: "provision", tenant, placement: to },
      { kind: "move_data", tenant, from, to },
      { kind: "retire", tenant, placement: from },
    ],
  };
}

/** Removes the tenant from every placement it may have resources in (none for a tenant never provisioned). */
export function offboardPlan(tenant: string, placements: readonly Placement[]): ProvisioningPlan {
  const steps: ProvisionStep[] = placements.map((placement) => ({ kind: "deprovision", tenant, placement }));
  return { tenant, reason: "offboard", steps };
}
