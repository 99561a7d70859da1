/**
 * Billing events drive the lifecycle, once per event id. The event row (`paybill_billing_events`,
 * keyed by the billing system's id, with the SHA-256 of its canonical body) is written in
 * the transaction that applies it, so a replay finds it and changes nothing (`duplicate`),
 * and the same id with another body is refused (PBR144) rather than half-believed.
 *
 * - `payment_failed` (and `trial_ended` with `paid: false`): the tenant is past due from the
 *   event's time; it is suspended (for billing) when its plan's grace days have passed —
 *   at once with no grace, else by `sweep` at or after `suspendAt`. A tenant already past
 *   due keeps its first date (a second failure does not extend the grace).
 * - `payment_succeeded`: the past due standing is cleared, and a tenant suspended for
 *   billing resumes (one suspended by an operator stays suspended).
 * - `subscription_canceled`: the tenant is offboarded (tenants.ts `offboardIn`).
 * - `trial_ended` with `paid` true or absent: recorded, nothing else.
 *
 * Trials: a tenant onboarded on a plan with a `trial` is trialing until `trialEndsAt`. Its
 * trial ends once, with a `trial_ended` transition: converted, by a `trial_ended` event
 * with `paid` true or absent or by a `payment_succeeded` while trialing; unpaid, by a
 * `trial_ended` event with `paid: false`, or by `sweep` at or after `trialEndsAt` when no
 * event ended it first — then the tenant is past due from `trialEndsAt` (as a failed
 * payment at that time), and suspended when its grace has passed too.
 *
 * An event the tenant's state gives nothing to do (a payment for an offboarded tenant, a
 * cancellation while it is provisioning) is recorded, not applied (`applied: false`).
 */
import { canonicalJson, sha256Hex } from "../bundle/canonical.js";
import type { Sql } from "../store/adapter.js";
import { type ControlContext, planOf } from "./context.js";
import { billingProblem } from "./problems.js";
import { lockTenant, type TenantRecord, TRANSITION_COLUMNS, transitionFromRow } from "./rows.js";
import { offboardIn } from "./tenants.js";
import { allows, type Applied, applyTransition, type Meta } from "./transition.js";
import { BILLING_EVENT_TYPES, type BillingEvent, type BillingResult, type Transition } from "./types.js";

const DAY_MS = 86_400_000;
/** Who billing transitions are recorded as. */
export const BILLING_ACTOR = "billing";

export async function billingEvent(ctx: ControlContext, event: BillingEvent): Promise<BillingResult> {
  const checked = check(event);
  const at = checked.at ?? ctx.clock();
  const hash = sha256Hex(canonicalJson({ type: event.type, tenant: event.tenant, at: event.at ?? null, paid: event.paid ?? null }));
  return ctx.database.transaction(async (tx) => {
    let current = await lockTenant(tx, event.tenant);
    const [seen] = await tx.query<{ body_hash: unknown; transitions: unknown }>("select body_hash, transitions from paybill_billing_events where id = $1", [event.id]);
    if (seen !== undefined) {
      if (seen.body_hash !== hash) throw otherBody(event.id);
      const seqs = Array.isArray(seen.transitions) ? seen.transitions.map(Number) : [];
      const transitions = await transitionsBySeq(tx, event.tenant, seqs);
      return { applied: false, duplicate: true, tenant: current.tenant, transitions };
    }
    const now = ctx.clock();
    const meta: Meta = { actor: BILLING_ACTOR, now, reason: `billing event \`${event.type}\``, detail: { billingEvent: event.id } };
    const applied: Applied[] = [];
    const step = async (run: () => Promise<Applied | Applied[]>) => {
      const result = await run();
      for (const a of Array.isArray(result) ? result : [result]) {
        applied.push(a);
        current = a.record;
      }
    };
    const unpaid = event.type === "payment_failed" || (event.type === "trial_ended" && event.paid === false);
    const converted = (event.type === "trial_ended" && event.paid !== false) || event.type === "payment_succeeded";
    if ((event.type === "trial_ended" || converted) && trialing(current) && allows(current, "trial_ended")) {
      await step(() => applyTransition(tx, current, "trial_ended", { trialEndedAt: at }, { ...meta, detail: { ...meta.detail, paid: !unpaid } }));
    }
    if (unpaid) await step(() => unpaidFrom(tx, ctx, current, at, now, meta));
    if (event.type === "payment_succeeded") {
      if (current.tenant.pastDueSince !== undefined && allows(current, "paid")) {
        await step(() => applyTransition(tx, current, "paid", { pastDueSince: null, suspendAt: null }, meta));
      }
      if (current.tenant.state === "suspended" && current.tenant.suspendedFor === "billing") {
        await step(() => applyTransition(tx, current, "resume", { suspendedFor: null }, meta));
      }
    }
    if (event.type === "subscription_canceled" && allows(current, "offboard")) await step(() => offboardIn(tx, ctx, current, meta));
    const transitions = applied.map((a) => a.transition);
    const [row] = await tx.query(
      `insert into paybill_billing_events (id, tenant_id, type, at, body_hash, received_at, applied, transitions)
       values ($1, $2, $3, $4, $5, $6, $7, $8) on conflict (id) do nothing returning id`,
      [event.id, event.tenant, event.type, at.toISOString(), hash, now.toISOString(), transitions.length > 0, transitions.map((t) => t.seq)],
    );
    // Recorded meanwhile for another tenant (this tenant's lock does not cover it): refused, and everything above rolls back.
    if (row === undefined) throw otherBody(event.id);
    return { applied: transitions.length > 0, duplicate: false, tenant: current.tenant, transitions };
  });
}

/**
 * Ends, unpaid, every trial that ran out at or before `now` with no event ending it first,
 * and suspends, for billing, every active tenant whose grace ended at or before `now`;
 * each tenant in its own transaction.
 */
export async function sweep(ctx: ControlContext, now: Date = ctx.clock()): Promise<Transition[]> {
  const due = await ctx.database.query<{ id: unknown }>(
    `select id from paybill_tenants
     where (state = 'active' and suspend_at <= $1)
        or (trial_ends_at <= $1 and trial_ended_at is null and state in ('pending', 'provisioning', 'provisioning_failed', 'active', 'suspended'))
     order by id`,
    [now.toISOString()],
  );
  const transitions: Transition[] = [];
  for (const { id } of due) {
    const done = await ctx.database.transaction(async (tx) => {
      let current = await lockTenant(tx, String(id));
      const applied: Applied[] = [];
      const meta: Meta = { actor: BILLING_ACTOR, now: ctx.clock() };
      const { trialEndsAt } = current.tenant;
      if (trialing(current) && trialEndsAt !== undefined && Date.parse(trialEndsAt) <= now.getTime() && allows(current, "trial_ended")) {
        const end = new Date(trialEndsAt);
        const reason = `the trial of plan \`${current.tenant.plan}\` ended at ${trialEndsAt} with no payment`;
        applied.push(await applyTransition(tx, current, "trial_ended", { trialEndedAt: end }, { ...meta, reason, detail: { paid: false } }));
        current = applied[applied.length - 1]?.record ?? current;
        for (const a of await unpaidFrom(tx, ctx, current, end, now, { ...meta, reason })) {
          applied.push(a);
          current = a.record;
        }
      } else {
        const reason = dueSuspension(current, now);
        if (reason !== undefined) applied.push(await applyTransition(tx, current, "suspend", { suspendedFor: "billing" }, { ...meta, reason }));
      }
      return applied;
    });
    transitions.push(...done.map((a) => a.transition));
  }
  return transitions;
}

/** Whether the tenant is in the trial it was onboarded with. */
function trialing(current: TenantRecord): boolean {
  return current.tenant.trialEndsAt !== undefined && current.tenant.trialEndedAt === undefined;
}

/**
 * An unpaid bill at `at` (a failed payment, a trial that ended unpaid): past due from `at`
 * unless already, and suspended for billing when the plan's grace has passed by `now`.
 */
async function unpaidFrom(tx: Sql, ctx: ControlContext, record: TenantRecord, at: Date, now: Date, meta: Meta): Promise<Applied[]> {
  const applied: Applied[] = [];
  let current = record;
  if (current.tenant.pastDueSince === undefined && allows(current, "past_due")) {
    const grace = planOf(ctx.bundle, current.tenant.plan).graceDays ?? 0;
    const done = await applyTransition(tx, current, "past_due", { pastDueSince: at, suspendAt: new Date(at.getTime() + grace * DAY_MS) }, { ...meta, detail: { ...meta.detail, graceDays: grace } });
    applied.push(done);
    current = done.record;
  }
  const due = dueSuspension(current, now);
  if (due !== undefined) applied.push(await applyTransition(tx, current, "suspend", { suspendedFor: "billing" }, { ...meta, reason: due }));
  return applied;
}

/** Why the tenant must be suspended for billing now, or undefined. */
function dueSuspension(current: TenantRecord, now: Date): string | undefined {
  const { suspendAt, pastDueSince, state } = current.tenant;
  if (state !== "active" || suspendAt === undefined || Date.parse(suspendAt) > now.getTime()) return undefined;
  return `past due since ${pastDueSince ?? suspendAt}; the grace period ended at ${suspendAt}`;
}

function check(event: BillingEvent): { at?: Date } {
  if (typeof event.id !== "string" || event.id === "") throw billingProblem("a billing event needs an `id`", "pass the billing system's event id, so that a replay is recognised");
  if (!BILLING_EVENT_TYPES.includes(event.type)) {
    throw billingProblem(`\`${String(event.type)}\` is not a billing event type`, `billing event types: ${BILLING_EVENT_TYPES.map((t) => `\`${t}\``).join(", ")}`);
  }
  if (event.paid !== undefined && typeof event.paid !== "boolean") throw billingProblem("`paid` must be true or false", "pass `paid: false` for a trial that ended unpaid");
  if (event.at === undefined) return {};
  const at = new Date(event.at);
  if (typeof event.at !== "string" || Number.isNaN(at.getTime())) {
    throw billingProblem(`billing event \`${event.id}\` has \`at\` = \`${String(event.at)}\`, not a time`, "give an ISO 8601 time with a zone (`2026-11-30T10:00:00Z`), or leave it out for now");
  }
  return { at };
}

function otherBody(id: string): Error {
  return billingProblem(
    `billing event \`${id}\` was already recorded with another body`,
    "an event id must always carry the same type, tenant, time and `paid`; send a new id for a new event",
  );
}

async function transitionsBySeq(sql: Sql, tenant: string, seqs: readonly number[]): Promise<Transition[]> {
  if (seqs.length === 0) return [];
  const rows = await sql.query(`select ${TRANSITION_COLUMNS} from paybill_tenant_transitions where tenant_id = $1 and seq = any($2::int[]) order by seq`, [tenant, seqs]);
  return rows.map(transitionFromRow);
}
