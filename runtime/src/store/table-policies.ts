/**
 * The row-level security of the runtime's own tables, as data: for every `paybill_*` table
 * but `paybill_migrations`, the migration that secures it and the policies it has — name,
 * command, roles, `USING` and `WITH CHECK` (spec/database.md, "Roles"). The migrations
 * (migrations.ts) write their `create policy` statements from this list (`tableSecuritySql`),
 * and `paybillc migrate`'s catalogue audit (compiler/src/emit/db/audit.ts) checks what the
 * database says against it, so the two cannot drift.
 *
 * Released migrations are never edited, and their text is pinned (runtime/test/migration-text.test.ts
 * checks each one's SHA-256): a change of a policy here is a new migration that drops and
 * recreates it, with the older migrations keeping the text they were released with.
 */
import { BOUND_TENANT, CONTROL_ROLE, RUNTIME_ROLE } from "./roles.js";

/** A policy as a migration writes it and the catalogue audit expects it. */
export interface RuntimeTablePolicy {
  readonly name: string;
  readonly command: "ALL" | "SELECT" | "INSERT" | "UPDATE" | "DELETE";
  /** Role names. */
  readonly roles: readonly string[];
  readonly using: string;
  /** Absent: none written (a `SELECT` policy has none; PostgreSQL checks new rows against `USING`). */
  readonly withCheck?: string;
}

export interface RuntimeTableSecurity {
  readonly table: string;
  /** The migration that enables and forces row-level security on it and creates its policies. */
  readonly version: number;
  readonly policies: readonly RuntimeTablePolicy[];
}

/** The runtime role's rows of a table keyed by `tenant_id`: its bound tenant's. */
const TENANT_ROWS = `tenant_id = ${BOUND_TENANT}`;
// A move is the bound tenant's when its run is: the subquery on paybill_runs is itself under that table's policy.
const RUN_ROWS = "exists (select 1 from paybill_runs r where r.id = run_id)";

export const TENANT_ISOLATION_POLICY: RuntimeTablePolicy = { name: "paybill_tenant_isolation", command: "ALL", roles: [RUNTIME_ROLE], using: TENANT_ROWS, withCheck: TENANT_ROWS };
export const CONTROL_POLICY: RuntimeTablePolicy = { name: "paybill_control_all", command: "ALL", roles: [CONTROL_ROLE], using: "true", withCheck: "true" };

const tenantKeyed = (table: string, version: number): RuntimeTableSecurity => ({ table, version, policies: [TENANT_ISOLATION_POLICY, CONTROL_POLICY] });

/** In the order the migrations secure them. */
export const RUNTIME_TABLE_SECURITY: readonly RuntimeTableSecurity[] = [
  tenantKeyed("paybill_runs", 5),
  tenantKeyed("paybill_approvals", 5),
  tenantKeyed("paybill_quota_counters", 5),
  tenantKeyed("paybill_audit_heads", 5),
  tenantKeyed("paybill_audit", 5),
  tenantKeyed("paybill_tenant_transitions", 5),
  tenantKeyed("paybill_billing_events", 5),
  tenantKeyed("paybill_provisioning_steps", 5),
  tenantKeyed("paybill_usage", 5),
  {
    table: "paybill_tenants",
    version: 5,
    policies: [{ name: "paybill_tenant_isolation", command: "SELECT", roles: [RUNTIME_ROLE], using: `id = ${BOUND_TENANT}` }, CONTROL_POLICY],
  },
  {
    table: "paybill_run_history",
    version: 5,
    policies: [{ name: "paybill_tenant_isolation", command: "ALL", roles: [RUNTIME_ROLE], using: RUN_ROWS, withCheck: RUN_ROWS }, CONTROL_POLICY],
  },
  { table: "paybill_bundles", version: 8, policies: [CONTROL_POLICY] },
  tenantKeyed("paybill_agent_tokens", 10),
  tenantKeyed("paybill_total_counters", 14),
  tenantKeyed("paybill_performances", 16),
  tenantKeyed("paybill_untrusted", 12),
  tenantKeyed("paybill_data_moves", 18),
];

/** `create policy …;` as the migrations write it. */
export function policySql(table: string, policy: RuntimeTablePolicy): string {
  const check = policy.withCheck === undefined ? "" : ` with check (${policy.withCheck})`;
  return `create policy ${policy.name} on ${table} for ${policy.command.toLowerCase()} to ${policy.roles.join(", ")} using (${policy.using})${check};\n`;
}

/** Row-level security enabled and forced on `table`, then its policies. */
export function tableSecuritySql(security: RuntimeTableSecurity): string {
  return [`alter table ${security.table} enable row level security, force row level security;\n`, ...security.policies.map((p) => policySql(security.table, p))].join("");
}

/** The tables migration `version` secures, in order. */
export function securedBy(version: number): readonly RuntimeTableSecurity[] {
  return RUNTIME_TABLE_SECURITY.filter((t) => t.version === version);
}

/** One table's entry; a table not listed is a programming error (migrations.ts names only listed ones). */
export function securityOf(table: string): RuntimeTableSecurity {
  const found = RUNTIME_TABLE_SECURITY.find((t) => t.table === table);
  if (found === undefined) throw new Error(`runtime table ${table} has no row-level security listed in table-policies.ts`);
  return found;
}
