/**
 * Tenant isolation that the database enforces, on PGlite always and on PostgreSQL when
 * PAYBILL_TEST_DATABASE_URL is set: the helpdesk example's initial migration is applied,
 * then the catalogue is audited (row-level security enabled and forced on every entity
 * table, the tenant policy on each, the runtime role neither owner, superuser nor
 * BYPASSRLS) and, acting as the runtime role, tenant A cannot read, insert into, update or
 * delete tenant B's rows, and with no tenant bound — or the empty string bound — nothing is
 * visible and nothing can be written.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applyMigrations } from "../src/emit/db/apply.js";
import type { Client, Tx } from "../src/emit/db/client.js";
import { planMigration } from "../src/emit/db/migration.js";
import { POLICY, RUNTIME_ROLE } from "../src/emit/db/security.js";
import { pgliteDatabase, postgresDatabase, type TestDatabase, tablesOf } from "./db-support.js";
import { HELPDESK, sourcesIn } from "./support/bundle.js";

const { tables } = tablesOf(sourcesIn(HELPDESK));
const TABLES = tables.map((t) => t.name);

async function initialMigration() {
  const plan = await planMigration({ migrations: [], snapshot: undefined }, tables, false);
  if (plan.kind !== "new") throw new Error("expected a migration");
  return { id: plan.id, number: 0, file: `${plan.id}.sql`, text: plan.sql };
}

/** Runs `body` as the runtime role, with `tenant` bound as the runtime binds it (or none), in one transaction rolled back at the end. */
async function asRuntime<T>(client: Client, tenant: string | undefined, body: (tx: Tx) => Promise<T>): Promise<T> {
  let result: T | undefined;
  const done = Symbol("rollback");
  try {
    await client.transaction(async (tx) => {
      await tx.exec(`set local role ${RUNTIME_ROLE}`);
      if (tenant !== undefined) await tx.query("select set_config('paybill.tenant', $1, true)", [tenant]);
      result = await body(tx);
      throw done;
    });
  } catch (error) {
    if (error !== done) throw error;
  }
  return result as T;
}

/** As asRuntime, but the body's error is the result (the transaction is gone after it). */
async function failureAsRuntime(client: Client, tenant: string | undefined, body: (tx: Tx) => Promise<unknown>): Promise<string> {
  try {
    await asRuntime(client, tenant, body);
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
  return "no error";
}

const CUSTOMER_A = "00000000-0000-4000-8000-00000000000a";
const CUSTOMER_B = "00000000-0000-4000-8000-00000000000b";
const CUSTOMER_EMPTY = "00000000-0000-4000-8000-00000000000e";

for (const open of [pgliteDatabase, postgresDatabase]) {
  describe(`tenant isolation on ${open === pgliteDatabase ? "PGlite" : "PostgreSQL"}`, () => {
    let database: TestDatabase | undefined;
    let client: Client;
    beforeAll(async () => {
      database = await open();
      if (database === undefined) return;
      client = await database.connect();
      await applyMigrations(client, [await initialMigration()]);
      // Each tenant writes its own customer, through the runtime role.
      for (const [tenant, id] of [["acme", CUSTOMER_A], ["globex", CUSTOMER_B]] as const) {
        await client.transaction(async (tx) => {
          await tx.exec(`set local role ${RUNTIME_ROLE}`);
          await tx.query("select set_config('paybill.tenant', $1, true)", [tenant]);
          await tx.query("insert into customer (tenant_id, id, name, email) values ($1, $2, $3, $4)", [tenant, id, `${tenant} buyer`, `buyer@${tenant}.test`]);
        });
      }
    });
    afterAll(async () => {
      await database?.drop();
    });

    it("has row-level security enabled and forced, and the tenant policy, on every entity table", async (ctx) => {
      if (database === undefined) return ctx.skip();
      const rows = await client.query<{ relname: string; relrowsecurity: boolean; relforcerowsecurity: boolean; owner: string }>(
        `select c.relname, c.relrowsecurity, c.relforcerowsecurity, pg_get_userbyid(c.relowner) as owner
           from pg_class c where c.relkind = 'r' and c.relnamespace = current_schema()::regnamespace and c.relname <> 'paybill_schema_migrations' order by c.relname`,
      );
      expect(rows.map((r) => r.relname)).toEqual([...TABLES].sort());
      for (const row of rows) {
        expect(row, row.relname).toMatchObject({ relrowsecurity: true, relforcerowsecurity: true });
        expect(row.owner).not.toBe(RUNTIME_ROLE);
      }
      const policies = await client.query<{ tablename: string; policyname: string; cmd: string; qual: string; with_check: string }>(
        "select tablename, policyname, cmd, qual, with_check from pg_policies where schemaname = current_schema() order by tablename",
      );
      expect(policies.map((p) => p.tablename)).toEqual([...TABLES].sort());
      for (const policy of policies) {
        expect(policy).toMatchObject({ policyname: POLICY, cmd: "ALL" });
        expect(policy.qual).toContain("current_setting('paybill.tenant'::text, true)");
        expect(policy.with_check).toContain("current_setting('paybill.tenant'::text, true)");
      }
    });

    it("gives the runtime role no superuser, no BYPASSRLS, and no ownership", async (ctx) => {
      if (database === undefined) return ctx.skip();
      const [role] = await client.query<{ rolsuper: boolean; rolbypassrls: boolean; rolcanlogin: boolean }>(
        "select rolsuper, rolbypassrls, rolcanlogin from pg_roles where rolname = $1",
        [RUNTIME_ROLE],
      );
      expect(role).toEqual({ rolsuper: false, rolbypassrls: false, rolcanlogin: false });
      const owned = await client.query("select 1 from pg_class where relowner = (select oid from pg_roles where rolname = $1)", [RUNTIME_ROLE]);
      expect(owned).toEqual([]);
      // Nor is it a member of a role that would lend it these.
      const lent = await client.query(
        "select r.rolname from pg_roles r where pg_has_role($1, r.oid, 'member') and r.rolname <> $1 and (r.rolsuper or r.rolbypassrls)",
        [RUNTIME_ROLE],
      );
      expect(lent).toEqual([]);
    });

    it("shows a tenant only its own rows", async (ctx) => {
      if (database === undefined) return ctx.skip();
      const seen = await asRuntime(client, "acme", (tx) => tx.query<{ tenant_id: string }>("select tenant_id from customer"));
      expect(seen).toEqual([{ tenant_id: "acme" }]);
      const asked = await asRuntime(client, "acme", (tx) => tx.query("select * from customer where tenant_id = 'globex' or id = $1", [CUSTOMER_B]));
      expect(asked).toEqual([]);
    });

    it("refuses a tenant inserting a row for another", async (ctx) => {
      if (database === undefined) return ctx.skip();
      const message = await failureAsRuntime(client, "acme", (tx) =>
        tx.query("insert into customer (tenant_id, name, email) values ('globex', 'intruder', 'x@globex.test')"),
      );
      expect(message).toMatch(/row-level security/);
    });

    it("lets a tenant update or delete none of another's rows, nor move its own to another tenant", async (ctx) => {
      if (database === undefined) return ctx.skip();
      const updated = await asRuntime(client, "acme", (tx) => tx.query("update customer set name = 'taken' where id = $1 returning id", [CUSTOMER_B]));
      expect(updated).toEqual([]);
      const deleted = await asRuntime(client, "acme", (tx) => tx.query("delete from customer where tenant_id = 'globex' returning id"));
      expect(deleted).toEqual([]);
      const moved = await failureAsRuntime(client, "acme", (tx) => tx.query("update customer set tenant_id = 'globex' where id = $1", [CUSTOMER_A]));
      expect(moved).toMatch(/row-level security/);
      // Globex's row is as it was.
      const [row] = await asRuntime(client, "globex", (tx) => tx.query<{ name: string }>("select name from customer where id = $1", [CUSTOMER_B]));
      expect(row).toEqual({ name: "globex buyer" });
    });

    it("shows nothing, and accepts nothing, with no tenant bound", async (ctx) => {
      if (database === undefined) return ctx.skip();
      for (const table of TABLES) {
        const rows = await asRuntime(client, undefined, (tx) => tx.query(`select count(*)::int as n from "${table}"`));
        expect(rows, table).toEqual([{ n: 0 }]);
      }
      const message = await failureAsRuntime(client, undefined, (tx) => tx.query("insert into customer (tenant_id, name, email) values ('acme', 'x', 'y@acme.test')"));
      expect(message).toMatch(/row-level security/);
      // An empty binding (what a session keeps after a bound transaction ends) matches no row either.
      const empty = await asRuntime(client, "", (tx) => tx.query("select count(*)::int as n from customer"));
      expect(empty).toEqual([{ n: 0 }]);
    });

    it("lets the empty-string tenant neither read nor write: bound to `''`, no row matches", async (ctx) => {
      if (database === undefined) return ctx.skip();
      // A row with an empty tenant, written by an administrator past the policy.
      await client.query("insert into customer (tenant_id, id, name, email) values ('', $1, 'nobody', 'nobody@example.test')", [CUSTOMER_EMPTY]);
      try {
        const seen = await asRuntime(client, "", (tx) => tx.query("select id from customer"));
        expect(seen).toEqual([]);
        const updated = await asRuntime(client, "", (tx) => tx.query("update customer set name = 'taken' returning id"));
        expect(updated).toEqual([]);
        const inserted = await failureAsRuntime(client, "", (tx) => tx.query("insert into customer (tenant_id, name, email) values ('', 'x', 'x@example.test')"));
        expect(inserted).toMatch(/row-level security/);
      } finally {
        await client.query("delete from customer where tenant_id = ''");
      }
    });

    it("lets the runtime role do nothing else: no DDL, no access to the migrations record", async (ctx) => {
      if (database === undefined) return ctx.skip();
      expect(await failureAsRuntime(client, "acme", (tx) => tx.exec("alter table customer disable row level security"))).toMatch(/owner|permission/);
      expect(await failureAsRuntime(client, "acme", (tx) => tx.query("select * from paybill_schema_migrations"))).toMatch(/permission/);
    });
  });
}
