/**
 * The SQL drizzle-kit does not write, appended to a migration for the tables it creates:
 * the runtime's role (created if missing: no login, not superuser, not BYPASSRLS), its
 * use of the current schema, its `GRANT`s, and row-level security `ENABLE`d and `FORCE`d
 * with the tenant policy — `USING` and `WITH CHECK` on the tenant the transaction is bound
 * to (`set_config('paybill.tenant', …, true)`, as the runtime binds it). Unbound, the
 * setting is null and no row matches. Written without a schema name, so the same
 * migration serves a schema per tenant (bridge) and a database per tenant (silo).
 */
import { RUNTIME_ROLE } from "@paybill/runtime";
import { TENANT_COLUMN } from "./tables.js";

/** The runtime's role, defined once by the runtime (store/roles.ts). */
export { RUNTIME_ROLE };
export const TENANT_SETTING = "paybill.tenant";
export const POLICY = "paybill_tenant_isolation";

const q = (name: string): string => `"${name.replaceAll('"', '""')}"`;

export function roleStatements(): string[] {
  return [
    `DO $$ BEGIN\n  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${RUNTIME_ROLE}') THEN\n    CREATE ROLE ${RUNTIME_ROLE} NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;\n  END IF;\nEXCEPTION WHEN duplicate_object THEN NULL;\nEND $$;`,
    `DO $$ BEGIN\n  EXECUTE format('GRANT USAGE ON SCHEMA %I TO ${RUNTIME_ROLE}', current_schema());\nEND $$;`,
  ];
}

export function tableSecurityStatements(table: string): string[] {
  const bound = `${q(TENANT_COLUMN)} = current_setting('${TENANT_SETTING}', true)`;
  return [
    `ALTER TABLE ${q(table)} ENABLE ROW LEVEL SECURITY;`,
    `ALTER TABLE ${q(table)} FORCE ROW LEVEL SECURITY;`,
    `CREATE POLICY ${POLICY} ON ${q(table)} AS PERMISSIVE FOR ALL TO PUBLIC USING (${bound}) WITH CHECK (${bound});`,
    `GRANT SELECT, INSERT, UPDATE, DELETE ON ${q(table)} TO ${RUNTIME_ROLE};`,
  ];
}
