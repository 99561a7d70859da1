/**
 * paybill_tenants and paybill_tenant_transitions rows ↔ Tenant and Transition, and the
 * reads the control plane starts from: a tenant (locked `for update` inside a transition's
 * transaction), a filtered list, a tenant's history. Timestamps come back as ISO 8601 text
 * whichever driver read them.
 */
import type { Row, Sql } from "../store/adapter.js";
import { unknownTenant } from "../runs/runs.js";
import type { TenantState } from "./lifecycle.js";
import type { ProvisioningPlan, Tenant, Transition } from "./types.js";

/**
 * The tenant's infrastructure outputs: those of its latest `provision` step recorded ok with
 * outputs (the provisioner's, e.g. the Terraform stack's for this tenant), from
 * `paybill_provisioning_steps`; `tenantFromRow` drops them once the tenant is offboarded.
 */
const OUTPUTS_COLUMN =
  "(select s.outputs from paybill_provisioning_steps s where s.tenant_id = paybill_tenants.id and s.ok and s.kind = 'provision' and s.outputs is not null order by s.flow desc, s.attempt desc limit 1) as outputs";

export const TENANT_COLUMNS = `id, plan, state, region, cloud, pending_plan, past_due_since, suspend_at, suspended_for, trial_ends_at, trial_ended_at, static, provisioning, created_at, updated_at, ${OUTPUTS_COLUMN}`;

/** The provisioning plan a tenant is working through, and the flow number its steps are recorded under. */
export interface Flow {
  readonly flow: number;
  readonly plan: ProvisioningPlan;
  /** The attempt of the latest `provision` call (an earlier call still running stops at its next step). */
  readonly attempt?: number;
}

/** A tenant row as the control plane works with it: the tenant, and its current flow. */
export interface TenantRecord {
  readonly tenant: Tenant;
  readonly flow?: Flow;
}

export function iso(value: unknown): string {
  return value instanceof Date ? value.toISOString() : new Date(String(value)).toISOString();
}

function text(value: unknown): string | undefined {
  return value === null || value === undefined ? undefined : String(value);
}

export function tenantFromRow(row: Row): TenantRecord {
  // A state `put` wrote outside the table is shown as is; no event is legal from it.
  const state = String(row["state"]) as TenantState;
  const suspendedFor = text(row["suspended_for"]);
  const opt = (key: keyof Tenant, value: string | undefined) => (value === undefined ? {} : { [key]: value });
  const pastDue = row["past_due_since"];
  const suspendAt = row["suspend_at"];
  const time = (value: unknown) => (value === null || value === undefined ? undefined : iso(value));
  const tenant: Tenant = {
    id: String(row["id"]),
    plan: String(row["plan"]),
    state,
    ...opt("region", text(row["region"])),
    ...opt("cloud", text(row["cloud"])),
    ...opt("pendingPlan", text(row["pending_plan"])),
    ...opt("pastDueSince", pastDue === null || pastDue === undefined ? undefined : iso(pastDue)),
    ...opt("suspendAt", suspendAt === null || suspendAt === undefined ? undefined : iso(suspendAt)),
    ...(suspendedFor === "billing" || suspendedFor === "operator" ? { suspendedFor } : {}),
    ...opt("trialEndsAt", time(row["trial_ends_at"])),
    ...opt("trialEndedAt", time(row["trial_ended_at"])),
    static: row["static"] === true,
    ...outputsOf(state, row["outputs"]),
    createdAt: iso(row["created_at"]),
    updatedAt: iso(row["updated_at"]),
  };
  const flow = row["provisioning"];
  return flow === null || flow === undefined ? { tenant } : { tenant, flow: (typeof flow === "string" ? JSON.parse(flow) : flow) as Flow };
}

function outputsOf(state: TenantState, value: unknown): { outputs?: Readonly<Record<string, unknown>> } {
  if (value === null || value === undefined || state === "offboarded") return {};
  const parsed: unknown = typeof value === "string" ? JSON.parse(value) : value;
  return typeof parsed === "object" && parsed !== null && !Array.isArray(parsed) ? { outputs: parsed as Record<string, unknown> } : {};
}

export async function readTenant(sql: Sql, id: string, options: { lock?: boolean } = {}): Promise<TenantRecord | undefined> {
  const [row] = await sql.query(`select ${TENANT_COLUMNS} from paybill_tenants where id = $1${options.lock === true ? " for update" : ""}`, [id]);
  return row === undefined ? undefined : tenantFromRow(row);
}

/** The tenant, locked until the transaction ends; PBR110 when there is none. */
export async function lockTenant(tx: Sql, id: string): Promise<TenantRecord> {
  const record = await readTenant(tx, id, { lock: true });
  if (record === undefined) throw unknownTenant(id);
  return record;
}

export async function listTenants(sql: Sql, filter: { state?: TenantState; plan?: string } = {}): Promise<Tenant[]> {
  const rows = await sql.query(
    `select ${TENANT_COLUMNS} from paybill_tenants where ($1::text is null or state = $1) and ($2::text is null or plan = $2) order by id`,
    [filter.state ?? null, filter.plan ?? null],
  );
  return rows.map((row) => tenantFromRow(row).tenant);
}

export const TRANSITION_COLUMNS = "tenant_id, seq, event, from_state, to_state, reason, actor, at, plan, pending_plan";

export function transitionFromRow(row: Row): Transition {
  const from = text(row["from_state"]);
  const reason = text(row["reason"]);
  const pendingPlan = text(row["pending_plan"]);
  return {
    tenant: String(row["tenant_id"]),
    seq: Number(row["seq"]),
    event: String(row["event"]),
    ...(from === undefined ? {} : { from: from as TenantState }),
    to: String(row["to_state"]) as TenantState,
    ...(reason === undefined ? {} : { reason }),
    actor: String(row["actor"]),
    at: iso(row["at"]),
    plan: String(row["plan"]),
    ...(pendingPlan === undefined ? {} : { pendingPlan }),
  };
}

/** The tenant's transitions, the first first (none for a static tenant never changed); PBR110 for an unknown tenant. */
export async function tenantHistory(sql: Sql, id: string): Promise<Transition[]> {
  const rows = await sql.query(`select ${TRANSITION_COLUMNS} from paybill_tenant_transitions where tenant_id = $1 order by seq`, [id]);
  if (rows.length === 0 && (await sql.query("select 1 from paybill_tenants where id = $1", [id])).length === 0) throw unknownTenant(id);
  return rows.map(transitionFromRow);
}
