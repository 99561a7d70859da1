/**
 * The store: opening a database (PGlite in memory by default, PostgreSQL by URL), the
 * runtime's migrations (versioned, idempotent, one transaction, refused when newer), and
 * the entity tables helper.
 */
import { PGlite } from "@electric-sql/pglite";
import { describe, expect, it } from "vitest";
import { BundleError } from "../src/bundle/load.js";
import { openRuntime } from "../src/runtime.js";
import { entityTablesSql } from "../src/store/entity-tables.js";
import { PaybillRuntimeError } from "../src/store/errors.js";
import { migrate } from "../src/store/migrate.js";
import { LATEST_VERSION, MIGRATIONS } from "../src/store/migrations.js";
import { openDatabase } from "../src/store/open-database.js";
import { BACKENDS, sharedTestRuntime, PG_URL, testSchema } from "./support/store-db.js";
import { storeBundle } from "./support/store-bundle.js";

const RUNTIME_TABLES = [
  "paybill_agent_tokens",
  "paybill_approvals",
  "paybill_audit",
  "paybill_audit_heads",
  "paybill_billing_events",
  "paybill_bundles",
  "paybill_data_moves",
  "paybill_migrations",
  "paybill_performances",
  "paybill_provisioning_steps",
  "paybill_quota_counters",
  "paybill_run_history",
  "paybill_runs",
  "paybill_tenant_transitions",
  "paybill_tenants",
  "paybill_total_counters",
  "paybill_untrusted",
  "paybill_usage",
];

describe.each(BACKENDS)("store on %s", (backend) => {
  const t = sharedTestRuntime(backend, "store");

  const currentSchema = async (): Promise<string> => {
    const [row] = await t.admin.query<{ s: string }>("select current_schema() as s");
    return `"${row?.s ?? "public"}"`;
  };
  const tables = async (): Promise<string[]> =>
    (await t.admin.query<{ name: string }>("select table_name as name from information_schema.tables where table_schema = current_schema() order by 1")).map((r) => r.name);

  it("migrates the runtime's tables on open, at the latest version", async () => {
    expect((await tables()).filter((n) => n.startsWith("paybill_"))).toEqual(RUNTIME_TABLES);
    const versions = await t.admin.query<{ version: number }>("select version from paybill_migrations order by version");
    expect(versions.map((v) => Number(v.version))).toEqual(MIGRATIONS.map((m) => m.version));
    expect(Math.max(...versions.map((v) => Number(v.version)))).toBe(LATEST_VERSION);
  });

  it("migrating again changes nothing", async () => {
    const before = await tables();
    const again = await migrate(t.admin);
    expect(again).toEqual({ applied: [], version: LATEST_VERSION });
    expect(await tables()).toEqual(before);
    expect(await t.admin.query("select version from paybill_migrations")).toHaveLength(MIGRATIONS.length);
  });

  it("applies only the migrations a database lacks, in order, in one transaction", async () => {
    const extra = [
      { version: LATEST_VERSION + 2, name: "second", sql: "create table paybill_test_second (id int)" },
      { version: LATEST_VERSION + 1, name: "first", sql: "create table paybill_test_first (id int)" },
    ];
    const result = await migrate(t.admin, [{ version: LATEST_VERSION, name: "runtime tables", sql: "select 1" }, ...extra]);
    expect(result.applied).toEqual([LATEST_VERSION + 1, LATEST_VERSION + 2]);
    // A failing migration rolls back the ones before it in the same call.
    const failing = [
      { version: LATEST_VERSION + 3, name: "fine", sql: "create table paybill_test_third (id int)" },
      { version: LATEST_VERSION + 4, name: "broken", sql: "create table paybill_test_first (id int)" },
    ];
    const error = await migrate(t.admin, failing).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PaybillRuntimeError);
    expect((error as PaybillRuntimeError).code).toBe("PBR103");
    expect((error as PaybillRuntimeError).message).toMatch(new RegExp(`^runtime migration ${LATEST_VERSION + 4} \\(\`broken\`\\) failed`));
    expect(await tables()).not.toContain("paybill_test_third");
    // Now the database is newer than the runtime: refused.
    const newer = await migrate(t.admin).catch((e: unknown) => e);
    expect((newer as PaybillRuntimeError).code).toBe("PBR102");
    await t.admin.exec(
      `delete from paybill_migrations where version > ${LATEST_VERSION}; drop table paybill_test_first; drop table paybill_test_second`,
    );
    expect((await migrate(t.admin)).applied).toEqual([]);
  });

  it("creates entity tables idempotently, keyed by tenant and @id", async () => {
    await t.admin.exec(entityTablesSql(t.runtime.bundle));
    const columns = await t.admin.query<{ column_name: string; data_type: string; is_nullable: string }>(
      "select column_name, data_type, is_nullable from information_schema.columns where table_schema = current_schema() and table_name = 'tickets' order by ordinal_position",
    );
    expect(columns.map((c) => [c.column_name, c.data_type, c.is_nullable])).toEqual([
      ["tenant_id", "text", "NO"],
      ["id", "uuid", "NO"],
      ["customer", "text", "NO"],
      ["email", "text", "NO"],
      ["status", "text", "NO"],
      ["amount", "numeric", "NO"],
    ]);
    const [pk] = await t.admin.query<{ def: string }>(
      "select pg_get_constraintdef(oid) as def from pg_constraint where conrelid = 'tickets'::regclass and contype = 'p'",
    );
    expect(pk?.def).toBe("PRIMARY KEY (tenant_id, id)");
    const [rls] = await t.admin.query<{ relrowsecurity: boolean; relforcerowsecurity: boolean }>(
      "select relrowsecurity, relforcerowsecurity from pg_class where oid = 'tickets'::regclass",
    );
    expect(rls).toEqual({ relrowsecurity: true, relforcerowsecurity: true });
  });

  it("entity tables enforce the bound tenant on a role that is neither owner nor superuser", async () => {
    const db = t.admin;
    await db.exec(`
      do $$ begin
        if not exists (select from pg_roles where rolname = 'paybill_test_agent') then create role paybill_test_agent nologin; end if;
      end $$;
      grant usage on schema ${await currentSchema()} to paybill_test_agent;
      grant select, insert on tickets to paybill_test_agent;
    `);
    const a = "rls_a";
    const b = "rls_b";
    await db.query("insert into tickets (tenant_id, id, customer, email, status, amount) values ($1, gen_random_uuid(), 'x', 'x', 'open', 1), ($2, gen_random_uuid(), 'y', 'y', 'open', 2)", [a, b]);
    const seen = await db.transaction(async (tx) => {
      await tx.query("select set_config('paybill.tenant', $1, true)", [a]);
      await tx.query("set local role paybill_test_agent");
      const rows = await tx.query<{ tenant_id: string }>("select tenant_id from tickets where tenant_id in ($1, $2)", [a, b]);
      await tx.query("savepoint before_insert");
      const denied = await tx.query("insert into tickets (tenant_id, id, customer, email, status, amount) values ($1, gen_random_uuid(), 'z', 'z', 'open', 3)", [b]).then(
        () => "inserted",
        (e: unknown) => (e as { code?: string }).code,
      );
      await tx.query("rollback to savepoint before_insert");
      return { rows: rows.map((r) => r.tenant_id), denied };
    });
    expect(seen).toEqual({ rows: [a], denied: "42501" });
  });

  it("a transaction whose statement failed never reports success, even when the body caught the error", async () => {
    const db = t.admin;
    await db.exec("create table if not exists adapter_probe (id int primary key)");
    const outcome = await db
      .transaction(async (tx) => {
        await tx.query("insert into adapter_probe values (1)");
        await tx.query("insert into adapter_probe values (1)").catch(() => undefined);
        return "committed";
      })
      .catch(() => "refused");
    expect(outcome).toBe("refused");
    expect(await db.query("select id from adapter_probe")).toEqual([]);
    await db.exec("drop table adapter_probe");
  });

  it("keeps static tenants from the bundle in the registry", async () => {
    expect(await t.runtime.tenants.get("acme")).toMatchObject({ id: "acme", plan: "business", state: "active", region: "eu-west-1", static: true });
    expect(await t.runtime.tenants.get("acme")).not.toHaveProperty("pendingPlan");
    expect(await t.runtime.tenants.get("nobody")).toBeUndefined();
  });
});

describe("opening", () => {
  it("refuses a bundle whose hash is wrong before touching a database", async () => {
    const bundle = { ...storeBundle(), hash: `sha256:${"0".repeat(64)}` };
    const error = await openRuntime({ bundle, database: { url: "postgres://nobody@127.0.0.1:1/none" } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BundleError);
    expect((error as BundleError).code).toBe("PBR005");
  });

  it("refuses a database option it cannot use, with a code and a help line", async () => {
    const bad = await openDatabase({ url: "mysql://x" }).catch((e: unknown) => e);
    expect(bad).toMatchObject({ code: "PBR101", message: "`mysql://x` is not a PostgreSQL URL" });
    expect((bad as PaybillRuntimeError).help).toMatch(/postgres:\/\//);
    const schema = await openDatabase({ schema: "Robert'); drop table x; --" }).catch((e: unknown) => e);
    expect(schema).toMatchObject({ code: "PBR101" });
  });

  it("runs on a PGlite instance the caller owns, and leaves it open", async () => {
    const pglite = await PGlite.create();
    const runtime = await openRuntime({ bundle: storeBundle(), database: { pglite, schema: "mine" } });
    await runtime.close();
    const [row] = (await pglite.query<{ n: number }>("select count(*)::int as n from mine.paybill_tenants")).rows;
    expect(row?.n).toBe(3);
    await pglite.close();
  });

  it.runIf(PG_URL !== undefined && PG_URL !== "")("opens twice at once on one PostgreSQL schema without a race", async () => {
    const schema = testSchema("store_race");
    const url = PG_URL as string;
    const opened = await Promise.allSettled([
      openRuntime({ bundle: storeBundle(), database: { url, schema, privileged: true } }),
      openRuntime({ bundle: storeBundle(), database: { url, schema, privileged: true } }),
    ]);
    const runtimes = opened.flatMap((o) => (o.status === "fulfilled" ? [o.value] : []));
    try {
      expect(opened.map((o) => o.status)).toEqual(["fulfilled", "fulfilled"]);
      expect(await runtimes[0]?.database.query("select version from paybill_migrations")).toHaveLength(MIGRATIONS.length);
    } finally {
      const cleanup = await openDatabase({ url });
      await cleanup.exec(`drop schema if exists "${schema}" cascade`);
      await cleanup.close();
      for (const r of runtimes) await r.close();
    }
  });
});
