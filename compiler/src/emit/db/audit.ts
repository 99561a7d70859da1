/**
 * The catalogue audit `paybillc migrate` runs after applying. It checks what the database
 * says, not only names: every audited table (in the current schema) has row-level security
 * enabled and forced, exactly the policies expected of it — same command, permissive, same
 * roles, and `USING` / `WITH CHECK` expressions equal to the migrations' once both are
 * normalised (expression.ts) — and no other permissive policy (permissive policies add up:
 * any other one widens what a tenant sees). The runtime role is neither a table's owner, a
 * superuser nor BYPASSRLS; no login role that is superuser or BYPASSRLS is a member of it,
 * directly or through other roles; and no view over an audited table, in any schema, runs
 * with its owner's rights (a view without `security_invoker`, or a materialized view).
 * A problem here means someone changed the database by hand: tenants are no longer kept
 * apart by PostgreSQL, and migrate says so (PB9107, one line per problem) instead of
 * succeeding quietly.
 *
 * What is expected is data (`TableExpectation`): the entity tables expect the tenant policy
 * (`entityExpectations`); the runtime's own tables theirs, from the list its migrations are written from (`runtimeExpectations`).
 */
import { RUNTIME_TABLE_SECURITY, runtimePolicySql } from "@paybill/runtime";
import type { Tx } from "./client.js";
import { sameExpression } from "./expression.js";
import { type PolicySpec, RUNTIME_ROLE, TENANT_POLICY } from "./security.js";

/** A policy the audit expects; without `withCheck`, new rows are checked against `using` (a `SELECT` policy has none). */
export type ExpectedPolicy = Omit<PolicySpec, "withCheck"> & { readonly withCheck?: string };

export interface TableExpectation {
  readonly table: string;
  /** The policies the table must have as written; any other permissive policy is a problem. */
  readonly policies: readonly ExpectedPolicy[];
  /** How to put a policy back, when not by `paybillc build`'s next migration (the entity tables'). */
  readonly fix?: (policy: ExpectedPolicy) => string;
}

/** Each entity table: the tenant policy, and nothing else permissive. */
export function entityExpectations(tables: readonly string[]): TableExpectation[] {
  return tables.map((table) => ({ table, policies: [TENANT_POLICY] }));
}

/**
 * The runtime's own tables (`paybill_*`), with the policies its migrations write: the same
 * list they are written from (@paybill/runtime, store/table-policies.ts).
 */
export const runtimeExpectations: readonly TableExpectation[] = RUNTIME_TABLE_SECURITY.map(({ table, policies }) => ({
  table,
  policies,
  // The runtime's migrations are applied once: the statement to run by hand, as they wrote it.
  fix: (policy) => `recreate it as the runtime's migrations write it: \`drop policy ${policy.name} on ${table}; ${runtimePolicySql(table, policy).trim()}\``,
}));

type PolicyRow = {
  name: string;
  permissive: boolean;
  cmd: string;
  roles: string;
  using: string | null;
  with_check: string | null;
};

const COMMANDS: Record<string, PolicySpec["command"]> = { "*": "ALL", r: "SELECT", a: "INSERT", w: "UPDATE", d: "DELETE" };

export async function auditIsolation(tx: Tx, expected: readonly TableExpectation[]): Promise<string[]> {
  const problems: string[] = [];
  problems.push(...(await auditRoles(tx, expected.length > 0)));
  for (const { table, policies, fix } of expected) {
    const [row] = await tx.query<{ oid: number; enabled: boolean; forced: boolean; owner: string }>(
      `select c.oid::int as oid, c.relrowsecurity as enabled, c.relforcerowsecurity as forced, pg_get_userbyid(c.relowner) as owner
         from pg_class c where c.relname = $1 and c.relnamespace = current_schema()::regnamespace and c.relkind = 'r'`,
      [table],
    );
    if (row === undefined) {
      problems.push(`table \`${table}\` is missing`);
      continue;
    }
    if (!row.enabled) problems.push(`table \`${table}\` has row-level security disabled`);
    else if (!row.forced) problems.push(`table \`${table}\` has row-level security enabled but not forced: its owner sees every tenant`);
    if (row.owner === RUNTIME_ROLE) problems.push(`table \`${table}\` is owned by \`${RUNTIME_ROLE}\`, which may turn its security off`);
    const found = await tx.query<PolicyRow>(
      `select p.polname as name, p.polpermissive as permissive, p.polcmd::text as cmd,
              coalesce((select string_agg(n.name, ',' order by n.name)
                          from (select case when r = 0 then 'public' else pg_get_userbyid(r)::text end as name from unnest(p.polroles) as r) as n), '') as roles,
              pg_get_expr(p.polqual, p.polrelid) as using, pg_get_expr(p.polwithcheck, p.polrelid) as with_check
         from pg_policy p where p.polrelid = $1::oid order by p.polname`,
      [row.oid],
    );
    for (const policy of policies) {
      const actual = found.find((p) => p.name === policy.name);
      if (actual === undefined) problems.push(`table \`${table}\` has no \`${policy.name}\` policy`);
      else problems.push(...policyProblems(table, policy, actual, fix?.(policy)));
    }
    for (const other of found) {
      if (!other.permissive || policies.some((p) => p.name === other.name)) continue;
      problems.push(
        `table \`${table}\` has another permissive policy \`${other.name}\` (${COMMANDS[other.cmd] ?? other.cmd} TO ${other.roles}${other.using === null ? "" : ` USING (${other.using})`}): permissive policies add up, so it widens what a tenant may reach — drop it`,
      );
    }
  }
  problems.push(...(await auditViews(tx, expected.map((e) => e.table))));
  return problems;
}

/** How `actual` differs from what the migrations write, one line each. */
function policyProblems(table: string, policy: ExpectedPolicy, actual: PolicyRow, how?: string): string[] {
  const out: string[] = [];
  const where = `policy \`${policy.name}\` on table \`${table}\``;
  const fix = how ?? "recreate it as the migrations write it (`paybillc build` writes a migration that replaces an older text of it)";
  if (!actual.permissive) out.push(`${where} is restrictive where the migrations make it permissive: ${fix}`);
  const command = COMMANDS[actual.cmd] ?? actual.cmd;
  if (command !== policy.command) out.push(`${where} applies to \`${command}\` where the migrations make it apply to \`${policy.command}\`: ${fix}`);
  const roles = actual.roles.split(",").filter((r) => r !== "");
  const want = [...policy.roles].sort();
  if (roles.join(",") !== want.join(",")) out.push(`${where} is for \`${roles.join(", ")}\` where the migrations make it for \`${want.join(", ")}\`: ${fix}`);
  if (actual.using === null || !sameExpression(actual.using, policy.using, table)) {
    out.push(`${where} reads \`USING (${actual.using ?? ""})\` where the migrations write \`USING (${policy.using})\`: ${fix}`);
  }
  // Without `WITH CHECK`, PostgreSQL checks new rows against `USING`.
  const check = actual.with_check ?? actual.using;
  const wanted = policy.withCheck ?? policy.using;
  if (check === null || !sameExpression(check, wanted, table)) {
    out.push(`${where} checks \`WITH CHECK (${check ?? ""})\` where the migrations write \`WITH CHECK (${wanted})\`: ${fix}`);
  }
  return out;
}

async function auditRoles(tx: Tx, tablesExpected: boolean): Promise<string[]> {
  const problems: string[] = [];
  const [role] = await tx.query<{ rolsuper: boolean; rolbypassrls: boolean }>("select rolsuper, rolbypassrls from pg_roles where rolname = $1", [RUNTIME_ROLE]);
  if (tablesExpected && role === undefined) problems.push(`the role \`${RUNTIME_ROLE}\` does not exist`);
  if (role?.rolsuper === true) problems.push(`the role \`${RUNTIME_ROLE}\` is a superuser: row-level security does not apply to it`);
  if (role?.rolbypassrls === true) problems.push(`the role \`${RUNTIME_ROLE}\` has BYPASSRLS: row-level security does not apply to it`);
  if (role === undefined) return problems;
  // Members through pg_auth_members only: a superuser is implicitly a member of every role,
  // which is not a grant anyone made.
  const members = await tx.query<{ name: string; rolsuper: boolean; rolbypassrls: boolean }>(
    `with recursive member(oid) as (
       select m.member from pg_auth_members m join pg_roles r on r.oid = m.roleid where r.rolname = $1
       union
       select m.member from pg_auth_members m join member on m.roleid = member.oid
     )
     select r.rolname as name, r.rolsuper, r.rolbypassrls from pg_roles r join member on member.oid = r.oid
      where r.rolcanlogin and (r.rolsuper or r.rolbypassrls) order by r.rolname`,
    [RUNTIME_ROLE],
  );
  for (const m of members) {
    const what = m.rolsuper ? "a superuser" : "BYPASSRLS";
    problems.push(
      `the login role \`${m.name}\` is ${what} and a member of \`${RUNTIME_ROLE}\`: a runtime connecting as it is not held by row-level security — revoke \`${RUNTIME_ROLE}\` from \`${m.name}\` and connect the runtime with a role that is neither`,
    );
  }
  return problems;
}

/** Views (in any schema) that read an audited table, directly or through other views, with their owner's rights. */
async function auditViews(tx: Tx, tables: readonly string[]): Promise<string[]> {
  if (tables.length === 0) return [];
  const rows = await tx.query<{ schema: string; view: string; kind: string; base: string; invoker: boolean; current: boolean }>(
    `with recursive tenant(oid) as (
       select c.oid from pg_class c where c.relkind = 'r' and c.relnamespace = current_schema()::regnamespace and c.relname = any($1::text[])
     ), reads(view, base) as (
       select r.ev_class, d.refobjid from pg_rewrite r
         join pg_depend d on d.classid = 'pg_rewrite'::regclass and d.objid = r.oid and d.refclassid = 'pg_class'::regclass
         join tenant t on t.oid = d.refobjid
        where r.ev_class <> d.refobjid
       union
       select r.ev_class, reads.base from pg_rewrite r
         join pg_depend d on d.classid = 'pg_rewrite'::regclass and d.objid = r.oid and d.refclassid = 'pg_class'::regclass
         join reads on reads.view = d.refobjid
        where r.ev_class <> d.refobjid
     )
     select v.relnamespace::regnamespace::text as schema, v.relname as view, v.relkind::text as kind, min(b.relname) as base,
            v.relnamespace = current_schema()::regnamespace as current,
            coalesce(bool_or(o ~* '^security_invoker=(t|tr|tru|true|y|ye|yes|on|1)$'), false) as invoker
       from reads join pg_class v on v.oid = reads.view join pg_class b on b.oid = reads.base
       left join lateral unnest(v.reloptions) as o on true
      where v.relkind in ('v', 'm')
      group by v.oid, v.relnamespace, v.relname, v.relkind
      order by 1, 2`,
    [[...tables]],
  );
  const problems: string[] = [];
  for (const row of rows) {
    const name = row.current ? row.view : `${row.schema}.${row.view}`;
    if (row.kind === "m") {
      problems.push(`materialized view \`${name}\` holds rows of table \`${row.base}\` with no row-level security: every tenant's rows its readers may see — drop it`);
    } else if (!row.invoker) {
      problems.push(
        `view \`${name}\` reads table \`${row.base}\` with its owner's rights (no \`security_invoker\`): whoever may select from it sees every tenant's rows — recreate it \`WITH (security_invoker = true)\` or drop it`,
      );
    }
  }
  return problems;
}
