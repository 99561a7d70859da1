/**
 * The two database roles the runtime runs as, and the SQL that creates them (spec/database.md):
 *
 * - `paybill_runtime`, the agent path (act, decide, runs, approvals, a tenant's audit): DML
 *   on the entity tables, and on the runtime's own tables only what that path needs — on
 *   `paybill_audit` only SELECT and INSERT. Every row it sees or writes is its bound
 *   tenant's (`paybill.tenant`), by row-level security.
 * - `paybill_control`, the control plane (tenant lifecycle, billing, sweeps, usage export,
 *   listing tenants): reads and writes across tenants, on the `paybill_*` tables only.
 *
 * Both are NOLOGIN, not superuser, not BYPASSRLS, own nothing and may not create objects:
 * a login role is made a member of both, and every transaction switches to one of them
 * (`SET LOCAL ROLE`). Created here by the runtime's migration 5 (migrations.ts) and by the
 * compiler's entity-table migrations (compiler/src/emit/db/security.ts uses `roleSql`).
 */

export const RUNTIME_ROLE = "paybill_runtime";
export const CONTROL_ROLE = "paybill_control";
export type RuntimeRole = typeof RUNTIME_ROLE | typeof CONTROL_ROLE;

/** The roles the runtime switches to, in the order they are created. */
export const RUNTIME_ROLES: readonly RuntimeRole[] = [RUNTIME_ROLE, CONTROL_ROLE];

/**
 * `CREATE ROLE … NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE` when missing.
 * Roles are cluster-wide: two databases migrated at once may both try, so a duplicate is not an error.
 */
export function roleSql(role: RuntimeRole): string {
  return `DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${role}') THEN
    CREATE ROLE ${role} NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
  END IF;
EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
END $$;`;
}

/** The tenant the transaction is bound to; the empty string binds none (no row matches). */
export const BOUND_TENANT = "nullif(current_setting('paybill.tenant', true), '')";
