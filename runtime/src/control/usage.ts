/**
 * Usage metering for a billing system, per tenant and UTC month (`2026-11`):
 *
 * - `agent_actions`: the agent actions allowed and performed in the month, counted from the
 *   tenant's audit chain (records by agents, decision `allow`; approvals and the control
 *   plane's own records are not actions). The chain is the evidence, so nothing else keeps
 *   a second count that could disagree with it.
 * - gauges the host records (`seats`, or any other lowercase name): `record` keeps, per
 *   month, the latest value (by its time) and the peak; the export gives the peak.
 *
 * `export` lists every tenant that is not offboarded, and any other that used something in
 * the month, with `agent_actions` and `seats` always (0 when nothing was recorded) and the
 * other gauges recorded in the month.
 */
import type { Sql } from "../store/adapter.js";
import { unknownTenant } from "../runs/runs.js";
import type { ControlContext } from "./context.js";
import { usageProblem } from "./problems.js";
import { CONTROL_AGENT } from "./transition.js";
import type { UsageRow } from "./types.js";

export const AGENT_ACTIONS = "agent_actions";
const METRIC = /^[a-z][a-z0-9_]{0,62}$/;
const PERIOD = /^(\d{4})-(0[1-9]|1[0-2])$/;

export interface UsageRecord {
  readonly tenant: string;
  readonly metric: string;
  readonly quantity: number;
  /** ISO 8601; the runtime's clock when absent. */
  readonly at?: string;
}

export async function recordUsage(ctx: ControlContext, usage: UsageRecord): Promise<void> {
  if (typeof usage.metric !== "string" || !METRIC.test(usage.metric) || usage.metric === AGENT_ACTIONS) {
    throw usageProblem(
      `\`${String(usage.metric)}\` cannot be recorded as a usage metric`,
      usage.metric === AGENT_ACTIONS ? "`agent_actions` is counted from the audit chain; record gauges such as `seats`" : "a metric is a lowercase name (`seats`)",
    );
  }
  if (typeof usage.quantity !== "number" || !Number.isFinite(usage.quantity) || usage.quantity < 0) {
    throw usageProblem(`usage \`${usage.metric}\` of tenant \`${usage.tenant}\` has quantity \`${String(usage.quantity)}\``, "a quantity is a finite number, 0 or more");
  }
  const at = usage.at === undefined ? ctx.clock() : new Date(usage.at);
  if (Number.isNaN(at.getTime())) throw usageProblem(`usage \`${usage.metric}\` has \`at\` = \`${String(usage.at)}\`, not a time`, "give an ISO 8601 time (`2026-11-30T10:00:00Z`)");
  await ctx.database.transaction(async (tx) => {
    const [tenant] = await tx.query("select id from paybill_tenants where id = $1", [usage.tenant]);
    if (tenant === undefined) throw unknownTenant(usage.tenant);
    await tx.query(
      `insert into paybill_usage as u (tenant_id, metric, period, quantity, peak, at) values ($1, $2, $3, $4, $4, $5)
       on conflict (tenant_id, metric, period) do update set
         quantity = case when excluded.at >= u.at then excluded.quantity else u.quantity end,
         peak = greatest(u.peak, excluded.peak),
         at = greatest(u.at, excluded.at)`,
      [usage.tenant, usage.metric, at.toISOString().slice(0, 7), usage.quantity, at.toISOString()],
    );
  });
}

export async function exportUsage(ctx: ControlContext, query: { period: string; tenant?: string }): Promise<UsageRow[]> {
  const match = typeof query.period === "string" ? PERIOD.exec(query.period) : null;
  if (match === null) throw usageProblem(`\`${String(query.period)}\` is not a billing period`, "a period is a UTC month: `2026-11`");
  const start = new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, 1));
  const end = new Date(Date.UTC(Number(match[1]), Number(match[2]), 1));
  return ctx.database.transaction(async (tx) => {
    await tx.query("set transaction isolation level repeatable read, read only");
    const tenants = await tx.query<{ id: unknown; plan: unknown; state: unknown }>(
      "select id, plan, state from paybill_tenants where $1::text is null or id = $1 order by id",
      [query.tenant ?? null],
    );
    if (query.tenant !== undefined && tenants.length === 0) throw unknownTenant(query.tenant);
    const actions = await countActions(tx, query.tenant, start, end);
    const gauges = await tx.query<{ tenant_id: unknown; metric: unknown; peak: unknown }>(
      "select tenant_id, metric, peak from paybill_usage where period = $1 and ($2::text is null or tenant_id = $2) order by tenant_id, metric",
      [query.period, query.tenant ?? null],
    );
    const rows: UsageRow[] = [];
    for (const tenant of tenants) {
      const id = String(tenant.id);
      const plan = String(tenant.plan);
      const mine = gauges.filter((g) => g.tenant_id === id);
      const quantities = new Map<string, number>([
        [AGENT_ACTIONS, actions.get(id) ?? 0],
        ["seats", 0],
        ...mine.map((g): [string, number] => [String(g.metric), Number(g.peak)]),
      ]);
      const used = [...quantities.values()].some((q) => q > 0);
      if (tenant.state === "offboarded" && !used) continue;
      for (const [metric, quantity] of [...quantities].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
        rows.push({ tenant: id, period: query.period, metric, quantity, plan });
      }
    }
    return rows;
  });
}

async function countActions(sql: Sql, tenant: string | undefined, start: Date, end: Date): Promise<Map<string, number>> {
  const rows = await sql.query<{ tenant_id: unknown; n: unknown }>(
    `select tenant_id, count(*) as n from paybill_audit
     where ($1::text is null or tenant_id = $1) and time >= $2 and time < $3
       and decision = 'allow' and agent <> $4 and action not like 'approval.%'
     group by tenant_id`,
    [tenant ?? null, start.toISOString(), end.toISOString(), CONTROL_AGENT],
  );
  return new Map(rows.map((r) => [String(r.tenant_id), Number(r.n)]));
}
