/**
 * The catalogue audit `paybillc migrate` runs after applying: every entity table of the
 * newest snapshot, in the current schema, has row-level security enabled and forced and
 * the tenant policy, and the runtime role is neither its owner, a superuser nor BYPASSRLS.
 * A problem here means someone changed the database by hand: tenants are no longer kept
 * apart by PostgreSQL, and migrate says so instead of succeeding quietly.
 */
import type { Tx } from "./client.js";
import { POLICY, RUNTIME_ROLE } from "./security.js";

export async function auditIsolation(tx: Tx, tables: readonly string[]): Promise<string[]> {
  const problems: string[] = [];
  const [role] = await tx.query<{ rolsuper: boolean; rolbypassrls: boolean }>("select rolsuper, rolbypassrls from pg_roles where rolname = $1", [RUNTIME_ROLE]);
  if (tables.length > 0 && role === undefined) problems.push(`the role \`${RUNTIME_ROLE}\` does not exist`);
  if (role?.rolsuper === true) problems.push(`the role \`${RUNTIME_ROLE}\` is a superuser: row-level security does not apply to it`);
  if (role?.rolbypassrls === true) problems.push(`the role \`${RUNTIME_ROLE}\` has BYPASSRLS: row-level security does not apply to it`);
  for (const table of tables) {
    const [row] = await tx.query<{ enabled: boolean; forced: boolean; owner: string; policy: boolean }>(
      `select c.relrowsecurity as enabled, c.relforcerowsecurity as forced, pg_get_userbyid(c.relowner) as owner,
              exists (select 1 from pg_policy p where p.polrelid = c.oid and p.polname = $2) as policy
         from pg_class c where c.relname = $1 and c.relnamespace = current_schema()::regnamespace and c.relkind = 'r'`,
      [table, POLICY],
    );
    if (row === undefined) {
      problems.push(`table \`${table}\` is missing`);
      continue;
    }
    if (!row.enabled) problems.push(`table \`${table}\` has row-level security disabled`);
    else if (!row.forced) problems.push(`table \`${table}\` has row-level security enabled but not forced: its owner sees every tenant`);
    if (!row.policy) problems.push(`table \`${table}\` has no \`${POLICY}\` policy`);
    if (row.owner === RUNTIME_ROLE) problems.push(`table \`${table}\` is owned by \`${RUNTIME_ROLE}\`, which may turn its security off`);
  }
  return problems;
}
