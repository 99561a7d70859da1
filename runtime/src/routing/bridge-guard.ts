/**
 * What keeps a bridge schema its tenant's alone: a RESTRICTIVE row-level security policy
 * `paybill_schema_tenant` on every table of the schema that has a tenant column
 * (`tenant_id`; `id` for `paybill_tenants`), admitting only the schema's tenant, for
 * reading and writing and for every role. Restrictive policies are ANDed with the
 * permissive ones (the bound tenant's rows, database.md §Roles), so a transaction bound to
 * tenant `a` may write `a`'s rows in `a`'s schema and nothing in `b`'s, even with a
 * qualified name (`tenant_b.tickets`) — the runtime roles' grants are per table and cover
 * every schema, which alone would not stop it. Tables without a tenant column
 * (`paybill_migrations`; `paybill_run_history`, kept apart through its run) get none.
 *
 * Idempotent: run after every migration of the schema (a new table gets its policy then), by
 * the schema's owner (an admin connection). The isolation audit (PB9107) accepts it: it is
 * not permissive.
 */
import { literal } from "../store/sql.js";

export const SCHEMA_TENANT_POLICY = "paybill_schema_tenant";

/** The statement that puts the guard of `tenant` on every table of `schema` lacking it. */
export function bridgeGuardSql(schema: string, tenant: string): string {
  const tenantText = literal(tenant);
  return `do $guard$
declare t record;
begin
  for t in
    select c.table_name, c.column_name from information_schema.columns c
    join information_schema.tables tb on tb.table_schema = c.table_schema and tb.table_name = c.table_name and tb.table_type = 'BASE TABLE'
    where c.table_schema = ${literal(schema)}
      and ((c.column_name = 'tenant_id') or (c.table_name = 'paybill_tenants' and c.column_name = 'id'))
  loop
    if not exists (select 1 from pg_policies p where p.schemaname = ${literal(schema)} and p.tablename = t.table_name and p.policyname = '${SCHEMA_TENANT_POLICY}') then
      execute format('create policy ${SCHEMA_TENANT_POLICY} on %I.%I as restrictive for all to public using (%I = %L) with check (%I = %L)',
        ${literal(schema)}, t.table_name, t.column_name, ${tenantText}, t.column_name, ${tenantText});
    end if;
  end loop;
end
$guard$;`;
}
