/**
 * The SQL drizzle-kit does not write, appended to a migration for the tables it creates:
 * the runtime's role (created if missing: no login, not superuser, not BYPASSRLS), its
 * use of the current schema, its `GRANT`s, and row-level security `ENABLE`d and `FORCE`d
 * with the tenant policy — `USING` and `WITH CHECK` on the tenant the transaction is bound
 * to (`set_config('paybill.tenant', …, true)`, as the runtime binds it). Unbound, the
 * setting is null, and bound to the empty string (what a session keeps once a bound
 * transaction ends) `nullif` makes it null too: no row matches, no row can be written.
 * Written without a schema name, so the same migration serves a schema per tenant
 * (bridge) and a database per tenant (silo).
 *
 * The policy is also data (`TENANT_POLICY`): schema.ts and the drizzle-kit snapshot carry
 * it (so a change of its text is a new migration, `policyStatements`), and the catalogue
 * audit (audit.ts) compares what the database says against it.
 */
import { RUNTIME_ROLE } from "@paybill/runtime/bundle-format";
import { TENANT_COLUMN } from "./tables.js";

/** The runtime's role, defined once by the runtime (store/roles.ts). */
export { RUNTIME_ROLE };
export const TENANT_SETTING = "paybill.tenant";
export const POLICY = "paybill_tenant_isolation";

/** A policy as the migrations write it and the audit expects it. */
export interface PolicySpec {
  readonly name: string;
  /** `ALL`, `SELECT`, `INSERT`, `UPDATE` or `DELETE`. */
  readonly command: "ALL" | "SELECT" | "INSERT" | "UPDATE" | "DELETE";
  /** Role names, `public` for every role. */
  readonly roles: readonly string[];
  readonly using: string;
  readonly withCheck: string;
}

/** Rows of the tenant the transaction is bound to; none when unbound or bound to `''`. */
export const TENANT_EXPRESSION = `"${TENANT_COLUMN}" = nullif(current_setting('${TENANT_SETTING}', true), '')`;

export const TENANT_POLICY: PolicySpec = { name: POLICY, command: "ALL", roles: ["public"], using: TENANT_EXPRESSION, withCheck: TENANT_EXPRESSION };

const q = (name: string): string => `"${name.replaceAll('"', '""')}"`;

export function roleStatements(): string[] {
  return [
    `DO $$ BEGIN\n  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${RUNTIME_ROLE}') THEN\n    CREATE ROLE ${RUNTIME_ROLE} NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;\n  END IF;\nEXCEPTION WHEN duplicate_object THEN NULL;\nEND $$;`,
    `DO $$ BEGIN\n  EXECUTE format('GRANT USAGE ON SCHEMA %I TO ${RUNTIME_ROLE}', current_schema());\nEND $$;`,
  ];
}

function createPolicy(table: string, policy: PolicySpec): string {
  const roles = policy.roles.map((r) => (r === "public" ? "PUBLIC" : q(r))).join(", ");
  return `CREATE POLICY ${policy.name} ON ${q(table)} AS PERMISSIVE FOR ${policy.command} TO ${roles} USING (${policy.using}) WITH CHECK (${policy.withCheck});`;
}

export function tableSecurityStatements(table: string): string[] {
  return [
    `ALTER TABLE ${q(table)} ENABLE ROW LEVEL SECURITY;`,
    `ALTER TABLE ${q(table)} FORCE ROW LEVEL SECURITY;`,
    createPolicy(table, TENANT_POLICY),
    `GRANT SELECT, INSERT, UPDATE, DELETE ON ${q(table)} TO ${RUNTIME_ROLE};`,
  ];
}

/**
 * The tenant policy of an existing table written again, for a table whose previous snapshot
 * holds another text of it (or none: snapshots made before schema.ts carried the policy).
 * `DROP … IF EXISTS` then `CREATE`, in the migration's one transaction: no moment without it.
 */
export function policyStatements(table: string): string[] {
  return [
    `ALTER TABLE ${q(table)} ENABLE ROW LEVEL SECURITY;`,
    `ALTER TABLE ${q(table)} FORCE ROW LEVEL SECURITY;`,
    `DROP POLICY IF EXISTS ${POLICY} ON ${q(table)};`,
    createPolicy(table, TENANT_POLICY),
  ];
}
