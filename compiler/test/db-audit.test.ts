/**
 * The isolation audit reads what the catalogue says, on PGlite always and on PostgreSQL
 * when PAYBILL_TEST_DATABASE_URL is set: the helpdesk example's migrations are applied and
 * audit clean; then each hostile change an administrator could make by hand — the tenant
 * policy replaced by `USING (true)` or another expression, for other roles or commands or
 * restrictive, an extra permissive policy, a superuser or BYPASSRLS login role made a member
 * of the runtime role (directly or through another role), a view over a tenant table without
 * `security_invoker` (directly or through another view), a materialized view — is made in a
 * transaction, audited there, and rolled back (roles are shared by a whole PostgreSQL
 * server: a committed one would fail every other audit on it). The expression normaliser
 * is checked on its own too.
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applyMigrations } from "../src/emit/db/apply.js";
import { auditIsolation, entityExpectations, runtimeExpectations } from "../src/emit/db/audit.js";
import type { Client, Tx } from "../src/emit/db/client.js";
import { normalisedExpression, sameExpression } from "../src/emit/db/expression.js";
import { readMigrations } from "../src/emit/db/folder.js";
import { applyRuntimeTables } from "../src/emit/db/runtime-tables.js";
import { TENANT_EXPRESSION } from "../src/emit/db/security.js";
import { pgliteDatabase, postgresDatabase, type TestDatabase } from "./db-support.js";
import { HELPDESK } from "./support/bundle.js";

const TABLES = ["customer", "refund", "reply", "tickets"];
// As `paybillc migrate` audits: the entity tables and the runtime's own.
const EXPECTED = [...entityExpectations(TABLES), ...runtimeExpectations];

const suffix = Math.random().toString(36).slice(2, 8);

/**
 * The audit of the database after `hostile` ran, in one transaction rolled back at the end.
 * Roles belong to a whole PostgreSQL server, which other tests share: a line about a login
 * role this file did not create (its names end in `suffix`) is theirs, not this database's.
 */
async function auditAfter(client: Client, hostile: string): Promise<string[]> {
  let problems: string[] = [];
  const done = Symbol("rollback");
  try {
    await client.transaction(async (tx: Tx) => {
      if (hostile !== "") await tx.exec(hostile);
      problems = (await auditIsolation(tx, EXPECTED)).filter((p) => !p.startsWith("the login role `") || p.includes(suffix));
      throw done;
    });
  } catch (error) {
    if (error !== done) throw error;
  }
  return problems;
}

const WRITTEN = `USING (${TENANT_EXPRESSION})`;
const FIX = "recreate it as the migrations write it (`paybillc build` writes a migration that replaces an older text of it)";

for (const open of [pgliteDatabase, postgresDatabase]) {
  describe(`the isolation audit on ${open === pgliteDatabase ? "PGlite" : "PostgreSQL"}`, () => {
    let database: TestDatabase | undefined;
    let client: Client;
    beforeAll(async () => {
      database = await open();
      if (database === undefined) return;
      client = await database.connect();
      const read = await readMigrations(`${HELPDESK}/migrations`, { snapshot: false });
      if (!read.ok) throw new Error(read.problem);
      await applyRuntimeTables(client);
      await applyMigrations(client, read.folder.migrations);
    });
    afterAll(async () => {
      await database?.drop();
    });

    it("finds nothing wrong in a database as the migrations left it", async (ctx) => {
      if (database === undefined) return ctx.skip();
      expect(await auditAfter(client, "")).toEqual([]);
    });

    it("audits the runtime's own tables: every one listed is there, and clean", async (ctx) => {
      if (database === undefined) return ctx.skip();
      expect(runtimeExpectations.map((e) => e.table)).toEqual(expect.arrayContaining(["paybill_audit", "paybill_approvals", "paybill_runs", "paybill_run_history", "paybill_tenants", "paybill_bundles"]));
      // The clean audit above covers them: a table missing or a policy reported otherwise would be a line.
      const dropped = await auditAfter(client, "drop policy paybill_tenant_isolation on paybill_run_history");
      expect(dropped).toEqual(["table `paybill_run_history` has no `paybill_tenant_isolation` policy"]);
    });

    it("names a runtime table whose tenant policy was replaced by USING (true)", async (ctx) => {
      if (database === undefined) return ctx.skip();
      const problems = await auditAfter(
        client,
        "drop policy paybill_tenant_isolation on paybill_audit; create policy paybill_tenant_isolation on paybill_audit for all to paybill_runtime using (true)",
      );
      const bound = "tenant_id = nullif(current_setting('paybill.tenant', true), '')";
      const fix = `recreate it as the runtime's migrations write it: \`drop policy paybill_tenant_isolation on paybill_audit; create policy paybill_tenant_isolation on paybill_audit for all to paybill_runtime using (${bound}) with check (${bound});\``;
      expect(problems).toEqual([
        `policy \`paybill_tenant_isolation\` on table \`paybill_audit\` reads \`USING (true)\` where the migrations write \`USING (${bound})\`: ${fix}`,
        `policy \`paybill_tenant_isolation\` on table \`paybill_audit\` checks \`WITH CHECK (true)\` where the migrations write \`WITH CHECK (${bound})\`: ${fix}`,
      ]);
    });

    it("names another permissive policy on a runtime table", async (ctx) => {
      if (database === undefined) return ctx.skip();
      const problems = await auditAfter(client, "create policy approvers_see_all on paybill_approvals for select to paybill_runtime using (true)");
      expect(problems).toEqual([
        "table `paybill_approvals` has another permissive policy `approvers_see_all` (SELECT TO paybill_runtime USING (true)): permissive policies add up, so it widens what a tenant may reach — drop it",
      ]);
    });

    it("names a runtime table whose row-level security is no longer forced", async (ctx) => {
      if (database === undefined) return ctx.skip();
      const problems = await auditAfter(client, "alter table paybill_runs no force row level security");
      expect(problems).toEqual(["table `paybill_runs` has row-level security enabled but not forced: its owner sees every tenant"]);
    });

    it("names a tenant policy whose expression was replaced, in USING or WITH CHECK", async (ctx) => {
      if (database === undefined) return ctx.skip();
      const replaced = await auditAfter(client, "drop policy paybill_tenant_isolation on tickets; create policy paybill_tenant_isolation on tickets using (true) with check (true)");
      expect(replaced).toEqual([
        `policy \`paybill_tenant_isolation\` on table \`tickets\` reads \`USING (true)\` where the migrations write \`${WRITTEN}\`: ${FIX}`,
        `policy \`paybill_tenant_isolation\` on table \`tickets\` checks \`WITH CHECK (true)\` where the migrations write \`WITH CHECK (${TENANT_EXPRESSION})\`: ${FIX}`,
      ]);
      // The text before `nullif`: it lets the empty-string tenant in.
      const older = await auditAfter(
        client,
        "alter policy paybill_tenant_isolation on reply using (tenant_id = current_setting('paybill.tenant', true)) with check (tenant_id = current_setting('paybill.tenant', true))",
      );
      expect(older).toHaveLength(2);
      expect(older[0]).toMatch(/^policy `paybill_tenant_isolation` on table `reply` reads `USING \(\(tenant_id = current_setting\('paybill\.tenant'::text, true\)\)\)` where/);
      // Only the check widened: a tenant may write rows it cannot read back.
      const check = await auditAfter(client, "alter policy paybill_tenant_isolation on customer with check (tenant_id is not null)");
      expect(check).toEqual([
        `policy \`paybill_tenant_isolation\` on table \`customer\` checks \`WITH CHECK ((tenant_id IS NOT NULL))\` where the migrations write \`WITH CHECK (${TENANT_EXPRESSION})\`: ${FIX}`,
      ]);
    });

    it("names a tenant policy for other commands, other roles, or made restrictive", async (ctx) => {
      if (database === undefined) return ctx.skip();
      const role = `paybill_audit_other_${suffix}`;
      const another = `paybill_audit_another_${suffix}`;
      const problems = await auditAfter(
        client,
        `create role ${role} nologin; create role ${another} nologin;
         drop policy paybill_tenant_isolation on refund;
         create policy paybill_tenant_isolation on refund as restrictive for select to ${role}, ${another} using (${TENANT_EXPRESSION})`,
      );
      expect(problems).toEqual([
        `policy \`paybill_tenant_isolation\` on table \`refund\` is restrictive where the migrations make it permissive: ${FIX}`,
        `policy \`paybill_tenant_isolation\` on table \`refund\` applies to \`SELECT\` where the migrations make it apply to \`ALL\`: ${FIX}`,
        `policy \`paybill_tenant_isolation\` on table \`refund\` is for \`${another}, ${role}\` where the migrations make it for \`public\`: ${FIX}`,
      ]);
    });

    it("names a missing tenant policy and any other permissive policy, but not a restrictive one", async (ctx) => {
      if (database === undefined) return ctx.skip();
      const problems = await auditAfter(
        client,
        `drop policy paybill_tenant_isolation on reply;
         create policy support_reads_all on tickets for select using (true);
         create policy only_open on tickets as restrictive for select using (true)`,
      );
      expect(problems).toEqual([
        "table `reply` has no `paybill_tenant_isolation` policy",
        "table `tickets` has another permissive policy `support_reads_all` (SELECT TO public USING (true)): permissive policies add up, so it widens what a tenant may reach — drop it",
      ]);
    });

    it("names a superuser or BYPASSRLS login role that is a member of the runtime role, directly or through another role", async (ctx) => {
      if (database === undefined) return ctx.skip();
      const name = (n: string): string => `paybill_audit_${n}_${suffix}`;
      const [admin, bypass, group, harmless] = [name("admin"), name("bypass"), name("group"), name("harmless")];
      const problems = await auditAfter(
        client,
        `create role ${admin} login superuser; grant paybill_runtime to ${admin};
         create role ${group} nologin; grant paybill_runtime to ${group};
         create role ${bypass} login bypassrls; grant ${group} to ${bypass};
         create role ${harmless} login; grant paybill_runtime to ${harmless}`,
      );
      const line = (name: string, what: string): string =>
        `the login role \`${name}\` is ${what} and a member of \`paybill_runtime\`: a runtime connecting as it is not held by row-level security — revoke \`paybill_runtime\` from \`${name}\` and connect the runtime with a role that is neither`;
      expect(problems).toEqual([line(admin, "a superuser"), line(bypass, "BYPASSRLS")]);
    });

    it("names a view over a tenant table without security_invoker, directly or through another view, and a materialized view", async (ctx) => {
      if (database === undefined) return ctx.skip();
      const problems = await auditAfter(
        client,
        `create view open_tickets as select * from tickets;
         create view safe_tickets with (security_invoker = true) as select * from tickets;
         create view through_safe as select * from safe_tickets;
         create view unrelated as select 1 as one;
         create schema reports; create view reports.all_replies as select r.* from reply r join customer c on c.tenant_id = r.tenant_id;
         create materialized view refund_totals as select tenant_id, count(*) from refund group by tenant_id`,
      );
      const view = (name: string, table: string): string =>
        `view \`${name}\` reads table \`${table}\` with its owner's rights (no \`security_invoker\`): whoever may select from it sees every tenant's rows — recreate it \`WITH (security_invoker = true)\` or drop it`;
      expect(problems).toEqual([
        view("open_tickets", "tickets"),
        "materialized view `refund_totals` holds rows of table `refund` with no row-level security: every tenant's rows its readers may see — drop it",
        view("through_safe", "tickets"),
        view("reports.all_replies", "customer"),
      ]);
    });
  });
}

describe("policy expressions compared", () => {
  it("takes PostgreSQL's text of the tenant expression for the one the migrations write", () => {
    const deparsed = "(tenant_id = NULLIF(current_setting('paybill.tenant'::text, true), ''::text))";
    expect(sameExpression(deparsed, TENANT_EXPRESSION)).toBe(true);
    expect(normalisedExpression(deparsed)).toBe("tenant_id=nullif(current_setting('paybill.tenant',true),'')");
  });

  it("takes PostgreSQL's text of the runtime's subquery policy for the one its migration writes, on that table only", () => {
    const deparsed = "(EXISTS ( SELECT 1\n   FROM paybill_runs r\n  WHERE (r.id = paybill_run_history.run_id)))";
    const written = "exists (select 1 from paybill_runs r where r.id = run_id)";
    expect(sameExpression(deparsed, written, "paybill_run_history")).toBe(true);
    expect(sameExpression(deparsed, written, "paybill_runs")).toBe(false);
    expect(sameExpression(deparsed, written)).toBe(false);
    // Parentheses that hold only part of a condition stay.
    expect(sameExpression("exists (select 1 from t where (a) or b)", "exists (select 1 from t where a or b)")).toBe(false);
    expect(sameExpression("exists (select 1 from t where (a or b))", "exists (select 1 from t where a or b)")).toBe(true);
    expect(sameExpression("x = 'where (a)'", "x = 'where a'")).toBe(false);
  });

  it("keeps literals, quoted names and words apart", () => {
    expect(sameExpression("tenant_id = 'acme'", "tenant_id = 'ACME'")).toBe(false);
    expect(sameExpression('"Tenant_id" = x', "tenant_id = x")).toBe(false);
    expect(sameExpression("a or b", "aor b")).toBe(false);
    expect(sameExpression("(a) = (b)", "a = b")).toBe(false);
    expect(sameExpression("true", "(true)")).toBe(true);
  });

  it("is unchanged by case outside literals, whitespace, ::text and wrapping parentheses (property)", () => {
    const word = fc.constantFrom("tenant_id", "nullif", "current_setting", "true", "x");
    const literal = fc.string({ maxLength: 6 }).map((s) => `'${s.replaceAll("'", "''")}'`);
    const expression = fc.array(fc.oneof(word, literal, fc.constantFrom("=", ",", " and ", "f(x)")), { minLength: 1, maxLength: 12 }).map((parts) => parts.join(" "));
    fc.assert(
      fc.property(expression, fc.boolean(), (text, upper) => {
        const variant = `(${text
          .split(/('(?:[^']|'')*')/)
          .map((part, i) => (i % 2 === 1 ? `${part}::text` : upper ? part.toUpperCase() : part.replaceAll(" ", "  ")))
          .join("")})`;
        expect(normalisedExpression(variant)).toBe(normalisedExpression(text));
      }),
    );
  });
});
