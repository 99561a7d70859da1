/**
 * The tenant registry's lifecycle operations: onboard, suspend, resume, offboard, and the
 * reads (get, list, history, the provisioning plan still to do). Each change is one
 * transaction on the locked tenant row through transition.ts. Plan changes are
 * subscriptions.ts; running a provisioning plan is provision.ts; billing is billing.ts.
 */
import { unknownTenant } from "../runs/runs.js";
import type { Sql } from "../store/adapter.js";
import { type ControlContext, DEFAULT_ACTOR, planOf } from "./context.js";
import { offboardPlan, onboardPlan, placementOf } from "./placement.js";
import * as cloudNames from "./cloud-names.js";
import { badTenantId, cloudNamesTaken, illegalTransition, TENANT_ID, tenantExists } from "./problems.js";
import { lockTenant, readTenant, TENANT_COLUMNS, type TenantRecord, tenantFromRow } from "./rows.js";
import { type Applied, allows, applyTransition, type Meta, nextSeq, recordTransition } from "./transition.js";
import type { Placement, ProvisioningPlan, Tenant } from "./types.js";

const DAY_MS = 86_400_000;

export interface Onboard {
  readonly id: string;
  readonly plan: string;
  readonly region?: string;
  readonly cloud?: string;
  readonly actor?: string;
}

export async function onboard(ctx: ControlContext, request: Onboard): Promise<{ tenant: Tenant; plan: ProvisioningPlan }> {
  if (typeof request.id !== "string" || !TENANT_ID.test(request.id)) throw badTenantId(String(request.id));
  planOf(ctx.bundle, request.plan);
  const now = ctx.clock();
  const placement = placementOf(ctx.bundle, request.plan, request);
  const plan = onboardPlan(request.id, placement);
  // A plan with a `trial`: the tenant is trialing from onboarding for that long (billing.ts ends it).
  const trialDays = planOf(ctx.bundle, request.plan).trialDays ?? 0;
  const trialEndsAt = trialDays > 0 ? new Date(now.getTime() + trialDays * DAY_MS).toISOString() : null;
  return ctx.database.transaction(async (tx) => {
    await refuseSharedNames(tx, request.id);
    const [row] = await tx.query(
      `insert into paybill_tenants (id, plan, state, region, cloud, static, provisioning, created_at, updated_at, trial_ends_at)
       values ($1, $2, 'pending', $3, $4, false, $5, $6, $6, $7) on conflict (id) do nothing returning ${TENANT_COLUMNS}`,
      [request.id, request.plan, request.region ?? null, request.cloud ?? null, JSON.stringify({ flow: 1, plan }), now.toISOString(), trialEndsAt],
    );
    if (row === undefined) throw tenantExists(request.id);
    const record = tenantFromRow(row);
    await recordTransition(tx, record, "onboard", undefined, { actor: request.actor ?? DEFAULT_ACTOR, now, ...(trialEndsAt === null ? {} : { detail: { trialEndsAt } }) });
    return { tenant: record.tenant, plan };
  });
}

/**
 * PBR148 when another registered tenant's cloud resource names are the new one's. An id kept
 * as its own owner name is apart from every other owner by construction (an owner that is
 * not an id ends in 8 hex digits, which a kept id never does); only a hashed owner can meet
 * another, so only then are the registered ids read, before anything is written.
 */
async function refuseSharedNames(tx: Sql, id: string): Promise<void> {
  if (cloudNames.keepsTenantId(id)) return;
  const owner = cloudNames.tenantOwner(id);
  // Two onboardings of ids with the same owner at once: the second waits here, then sees the first's row.
  await tx.query("select pg_advisory_xact_lock(hashtext(current_schema() || $1))", [`.paybill_cloud_names ${owner}`]);
  const rows = await tx.query<{ id: unknown }>("select id from paybill_tenants where id <> $1", [id]);
  for (const row of rows) if (cloudNames.tenantOwner(String(row.id)) === owner) throw cloudNamesTaken(id, String(row.id), owner);
}

export async function suspend(ctx: ControlContext, id: string, options: { reason?: string; actor?: string } = {}): Promise<Tenant> {
  return change(ctx, id, async (tx, current, meta) => (await applyTransition(tx, current, "suspend", { suspendedFor: "operator" }, meta)).record.tenant, options);
}

export async function resume(ctx: ControlContext, id: string, options: { actor?: string } = {}): Promise<Tenant> {
  return change(ctx, id, async (tx, current, meta) => (await applyTransition(tx, current, "resume", { suspendedFor: null }, meta)).record.tenant, options);
}

export async function offboard(ctx: ControlContext, id: string, options: { reason?: string; actor?: string } = {}): Promise<Tenant> {
  return change(ctx, id, async (tx, current, meta) => (await offboardIn(tx, ctx, current, meta)).at(-1)?.record.tenant ?? current.tenant, options);
}

/**
 * Offboards a locked tenant: to `offboarding` with the plan that removes it from its
 * placements (the old and the new one while a plan change was under way); a tenant never
 * provisioned (`pending`) has nothing to remove and goes on to `offboarded` at once.
 */
export async function offboardIn(tx: Sql, ctx: ControlContext, current: TenantRecord, meta: Meta): Promise<Applied[]> {
  const { tenant } = current;
  if (!allows(current, "offboard")) throw illegalTransition(tenant.id, tenant.state, "offboard");
  const placements: Placement[] = tenant.state === "pending" ? [] : [placementOf(ctx.bundle, tenant.plan, tenant)];
  if (tenant.pendingPlan !== undefined && ctx.bundle.plans[tenant.pendingPlan] !== undefined) placements.unshift(placementOf(ctx.bundle, tenant.pendingPlan, tenant));
  const flow = { flow: await nextSeq(tx, tenant.id), plan: offboardPlan(tenant.id, placements) };
  const first = await applyTransition(tx, current, "offboard", { flow, pendingPlan: null, suspendedFor: null }, meta);
  if (placements.length > 0) return [first];
  const done = await applyTransition(tx, first.record, "offboarded", { flow: null }, { ...meta, reason: "nothing was provisioned" });
  return [first, done];
}

/** The steps of the tenant's provisioning plan not yet done (undefined when none is under way); PBR110 for an unknown tenant. */
export async function remainingPlan(sql: Sql, id: string): Promise<ProvisioningPlan | undefined> {
  const record = await readTenant(sql, id);
  if (record === undefined) throw unknownTenant(id);
  if (record.flow === undefined) return undefined;
  const done = await finishedSteps(sql, id, record.flow.flow);
  const { plan } = record.flow;
  return { ...plan, steps: plan.steps.filter((_step, index) => !done.has(index)) };
}

/** The steps of a flow recorded ok, by index, with their outcome. */
export async function finishedSteps(sql: Sql, tenant: string, flow: number): Promise<Map<number, { detail: string; outputs?: Record<string, unknown> }>> {
  const rows = await sql.query<{ step_index: unknown; detail: unknown; outputs: unknown }>(
    "select distinct on (step_index) step_index, detail, outputs from paybill_provisioning_steps where tenant_id = $1 and flow = $2 and ok order by step_index, attempt",
    [tenant, flow],
  );
  return new Map(
    rows.map((row) => [
      Number(row.step_index),
      { detail: String(row.detail), ...(row.outputs === null || row.outputs === undefined ? {} : { outputs: row.outputs as Record<string, unknown> }) },
    ]),
  );
}

/** One transaction on the locked tenant: `body` applies the transitions. */
export async function change<T>(
  ctx: ControlContext,
  id: string,
  body: (tx: Sql, current: TenantRecord, meta: Meta) => Promise<T>,
  options: { reason?: string; actor?: string } = {},
): Promise<T> {
  const now = ctx.clock();
  return ctx.database.transaction(async (tx) => {
    const current = await lockTenant(tx, id);
    return body(tx, current, { actor: options.actor ?? DEFAULT_ACTOR, now, ...(options.reason === undefined ? {} : { reason: options.reason }) });
  });
}

