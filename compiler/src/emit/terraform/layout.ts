/**
 * Isolation → stacks (spec/infrastructure.md §2). A stack is one Terraform root module with
 * its own state; the layout decides which exist and what each holds, before any construct
 * is built:
 *
 * - an isolation model that shares some kind (pooled, bridge) gets one stack per cloud and
 *   region: its shared kinds once, its dedicated kinds once per tenant (`for_each` over the
 *   stack's tenants: the static ones merged with the `tenants` variable);
 * - a model that shares nothing (silo) gets a stack per static tenant, and one stack per
 *   cloud and region whose every resource is `for_each` over the `tenants` variable, for
 *   the tenants that onboard at run time (no recompile).
 *
 * Stack names are `<cloud>-<isolation>-<region>` and `<cloud>-<isolation>-tenant-<tenant>`:
 * declared names only, so adding a tenant never renames another's stack.
 */
import { compareStrings, unexpected } from "../bundle/values.js";
import { type CloudInfo, type Infra, type IsolationInfo, KINDS, type PlanInfo, SIZES, type Size, type TenantInfo } from "./infra.js";

export type StackMode = "shared" | "tenant" | "dynamic";

export interface StackSpec {
  readonly name: string;
  readonly cloud: CloudInfo;
  readonly region: string;
  readonly isolation: IsolationInfo;
  readonly mode: StackMode;
  /** The plans whose tenants this stack serves, sorted. */
  readonly plans: readonly PlanInfo[];
  /** Its static tenants, sorted by name (one for a `tenant` stack). */
  readonly tenants: readonly TenantInfo[];
  /** The size of what the stack shares: the largest of its plans'. */
  readonly size: Size;
}

export function isSilo(isolation: IsolationInfo): boolean {
  return KINDS.every((kind) => isolation.dedicated.has(kind));
}

export function layout(infra: Infra): StackSpec[] {
  const cells = new Map<string, { cloud: CloudInfo; region: string; isolation: IsolationInfo; plans: Map<string, PlanInfo>; tenants: TenantInfo[] }>();
  const cell = (cloud: CloudInfo, region: string, isolation: IsolationInfo) => {
    const name = `${cloud.name}-${isolation.name}-${region}`;
    let found = cells.get(name);
    if (found === undefined) {
      found = { cloud, region, isolation, plans: new Map(), tenants: [] };
      cells.set(name, found);
    }
    return found;
  };
  const cloudOf = (name: string): CloudInfo => {
    const found = infra.clouds.get(name);
    if (found === undefined) return unexpected(`the undeclared cloud \`${name}\``);
    return found;
  };
  // Every plan has a cell in its cloud's region, so its tenants can onboard at run time.
  for (const plan of infra.plans.values()) {
    const cloud = cloudOf(plan.cloud);
    cell(cloud, cloud.region, plan.isolation).plans.set(plan.name, plan);
  }
  const stacks: StackSpec[] = [];
  for (const tenant of infra.tenants) {
    const plan = infra.plans.get(tenant.plan);
    if (plan === undefined) continue;
    const cloud = cloudOf(tenant.cloud);
    if (isSilo(plan.isolation)) {
      stacks.push({ name: `${cloud.name}-${plan.isolation.name}-tenant-${tenant.name}`, cloud, region: tenant.region, isolation: plan.isolation, mode: "tenant", plans: [plan], tenants: [tenant], size: plan.size });
    } else {
      const c = cell(cloud, tenant.region, plan.isolation);
      c.plans.set(plan.name, plan);
      c.tenants.push(tenant);
    }
  }
  for (const [name, c] of cells) {
    const plans = [...c.plans.values()].sort((a, b) => compareStrings(a.name, b.name));
    const size = SIZES[Math.max(...plans.map((p) => SIZES.indexOf(p.size)))] ?? "medium";
    const tenants = [...c.tenants].sort((a, b) => compareStrings(a.name, b.name));
    stacks.push({ name, cloud: c.cloud, region: c.region, isolation: c.isolation, mode: isSilo(c.isolation) ? "dynamic" : "shared", plans, tenants, size });
  }
  return stacks.sort((a, b) => compareStrings(a.name, b.name));
}

/** Whether a stack has per-tenant resources, iterated over `local.tenants` (and so takes `var.tenants`). */
export function takesTenants(spec: StackSpec): boolean {
  return spec.mode === "dynamic" || (spec.mode === "shared" && spec.isolation.dedicated.size > 0);
}
