/**
 * Usage metering for a billing system, per tenant and UTC month (`2026-11`):
 *
 * - `agent_actions`: the agent actions allowed and performed in the month, counted from the
 *   tenant's audit chain (records by agents, decision `allow`; approvals, workflow moves and
 *   the records of the runtime's own names — `paybill:control-plane`, `paybill:host` (a run's
 *   start, a host's report or observation), `paybill:runtime` — are not actions). The chain is the evidence, so nothing else keeps a second count
 *   that could disagree with it.
 * - gauges the host records (`seats`, or any other lowercase name): `record` keeps, per
 *   month, the latest value (by its time) and the peak; the export gives the peak. A gauge
 *   named like a limit of the tenant's plan without `per` (`limits { seats = 50 }`) is
 *   refused above it (PBR200): recording is where seats are taken, so the host asks here
 *   before it adds a seat.
 *
 * `export` lists every tenant that is not offboarded, and any other that used something in
 * the month, with `agent_actions` and `seats` always (0 when nothing was recorded) and the
 * other gauges recorded in the month; first, when the plan has a `price`, its billable
 * line `plan_price` (monthlyPrice below): quantity 1 — the whole month, not prorated — or
 * 0 when the tenant was registered after the month or its trial lasted the whole month.
 */
import type { Sql } from "../store/adapter.js";
import { RUNTIME_AGENT } from "../runs/expiry.js";
import { HOST_AGENT, unknownTenant } from "../runs/runs.js";
import type { ControlContext } from "./context.js";
import { overLimit, usageProblem } from "./problems.js";
import type { UsageRow } from "./types.js";
import { CONTROL_AGENT } from "./transition.js";

export const AGENT_ACTIONS = "agent_actions";
/** The billable line of a plan's price in the export (not a gauge). */
export const PLAN_PRICE = "plan_price";
/** The names the runtime records under itself: never an agent's action. */
const RUNTIME_NAMES = [CONTROL_AGENT, HOST_AGENT, RUNTIME_AGENT];
const MONTH_OF_DAYS: Readonly<Record<string, number>> = { second: 1 / 86_400, minute: 1 / 1_440, hour: 1 / 24, day: 1, week: 7 };
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
  if (typeof usage.metric !== "string" || !METRIC.test(usage.metric) || usage.metric === AGENT_ACTIONS || usage.metric === PLAN_PRICE) {
    throw usageProblem(
      `\`${String(usage.metric)}\` cannot be recorded as a usage metric`,
      usage.metric === AGENT_ACTIONS
        ? "`agent_actions` is counted from the audit chain; record gauges such as `seats`"
        : usage.metric === PLAN_PRICE
          ? "`plan_price` is the export's line for the plan's price; record gauges such as `seats`"
          : "a metric is a lowercase name (`seats`)",
    );
  }
  if (typeof usage.quantity !== "number" || !Number.isFinite(usage.quantity) || usage.quantity < 0) {
    throw usageProblem(`usage \`${usage.metric}\` of tenant \`${usage.tenant}\` has quantity \`${String(usage.quantity)}\``, "a quantity is a finite number, 0 or more");
  }
  const at = usage.at === undefined ? ctx.clock() : new Date(usage.at);
  if (Number.isNaN(at.getTime())) throw usageProblem(`usage \`${usage.metric}\` has \`at\` = \`${String(usage.at)}\`, not a time`, "give an ISO 8601 time (`2026-11-30T10:00:00Z`)");
  await ctx.database.transaction(async (tx) => {
    const [tenant] = await tx.query<{ plan: unknown }>("select plan from paybill_tenants where id = $1", [usage.tenant]);
    if (tenant === undefined) throw unknownTenant(usage.tenant);
    const plan = String(tenant.plan);
    const limit = ctx.bundle.plans[plan]?.limits[usage.metric];
    if (limit !== undefined && limit.per === undefined && usage.quantity > limit.amount) throw overLimit(usage.tenant, plan, usage.metric, limit.amount, usage.quantity);
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

/** The first instant of billing period `period` (a UTC month, `2026-11`) and of the next one; PBR146 for anything else (needs no database: a CLI checks it first). */
export function billingPeriod(period: unknown): { readonly start: Date; readonly end: Date } {
  const match = typeof period === "string" ? PERIOD.exec(period) : null;
  if (match === null) throw usageProblem(`\`${String(period)}\` is not a billing period`, "a period is a UTC month: `2026-11`");
  return { start: new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, 1)), end: new Date(Date.UTC(Number(match[1]), Number(match[2]), 1)) };
}

export async function exportUsage(ctx: ControlContext, query: { period: string; tenant?: string }): Promise<UsageRow[]> {
  const { start, end } = billingPeriod(query.period);
  return ctx.database.transaction(async (tx) => {
    await tx.query("set transaction isolation level repeatable read, read only");
    const tenants = await tx.query<{ id: unknown; plan: unknown; state: unknown; created_at: unknown; trial_ends_at: unknown; trial_ended_at: unknown }>(
      "select id, plan, state, created_at, trial_ends_at, trial_ended_at from paybill_tenants where $1::text is null or id = $1 order by id",
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
      const price = planPriceLine(ctx, tenant, start, end);
      if (price !== undefined) rows.push({ tenant: id, period: query.period, metric: PLAN_PRICE, plan, ...price });
      for (const [metric, quantity] of [...quantities].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
        rows.push({ tenant: id, period: query.period, metric, quantity, plan });
      }
    }
    return rows;
  });
}

/**
 * The plan's price for one month: `per month` (or no period) as is, `per year` a twelfth,
 * `per week`/`day`/`hour`/… times the month's length in those; `0` is 0; `custom` has no
 * amount. Quantity 1, or 0 when the tenant was registered at or after the month's end or
 * was trialing to its end (a trial that ended, converted or not, before the month's end
 * does not count). Undefined for a plan without a price or not in the bundle.
 */
function planPriceLine(
  ctx: ControlContext,
  tenant: { plan: unknown; created_at: unknown; trial_ends_at: unknown; trial_ended_at: unknown },
  start: Date,
  end: Date,
): Pick<UsageRow, "quantity" | "unitPrice" | "currency" | "amount"> | undefined {
  const price = ctx.bundle.plans[String(tenant.plan)]?.price;
  if (price === undefined) return undefined;
  const time = (value: unknown) => (value === null || value === undefined ? undefined : new Date(value instanceof Date ? value : String(value)).getTime());
  const created = time(tenant.created_at) ?? 0;
  const trialEnds = time(tenant.trial_ends_at);
  const trialEnded = time(tenant.trial_ended_at);
  const trialing = trialEnds !== undefined && trialEnds >= end.getTime() && (trialEnded === undefined || trialEnded >= end.getTime());
  const quantity = created >= end.getTime() || trialing ? 0 : 1;
  if (price === "custom") return { quantity, unitPrice: "custom" };
  const days = (end.getTime() - start.getTime()) / 86_400_000;
  const per = price.per ?? "month";
  const unitPrice = per === "month" ? price.amount : per === "year" ? price.amount / 12 : price.amount * (days / (MONTH_OF_DAYS[per] ?? days));
  const cents = (n: number) => Math.round(n * 100) / 100;
  return { quantity, unitPrice: cents(unitPrice), ...(price.unit === undefined ? {} : { currency: price.unit }), amount: cents(quantity * unitPrice) };
}

async function countActions(sql: Sql, tenant: string | undefined, start: Date, end: Date): Promise<Map<string, number>> {
  const rows = await sql.query<{ tenant_id: unknown; n: unknown }>(
    `select tenant_id, count(*) as n from paybill_audit
     where ($1::text is null or tenant_id = $1) and time >= $2 and time < $3
       and decision = 'allow' and agent <> all($4::text[]) and action not like 'approval.%' and action <> 'workflow.move' and action not like 'host.%'
     group by tenant_id`,
    [tenant ?? null, start.toISOString(), end.toISOString(), RUNTIME_NAMES],
  );
  return new Map(rows.map((r) => [String(r.tenant_id), Number(r.n)]));
}
