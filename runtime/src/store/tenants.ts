/**
 * The tenant registry's row as the act path reads it: a tenant's id, plan, lifecycle state
 * and region, which is what policies see as `tenant` (and the state, which evaluate.ts
 * checks before anything else). Static tenants declared in the bundle are written on open
 * (their plan, region and cloud follow the bundle; their state is kept). Lifecycle
 * transitions, billing standing and provisioning are the control plane's (control/).
 */
import type { Bundle } from "../bundle/format.js";
import type { TenantFacts } from "../decide/request.js";
import type { PreparedOpening, Row, Sql } from "./adapter.js";
import { literal } from "./sql.js";

interface TenantRow extends Record<string, unknown> {
  id: string;
  plan: string;
  state: string;
  region: string | null;
}

export async function syncStaticTenants(sql: Sql, bundle: Pick<Bundle, "tenants">): Promise<void> {
  for (const tenant of Object.values(bundle.tenants)) {
    await sql.query(
      `insert into paybill_tenants (id, plan, state, region, cloud, static) values ($1, $2, 'active', $3, $4, true)
       on conflict (id) do update set plan = excluded.plan, region = excluded.region, cloud = excluded.cloud, static = true, updated_at = now()
       where paybill_tenants.plan is distinct from excluded.plan or paybill_tenants.region is distinct from excluded.region
          or paybill_tenants.cloud is distinct from excluded.cloud or not paybill_tenants.static`,
      [tenant.name, tenant.plan, tenant.region ?? null, tenant.cloud ?? null],
    );
  }
}

export async function getTenant(sql: Sql, id: string): Promise<TenantFacts | undefined> {
  const [row] = await sql.query<TenantRow>("select id, plan, state, region from paybill_tenants where id = $1", [id]);
  return row === undefined ? undefined : facts(row);
}

/** What `bindTenant` reads: the tenant's facts and, when asked for, the run's row and its untrusted values. */
export interface BoundTenant {
  readonly tenant: TenantFacts;
  readonly run?: Row;
  /** With `run.untrusted`: the normalised values recorded in `paybill_untrusted` for the run (runs/provenance.ts). */
  readonly untrusted?: readonly string[];
  /** The whole row, with the `columns` the caller added. */
  readonly row: Row;
}

/** The run to read with the tenant: locked for act; with `untrusted`, also its recorded untrusted values. */
export interface RunToBind {
  readonly id: string;
  readonly lock: boolean;
  readonly untrusted?: boolean;
}

/**
 * The tenant's facts, binding the transaction to it (`paybill.tenant`) in the same round
 * trip, before any row is read (the runtime role sees the bound tenant's rows only); with
 * `run`, also that run's row (as JSON, `FOR UPDATE` when `lock`), read in the same
 * statement. `run.id` must be a uuid.
 */
export async function bindTenant(tx: Sql, id: string, run?: RunToBind): Promise<BoundTenant | undefined> {
  const rows = await tx.query<TenantRow & { run?: Row | null }>(bindTenantSql("$1", run === undefined ? undefined : { ...run, id: "$2::uuid" }), run === undefined ? [id] : [id, run.id], { prepared: true });
  return boundTenant(rows);
}

/**
 * `bindTenant` as an opening statement, sent with BEGIN (adapter.ts `opening`): the same
 * statement with literals, so the act path binds its tenant and reads its facts and run at
 * no round trip of their own. `id` must be storable text and `run.id` a uuid. `columns`
 * (literal SQL, reading the bound tenant's id as `t.id`) are read in the same row: the
 * request's foldable lookups (runs/lookups.ts) and the totals it reads (quota/totals.ts).
 */
export function bindTenantOpening(id: string, run?: RunToBind, columns: readonly string[] = []): string {
  return bindTenantSql(literal(id), run === undefined ? undefined : { ...run, id: `${literal(run.id)}::uuid` }, columns);
}

/** `bindTenantOpening` without extra columns, as a statement to prepare (adapter.ts `prepared`): the tenant and the run id are its arguments. */
export function bindTenantPrepared(id: string, run?: RunToBind): PreparedOpening {
  const sql = bindTenantSql("$1", run === undefined ? undefined : { ...run, id: "$2::uuid" });
  return { sql, args: run === undefined ? [literal(id)] : [literal(id), literal(run.id)] };
}

/** What `bindTenantOpening`'s statement returned, read. */
export function boundTenant(rows: readonly Row[]): BoundTenant | undefined {
  const row = rows[0] as (TenantRow & { run?: Row | null; untrusted?: unknown }) | undefined;
  if (row === undefined) return undefined;
  const untrusted = Array.isArray(row.untrusted) ? { untrusted: row.untrusted.map(String) } : {};
  return { tenant: facts(row), ...(row.run === null || row.run === undefined ? {} : { run: row.run }), ...untrusted, row };
}

function bindTenantSql(id: string, run?: RunToBind, columns: readonly string[] = []): string {
  const runColumn = run === undefined ? "" : `, (select row_to_json(r) from (select * from paybill_runs where id = ${run.id}${run.lock ? " for update" : ""}) r) as run`;
  // The run's untrusted values (migration 12), read on the (tenant_id, run_id) prefix of the table's key.
  const untrustedColumn =
    run?.untrusted === true ? `, (select coalesce(json_agg(u.value), '[]'::json) from paybill_untrusted u where u.tenant_id = t.id and u.run_id = ${run.id}) as untrusted` : "";
  const more = untrustedColumn + columns.map((column) => `, ${column}`).join("");
  // LATERAL: the binding is made before the tenant's row is read, so row-level security (which reads the binding) sees it.
  return `select t.id, t.plan, t.state, t.region${runColumn}${more} from (select set_config('paybill.tenant', ${id}, true) as bound) b cross join lateral (select id, plan, state, region from paybill_tenants where id = b.bound) t`;
}

/** Registers a tenant or changes its plan, state or region, without lifecycle checks or audit (tests and tools; the control plane is control/tenants.ts). */
export async function putTenant(sql: Sql, tenant: TenantFacts): Promise<TenantFacts> {
  const [row] = await sql.query<TenantRow>(
    `insert into paybill_tenants (id, plan, state, region) values ($1, $2, $3, $4)
     on conflict (id) do update set plan = excluded.plan, state = excluded.state, region = excluded.region, updated_at = now()
     returning id, plan, state, region`,
    [tenant.id, tenant.plan, tenant.state, tenant.region ?? null],
  );
  return row === undefined ? tenant : facts(row);
}

function facts(row: TenantRow): TenantFacts {
  return { id: row.id, plan: row.plan, state: row.state, ...(row.region === null ? {} : { region: row.region }) };
}
