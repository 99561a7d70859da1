/**
 * Which run-time tenants a compiled stack holds, read from the registry: every tenant that
 * has, or is getting, resources on the stack (the Terraform provisioner's `placed`).
 */
import type { Bundle, ProvisionStep, Runtime, Tenant, TenantState } from "@paybill/runtime";
import { type Manifest, stackFor } from "./stacks.js";
import type { Placement, StackTenant } from "./types.js";

/** States in which a tenant has (or may have, part-way) resources on its stack. */
const PLACED: readonly TenantState[] = ["provisioning", "provisioning_failed", "active", "suspended", "offboarding"];

/** The steps still to do of every tenant whose provisioning failed. */
export async function unfinishedOf(runtime: Runtime, tenants: readonly Tenant[]): Promise<Map<string, readonly ProvisionStep[]>> {
  const out = new Map<string, readonly ProvisionStep[]>();
  for (const tenant of tenants) if (tenant.state === "provisioning_failed") out.set(tenant.id, (await runtime.tenants.plan(tenant.id))?.steps ?? []);
  return out;
}

/**
 * The run-time tenants the registry places on `stack` (a tenant moving between plans counts
 * on both stacks). A tenant whose provisioning failed is not placed where its `provision`
 * step is still to do (`unfinished`: its remaining steps): its failed onboarding, or the new
 * placement of a failed plan change, would otherwise fail every other tenant's apply on the
 * shared stack until it is fixed. Its own retry puts it back (the step's tenant is always in
 * its step's set); whatever its failed apply left there is removed by the next apply.
 */
export function placedOn(
  stack: string,
  tenants: readonly Tenant[],
  bundle: Bundle,
  manifest: Manifest,
  unfinished: ReadonlyMap<string, readonly ProvisionStep[]> = new Map(),
): Record<string, StackTenant> {
  const placed: Record<string, StackTenant> = {};
  for (const tenant of tenants) {
    if (tenant.static || !PLACED.includes(tenant.state)) continue;
    const notYet = new Set((unfinished.get(tenant.id) ?? []).flatMap((step) => (step.kind === "provision" ? [step.placement.plan] : [])));
    for (const plan of [tenant.plan, tenant.pendingPlan]) {
      if (plan === undefined || (tenant.state === "provisioning_failed" && notYet.has(plan))) continue;
      const placement = placementOf(bundle, plan, tenant);
      const found = placement === undefined ? undefined : stackFor(manifest, tenant.id, placement);
      if (found?.ok === true && found.name === stack) placed[tenant.id] = { plan };
    }
  }
  return placed;
}

function placementOf(bundle: Bundle, plan: string, tenant: Tenant): Placement | undefined {
  const spec = bundle.plans[plan];
  if (spec === undefined) return undefined;
  const cloud = tenant.cloud ?? spec.isolation.cloud;
  return { plan, isolation: spec.isolation.model, ...(cloud === undefined ? {} : { cloud }), ...(tenant.region === undefined ? {} : { region: tenant.region }) };
}
