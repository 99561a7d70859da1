/**
 * One lifecycle transition, inside the caller's transaction, on a tenant row the caller
 * locked (`lockTenant`): the table (lifecycle.ts) is asked first and refuses with PBR140;
 * then the row is updated, a `paybill_tenant_transitions` row is inserted (seq = the
 * tenant's next) and an audit record is appended to the tenant's chain (agent
 * `paybill:control-plane`, action `tenant.<event>`, decision `allow`). The three writes
 * commit or roll back together, so every transition has exactly one row and one record.
 */
import { appendAudit } from "../audit/append.js";
import type { Sql } from "../store/adapter.js";
import { Params } from "../store/sql.js";
import { type LifecycleEvent, nextState, type TenantState } from "./lifecycle.js";
import { illegalTransition } from "./problems.js";
import { type Flow, TENANT_COLUMNS, type TenantRecord, tenantFromRow, transitionFromRow, TRANSITION_COLUMNS } from "./rows.js";
import type { Transition } from "./types.js";

/** The audit chain's agent for everything the control plane records. */
export const CONTROL_AGENT = "paybill:control-plane";

/** Columns a transition may set besides the state (null clears; absent keeps). */
export interface Change {
  readonly plan?: string;
  readonly pendingPlan?: string | null;
  readonly pastDueSince?: Date | null;
  readonly suspendAt?: Date | null;
  readonly suspendedFor?: "billing" | "operator" | null;
  readonly trialEndedAt?: Date;
  readonly flow?: Flow | null;
}

export interface Meta {
  readonly actor: string;
  readonly reason?: string;
  readonly now: Date;
  /** More for the audit record's input (a billing event's id, the plan asked for). */
  readonly detail?: Readonly<Record<string, unknown>>;
}

export interface Applied {
  readonly record: TenantRecord;
  readonly transition: Transition;
}

/** Whether the table allows `event` from the tenant's state (for callers that skip instead of refusing). */
export function allows(record: TenantRecord, event: LifecycleEvent): boolean {
  return nextState(record.tenant.state, event) !== undefined;
}

export async function applyTransition(tx: Sql, current: TenantRecord, event: LifecycleEvent, change: Change, meta: Meta): Promise<Applied> {
  const from = current.tenant.state;
  const to = nextState(from, event);
  if (to === undefined) throw illegalTransition(current.tenant.id, from, event);
  const params = new Params();
  const sets = [`state = ${params.add(to)}`, `updated_at = ${params.add(meta.now.toISOString())}`];
  const set = (column: string, value: unknown) => sets.push(`${column} = ${params.add(value)}`);
  if (change.plan !== undefined) set("plan", change.plan);
  if (change.pendingPlan !== undefined) set("pending_plan", change.pendingPlan);
  if (change.pastDueSince !== undefined) set("past_due_since", change.pastDueSince?.toISOString() ?? null);
  if (change.suspendAt !== undefined) set("suspend_at", change.suspendAt?.toISOString() ?? null);
  if (change.suspendedFor !== undefined) set("suspended_for", change.suspendedFor);
  if (change.trialEndedAt !== undefined) set("trial_ended_at", change.trialEndedAt.toISOString());
  if (change.flow !== undefined) set("provisioning", change.flow === null ? null : JSON.stringify(change.flow));
  const [row] = await tx.query(`update paybill_tenants set ${sets.join(", ")} where id = ${params.add(current.tenant.id)} returning ${TENANT_COLUMNS}`, params.values);
  if (row === undefined) throw new Error(`tenant \`${current.tenant.id}\` vanished while locked`);
  const record = tenantFromRow(row);
  const transition = await recordTransition(tx, record, event, from, meta);
  return { record, transition };
}

/** The transition row and its audit record, for the tenant as it now is (`from` undefined: just registered). */
export async function recordTransition(tx: Sql, record: TenantRecord, event: LifecycleEvent, from: TenantState | undefined, meta: Meta): Promise<Transition> {
  const { tenant } = record;
  const audit = await appendAudit(
    tx,
    {
      tenant: tenant.id,
      agent: CONTROL_AGENT,
      action: `tenant.${event}`,
      input: {
        ...(from === undefined ? {} : { from }),
        to: tenant.state,
        actor: meta.actor,
        plan: tenant.plan,
        ...(tenant.pendingPlan === undefined ? {} : { pendingPlan: tenant.pendingPlan }),
        ...(meta.reason === undefined ? {} : { reason: meta.reason }),
        ...meta.detail,
      },
      decision: "allow",
      reasons: [],
    },
    { time: meta.now },
  );
  const [row] = await tx.query(
    `insert into paybill_tenant_transitions (tenant_id, seq, event, from_state, to_state, reason, actor, at, plan, pending_plan, audit_id)
     select $1, coalesce(max(seq), 0) + 1, $2, $3, $4, $5, $6, $7, $8, $9, $10 from paybill_tenant_transitions where tenant_id = $1
     returning ${TRANSITION_COLUMNS}`,
    [tenant.id, event, from ?? null, tenant.state, meta.reason ?? null, meta.actor, meta.now.toISOString(), tenant.plan, tenant.pendingPlan ?? null, audit.id],
  );
  if (row === undefined) throw new Error("the transition insert returned no row");
  return transitionFromRow(row);
}

/** The seq the tenant's next transition will get (stable while the caller holds the tenant's lock): a flow is numbered by the transition that starts it. */
export async function nextSeq(tx: Sql, tenant: string): Promise<number> {
  const [row] = await tx.query<{ seq: unknown }>("select coalesce(max(seq), 0) + 1 as seq from paybill_tenant_transitions where tenant_id = $1", [tenant]);
  return Number(row?.seq ?? 1);
}
