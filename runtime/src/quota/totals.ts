/**
 * Totals over windows (spec/runtime.md §Totals): the counters `Bundle.totals` lists, which
 * policies read as `total(send_money.amount, per day)` and `count(send_money, per hour)`,
 * kept per tenant, counter and UTC period in `paybill_total_counters` (migration 14).
 *
 * Atomic like the plan's quota, by locking: an act that reads or adds to counters takes a
 * transaction-scoped advisory lock per (tenant, counter, period) in its opening statements
 * (`totalsLockSql`), before the statement that reads the counters (`totalsColumn`) takes
 * its snapshot; the act's `finish` statement adds to them (`totalsCte`) only when the
 * act is performed. So the acts that touch one counter of one tenant in one window run one
 * after the other from their opening to their commit, each deciding on the total every
 * earlier one left: no two can both pass `total + amount <= limit`. A lock, not a row lock,
 * because the window's row may not exist yet (its first act inserts it). What-if decisions
 * read without locking.
 */
import { type Bundle, type TotalSpec, totalKey } from "../bundle/format.js";
import type { Sql } from "../store/adapter.js";
import { literal, type Params } from "../store/sql.js";
import { periodKey } from "./period.js";

/** A counter of the bundle and its key (`total send_money.amount per day`). */
export interface Counter {
  readonly key: string;
  readonly spec: TotalSpec;
}

/** What the acts of one action do with counters. */
export interface ActionTotals {
  /** The counters it adds to when performed (it is their counted action). */
  readonly adds: readonly Counter[];
  /** The counters its acts lock and read: those its rules' conditions read and those it adds to, sorted by key. */
  readonly touched: readonly Counter[];
}

/** The values policies see: `context.totals[key]`. */
export type TotalValues = Readonly<Record<string, number | bigint>>;

const byBundle = new WeakMap<Bundle, ReadonlyMap<string, ActionTotals>>();

/** What the acts of `action` do with counters; undefined when nothing (the act path is unchanged then). */
export function actionTotals(bundle: Bundle, action: string): ActionTotals | undefined {
  if (bundle.totals === undefined) return undefined;
  let plan = byBundle.get(bundle);
  if (plan === undefined) {
    plan = planTotals(bundle);
    byBundle.set(bundle, plan);
  }
  return plan.get(action);
}

function planTotals(bundle: Bundle): ReadonlyMap<string, ActionTotals> {
  const counters = Object.entries(bundle.totals ?? {}).map(([key, spec]): Counter => ({ key, spec }));
  const plan = new Map<string, ActionTotals>();
  for (const action of Object.values(bundle.actions)) {
    const effect = action.effect;
    // The conditions of every rule that can apply to the action: by its name, `any action`, or its effect's data operation.
    const conditions = bundle.policies.flatMap((p) =>
      p.rules.flatMap((r) =>
        r.when !== undefined &&
        r.actions.some((s) => s.kind === "any" || (s.kind === "action" && s.action === action.name) || (s.kind === "data" && effect !== undefined && s.op === effect.op && s.entity === effect.entity))
          ? [r.when.cel]
          : [],
      ),
    );
    const reads = counters.filter((c) => conditions.some((cel) => cel.includes(JSON.stringify(c.key))));
    const adds = counters.filter((c) => c.spec.action === action.name);
    if (reads.length === 0 && adds.length === 0) continue;
    const touched = [...new Set([...reads, ...adds])].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    plan.set(action.name, Object.freeze({ adds: Object.freeze(adds), touched: Object.freeze(touched) }));
  }
  return plan;
}

/** The period a counter counts in at `time` (`2026-01-31` for `per day`); the bundle's periods were checked at load. */
function period(counter: Counter, time: Date): string {
  const key = periodKey(counter.spec.per, time);
  if (key === undefined) throw new Error(`the counter \`${counter.key}\` has a period the runtime does not know`);
  return key;
}

/**
 * The statement that takes the act's locks on `touched` in the current windows: one
 * advisory lock per (tenant, counter, period), always in the order of `touched`, so two
 * acts never wait for each other's locks in a circle. Literals only (an opening statement).
 */
export function totalsLockSql(tenant: string, touched: readonly Counter[], time: Date): string {
  const locks = touched.map((c) => `pg_advisory_xact_lock(hashtext(${literal(tenant)}), hashtext(${literal(`paybill.totals ${c.key} ${period(c, time)}`)}))`);
  return `select ${locks.join(", ")}`;
}

/**
 * A column of the tenant-binding statement (store/tenants.ts; `t.id` is the bound tenant)
 * reading the `touched` counters of the current windows as one JSON object, key → value as
 * text (null when there is none yet). Literals only.
 */
export function totalsColumn(touched: readonly Counter[], time: Date): string {
  const rows = touched.map((c) => `(${literal(c.key)}, ${literal(period(c, time))})`).join(", ");
  return `(select json_object_agg(counter, value::text) from paybill_total_counters where tenant_id = t.id and (counter, period) in (${rows})) as paybill_totals`;
}

/** Locks (for act) and reads the counters without the opening statements (resume; a request the opening could not bind). */
export async function readTotals(sql: Sql, tenant: string, touched: readonly Counter[], time: Date, lock: boolean): Promise<TotalValues> {
  if (lock) await sql.query(totalsLockSql(tenant, touched, time));
  const [row] = await sql.query(`select ${totalsColumn(touched, time)} from (select ${literal(tenant)}::text as id) t`);
  return totalValues(row?.["paybill_totals"], touched);
}

/** The values `totalsColumn` read, as policies see them: 0 for a counter without a row, `int` counters as bigint. */
export function totalValues(read: unknown, touched: readonly Counter[]): TotalValues {
  const texts = typeof read === "string" ? (JSON.parse(read) as unknown) : read;
  const values: Record<string, number | bigint> = {};
  for (const c of touched) {
    const text = texts !== null && typeof texts === "object" ? (texts as Record<string, unknown>)[c.key] : undefined;
    const value = typeof text === "string" ? text : "0";
    values[c.key] = c.spec.type === "int" ? BigInt(value) : Number(value);
  }
  return values;
}

/**
 * The `finish` statement's CTE adding a performed act to its counters: one row per counter
 * in the current window, inserted or added to, only when `guard` holds (the effect was
 * performed, the quota unit taken). `count` adds 1, `total` the input field's value (0
 * when an optional field is absent).
 */
export function totalsCte(params: Params, tenant: string, adds: readonly Counter[], input: Readonly<Record<string, unknown>>, time: Date, guard: string | undefined): string {
  const rows = adds.map((c) => `(${params.add(tenant)}::text, ${params.add(c.key)}::text, ${params.add(period(c, time))}::text, ${params.add(addend(c.spec, input))}::numeric)`);
  return (
    `paybill_totals as (insert into paybill_total_counters as c (tenant_id, counter, period, value) ` +
    `select * from (values ${rows.join(", ")}) v (tenant_id, counter, period, value) where ${guard ?? "true"} ` +
    "on conflict (tenant_id, counter, period) do update set value = c.value + excluded.value returning 1)"
  );
}

function addend(spec: TotalSpec, input: Readonly<Record<string, unknown>>): string {
  if (spec.kind === "count" || spec.field === undefined) return "1";
  const value = input[spec.field];
  if (typeof value === "bigint") return value.toString();
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  // A decimal as text was checked against the field's type by the decider before the act was allowed.
  if (typeof value === "string") return value;
  return "0";
}

/** Why `Bundle.totals` cannot be kept (load.ts reports it as an inconsistent bundle), or undefined. */
export function totalProblem(bundle: Bundle, key: string, spec: TotalSpec): string | undefined {
  if (key !== totalKey(spec)) return `the counter \`${key}\` should be keyed \`${totalKey(spec)}\``;
  const action = bundle.actions[spec.action];
  if (action === undefined) return `no action \`${spec.action}\``;
  if (periodKey(spec.per, new Date(0)) === undefined) return `the counter \`${key}\` has a period the runtime does not know`;
  if (spec.kind === "count") return spec.field === undefined && spec.type === "int" ? undefined : `the counter \`${key}\` counts acts: no field, type \`int\``;
  const field = action.input.find((f) => f.name === spec.field);
  const type = field?.type.kind;
  const expected = type === "int" ? "int" : type === "decimal" || type === "money" ? "double" : undefined;
  if (expected === undefined) return `action \`${spec.action}\` has no \`int\`, \`decimal\` or \`money\` input field \`${spec.field ?? ""}\``;
  return spec.type === expected ? undefined : `the counter \`${key}\` has type \`${spec.type}\`, and its field is \`${type}\``;
}
