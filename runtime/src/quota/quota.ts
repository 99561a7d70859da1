/**
 * Plan quotas counted in the database: `agent_actions = 1000 per day` lets a tenant's
 * agents perform 1000 actions per UTC day. `consume` takes one unit inside the act's
 * transaction with a conditional upsert that locks the counter row, so concurrent
 * actions cannot overspend, and a rolled-back action gives its unit back.
 */
import type { Bundle, Quantity } from "../bundle/format.js";
import type { Sql } from "../store/adapter.js";
import type { Params } from "../store/sql.js";
import { periodKey } from "./period.js";

/** The plan limit every performed action counts against. */
export const ACTION_QUOTA = "agent_actions";

export type QuotaCheck = { readonly ok: true; readonly used?: number } | { readonly ok: false; readonly message: string };

/** The tenant's plan's limit on `quota`, if it has one. */
export function planLimit(bundle: Pick<Bundle, "plans">, plan: string, quota: string): Quantity | undefined {
  return bundle.plans[plan]?.limits[quota];
}

/** Takes one unit, or says why it cannot. Call inside the transaction that performs the action. */
export async function consumeQuota(tx: Sql, tenant: string, quota: string, limit: Quantity, time: Date): Promise<QuotaCheck> {
  const period = periodKey(limit.per, time);
  if (period === undefined) return unknownPeriod(quota, limit);
  if (limit.amount < 1) return exhausted(quota, limit, period);
  const [row] = await tx.query<{ used: unknown }>(
    `insert into paybill_quota_counters as c (tenant_id, quota, period, used) values ($1, $2, $3, 1)
     on conflict (tenant_id, quota, period) do update set used = c.used + 1 where c.used < $4
     returning used`,
    [tenant, quota, period, limit.amount],
  );
  return row === undefined ? exhausted(quota, limit, period) : { ok: true, used: Number(row.used) };
}

/**
 * `consumeQuota` as a data-modifying statement for a `with` clause (act.ts runs it in the
 * statement that performs the effect and appends the record): it returns one row (`used`)
 * when the unit was taken, none when the quota is used up. A check that needs no database
 * (unknown period, a limit below one) gives its refusal instead.
 */
export function quotaCte(params: Params, tenant: string, quota: string, limit: Quantity, time: Date): { readonly sql: string } | QuotaCheck {
  const period = periodKey(limit.per, time);
  if (period === undefined) return unknownPeriod(quota, limit);
  if (limit.amount < 1) return exhausted(quota, limit, period);
  return {
    sql: `insert into paybill_quota_counters as c (tenant_id, quota, period, used) values (${params.add(tenant)}, ${params.add(quota)}, ${params.add(period)}, 1)
     on conflict (tenant_id, quota, period) do update set used = c.used + 1 where c.used < ${params.add(limit.amount)}
     returning used`,
  };
}

/** Why `consumeQuota` refuses when the quota is used up (for a caller that took it with `quotaCte`). */
export function quotaExhausted(quota: string, limit: Quantity, time: Date): string {
  return exhaustedMessage(quota, limit, periodKey(limit.per, time) ?? "all");
}

/** Whether one more unit would fit, without taking it (for decide). */
export async function checkQuota(sql: Sql, tenant: string, quota: string, limit: Quantity, time: Date): Promise<QuotaCheck> {
  const period = periodKey(limit.per, time);
  if (period === undefined) return unknownPeriod(quota, limit);
  const [row] = await sql.query<{ used: unknown }>(
    "select used from paybill_quota_counters where tenant_id = $1 and quota = $2 and period = $3",
    [tenant, quota, period],
  );
  const used = row === undefined ? 0 : Number(row.used);
  return used < limit.amount ? { ok: true, used } : exhausted(quota, limit, period);
}

/** How much of `quota` the tenant used in the period `time` falls in. */
export async function quotaUsed(sql: Sql, tenant: string, quota: string, limit: Quantity, time: Date): Promise<number> {
  const period = periodKey(limit.per, time) ?? "all";
  const [row] = await sql.query<{ used: unknown }>(
    "select used from paybill_quota_counters where tenant_id = $1 and quota = $2 and period = $3",
    [tenant, quota, period],
  );
  return row === undefined ? 0 : Number(row.used);
}

function describe(limit: Quantity): string {
  return limit.per === undefined ? `${limit.amount}` : `${limit.amount} per ${limit.per}`;
}

function exhausted(quota: string, limit: Quantity, period: string): QuotaCheck {
  return { ok: false, message: exhaustedMessage(quota, limit, period) };
}

function exhaustedMessage(quota: string, limit: Quantity, period: string): string {
  return `the tenant's quota \`${quota} = ${describe(limit)}\` is used up for \`${period}\``;
}

function unknownPeriod(quota: string, limit: Quantity): QuotaCheck {
  return { ok: false, message: `the quota \`${quota} = ${describe(limit)}\` has a period the runtime does not know` };
}
