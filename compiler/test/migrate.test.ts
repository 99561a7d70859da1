/**
 * `paybillc migrate`, run as a subprocess: it applies the helpdesk example's migrations to
 * the default PGlite data directory and to PostgreSQL (when PAYBILL_TEST_DATABASE_URL is
 * set), a rerun applies nothing, a migration that fails part-way — or whose process is
 * killed part-way — leaves nothing of itself, an edited migration is refused, and the same
 * migrations apply to a schema per tenant (bridge) and a database per tenant (silo). The
 * isolation audit's tests run the command in process (`migrateHere`) against databases an
 * administrator changed by hand. Runs of the command past the first of a kind (each exit
 * status is held by a spawned run) are made in process, and the tests that start from a
 * migrated PGlite database copy one migrated once.
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { cp, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { PGlite } from "@electric-sql/pglite";
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import { RUNTIME_SCHEMA_VERSION } from "@paybill/runtime";
import type { Client } from "../src/emit/db/client.js";
import { postgresDatabase, type TestDatabase } from "./db-support.js";
import { HELPDESK } from "./support/bundle.js";
import { migrateHere, problemLines } from "./support/migrate-here.js";
import { BIN, paybillc, project, STACK_LINE } from "./support/cli.js";
import { paybillcHere } from "./support/in-process.js";

/** The runtime's own tables (`paybill_*` but the project migrations' record), which `migrate` creates too. */
const RUNTIME_TABLE = /^paybill_(?!schema_migrations$)/;

/** A project holding only the helpdesk example's migrations (migrate reads nothing else). */
async function migrationsProject(): Promise<string> {
  const dir = await project();
  await cp(join(HELPDESK, "migrations"), join(dir, "migrations"), { recursive: true });
  return dir;
}

/**
 * A project whose default data directory has the helpdesk migrations applied: a copy of one
 * migrated once per file (creating and migrating a PGlite database is the slow part).
 */
let migrated = "";
beforeAll(async () => {
  migrated = await mkdtemp(join(tmpdir(), "paybill-migrated-"));
  await cp(join(HELPDESK, "migrations"), join(migrated, "migrations"), { recursive: true });
  const run = await migrateHere(migrated);
  expect(run.code, run.stderr).toBe(0);
}, 300_000);
afterAll(async () => {
  if (migrated !== "") await rm(migrated, { recursive: true, force: true });
});
async function migratedProject(): Promise<string> {
  const dir = await migrationsProject();
  await cp(join(migrated, ".paybill"), join(dir, ".paybill"), { recursive: true });
  return dir;
}

const FAILING = `-- 0002_update: a migration that fails at its second statement
CREATE TABLE "half_done" ("tenant_id" text NOT NULL);
--> statement-breakpoint
INSERT INTO "no_such_table" VALUES (1);
`;

describe("paybillc migrate on PGlite (the default data directory)", () => {
  it("applies, then applies nothing; a failure part-way leaves nothing of that migration; an edited one is refused", async () => {
    const dir = await migrationsProject();
    const first = await paybillc(["migrate"], dir);
    expect(first.stderr).toBe(`migrate: applied the runtime's tables (version ${RUNTIME_SCHEMA_VERSION}) to .paybill/db\nmigrate: applied 0000_init, 0001_update to .paybill/db (0 already applied)\n`);
    expect(first.code).toBe(0);
    // In process from here on but the failure: the spawned runs above and below hold the binary's exit status and stderr.
    const again = await migrateHere(dir, { format: "json" });
    expect(JSON.parse(again.stdout)).toEqual({ database: ".paybill/db", runtime: { applied: [], version: RUNTIME_SCHEMA_VERSION }, applied: [], already: ["0000_init", "0001_update"] });
    await writeFile(join(dir, "migrations/0002_update.sql"), FAILING);
    const failed = await paybillc(["migrate"], dir);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/^error\[PB9105\]: migration `0002_update` failed at statement 2 of 2: relation "no_such_table" does not exist\n {2}= help: nothing of this migration was applied/);
    expect(failed.stderr).not.toMatch(STACK_LINE);
    // Had the table of statement 1 stayed, creating it again would fail.
    await writeFile(join(dir, "migrations/0002_update.sql"), `CREATE TABLE "half_done" ("tenant_id" text NOT NULL);\n`);
    const fixed = await migrateHere(dir);
    expect(fixed.stderr).toBe("migrate: applied 0002_update to .paybill/db (2 already applied)\n");
    await writeFile(join(dir, "migrations/0002_update.sql"), `CREATE TABLE "half_done" ("tenant_id" text);\n`);
    const edited = await migrateHere(dir);
    expect(edited.code).toBe(1);
    expect(edited.stderr).toBe(
      "error[PB9104]: migration `0002_update` was edited after it was applied to this database\n  = help: restore the file from version control; a change is a new migration (`paybillc build` writes it)\n",
    );
  }, 300_000);

  it("leaves nothing of a migration whose process is killed part-way", async () => {
    const dir = await migratedProject();
    // The migration says when it is inside its transaction by writing a file into the data
    // directory (PGlite's `/pglite/data`), then sleeps until it is killed.
    await writeFile(
      join(dir, "migrations/0002_update.sql"),
      `CREATE TABLE "killed" ("tenant_id" text NOT NULL);\n--> statement-breakpoint\nCOPY (SELECT 1) TO '/pglite/data/paybill-test-started';\n--> statement-breakpoint\nSELECT pg_sleep(600);\n`,
    );
    const child = spawn(process.execPath, [BIN, "migrate"], { cwd: dir, stdio: "ignore" });
    const exited = new Promise((resolve) => child.on("exit", resolve));
    onTestFinished(() => void (child.exitCode === null && child.kill("SIGKILL"))); // a test that failed first
    const marker = join(dir, ".paybill/db/paybill-test-started");
    // However long a loaded machine takes to get there: no deadline but the test's own.
    while (!existsSync(marker) && child.exitCode === null) await sleep(100);
    expect(existsSync(marker)).toBe(true);
    child.kill("SIGKILL");
    await exited;
    const db = await PGlite.create(join(dir, ".paybill/db"));
    try {
      expect((await db.query("select to_regclass('killed') as t")).rows).toEqual([{ t: null }]);
      expect((await db.query("select id from paybill_schema_migrations order by id")).rows).toEqual([{ id: "0000_init" }, { id: "0001_update" }]);
    } finally {
      await db.close();
    }
  }, 120_000);

  it("fails the audit, one line each, on policies that say something else, a superuser member of the runtime role, a view without security_invoker", async () => {
    const dir = await migratedProject();
    const db = await PGlite.create(join(dir, ".paybill/db"));
    try {
      await db.exec(`alter policy paybill_tenant_isolation on tickets using (true) with check (true);
        create policy support_reads_all on reply for select using (true);
        create role audit_admin login superuser; grant paybill_runtime to audit_admin;
        create view open_refunds as select * from refund`);
    } finally {
      await db.close();
    }
    const run = await migrateHere(dir);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^error\[PB9107\]: the isolation audit of \.paybill\/db failed:\n/);
    const lines = run.stderr.split("\n").filter((l) => l.startsWith("  - "));
    expect(lines.map((l) => l.replace(/:.*$/, ""))).toEqual([
      "  - the login role `audit_admin` is a superuser and a member of `paybill_runtime`",
      "  - table `reply` has another permissive policy `support_reads_all` (SELECT TO public USING (true))",
      "  - policy `paybill_tenant_isolation` on table `tickets` reads `USING (true)` where the migrations write `USING (\"tenant_id\" = nullif(current_setting('paybill.tenant', true), ''))`",
      "  - policy `paybill_tenant_isolation` on table `tickets` checks `WITH CHECK (true)` where the migrations write `WITH CHECK (\"tenant_id\" = nullif(current_setting('paybill.tenant', true), ''))`",
      "  - view `open_refunds` reads table `refund` with its owner's rights (no `security_invoker`)",
    ]);
    expect(run.stderr).not.toMatch(STACK_LINE);
    const fixed = await PGlite.create(join(dir, ".paybill/db"));
    try {
      await fixed.exec(`alter policy paybill_tenant_isolation on tickets using ("tenant_id" = nullif(current_setting('paybill.tenant', true), ''))
          with check ("tenant_id" = nullif(current_setting('paybill.tenant', true), ''));
        drop policy support_reads_all on reply; revoke paybill_runtime from audit_admin;
        alter view open_refunds set (security_invoker = true)`);
    } finally {
      await fixed.close();
    }
    expect((await migrateHere(dir)).code).toBe(0);
  }, 600_000);

  it("is a usage error for a URL of another kind, a bad schema name, or a missing project", async () => {
    const dir = await migrationsProject();
    const url = await paybillc(["migrate", "--database", "mysql://root:secret@db/x"], dir);
    expect([url.code, url.stderr]).toEqual([2, "error[PB9106]: `mysql://root:***@db/x` is not a PostgreSQL URL\n  = help: write `postgres://user:password@host:5432/database`, or a PGlite data directory\n"]);
    // The others in process: the run above holds the binary's exit status.
    const schema = await paybillcHere(["migrate", "--schema", "Tenant-A"], dir);
    expect(schema.code).toBe(2);
    expect(schema.stderr).toContain("`Tenant-A` is not a schema name");
    const empty = await project();
    const none = await paybillcHere(["migrate"], empty);
    expect([none.code, none.stderr]).toEqual([0, "migrate: no migrations in migrations, nothing to apply (`paybillc build` writes them for the project's entities)\n"]);
    expect(existsSync(join(empty, ".paybill"))).toBe(false);
    const missing = await paybillcHere(["migrate", "nowhere"], dir);
    expect([missing.code, missing.stderr]).toEqual([2, "paybillc: no such directory: nowhere\n"]);
  }, 300_000);
});

describe("paybillc migrate on PostgreSQL", () => {
  let database: TestDatabase | undefined;
  let client: Client;
  beforeAll(async () => {
    database = await postgresDatabase();
    if (database !== undefined) client = await database.connect();
  });
  afterAll(async () => {
    await database?.drop();
  });

  const tables = async (schema: string): Promise<string[]> =>
    (await client.query<{ t: string }>("select tablename as t from pg_tables where schemaname = $1 order by 1", [schema])).map((r) => r.t);
  const recorded = async (schema: string): Promise<string[]> =>
    (await client.query<{ id: string }>(`select id from "${schema}".paybill_schema_migrations order by id`)).map((r) => r.id);

  it("applies, reruns safely, and leaves nothing of a migration that fails part-way", async (ctx) => {
    if (database?.target === undefined) return ctx.skip();
    const dir = await migrationsProject();
    const url = database.target;
    expect((await paybillc(["migrate", "--database", url], dir)).code).toBe(0);
    expect((await tables("public")).filter((t) => !RUNTIME_TABLE.test(t))).toEqual(["customer", "paybill_schema_migrations", "refund", "reply", "tickets"]);
    expect(await tables("public")).toContain("paybill_audit");
    // In process from here on: the run above holds the binary's exit status on PostgreSQL.
    expect((await migrateHere(dir, { database: url })).stderr).toMatch(/is up to date \(2 migrations\)\n$/);
    await writeFile(join(dir, "migrations/0002_update.sql"), FAILING);
    const failed = await migrateHere(dir, { database: url });
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/^error\[PB9105\]: migration `0002_update` failed at statement 2 of 2/);
    expect(await tables("public")).not.toContain("half_done");
    expect(await recorded("public")).toEqual(["0000_init", "0001_update"]);
  }, 300_000);

  it("audits isolation after applying: a table whose security was turned off by hand fails the run", async (ctx) => {
    if (database?.target === undefined) return ctx.skip();
    const dir = await migrationsProject();
    const options = { database: database.target, schema: "audited" };
    expect((await migrateHere(dir, options)).code).toBe(0);
    await client.exec("alter table audited.tickets no force row level security; alter table audited.reply disable row level security");
    const run = await migrateHere(dir, options);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("error[PB9107]: the isolation audit of ");
    expect(run.stderr).toContain(
      "  - table `reply` has row-level security disabled\n  - table `tickets` has row-level security enabled but not forced: its owner sees every tenant\n",
    );
    await client.exec("alter table audited.tickets force row level security; alter table audited.reply enable row level security");
    expect((await migrateHere(dir, options)).code).toBe(0);
  }, 300_000);

  it("fails the audit when a policy says something else, another permissive policy exists, or a view runs with its owner's rights", async (ctx) => {
    if (database?.target === undefined) return ctx.skip();
    const dir = await migrationsProject();
    const options = { database: database.target, schema: "says" };
    expect(problemLines((await migrateHere(dir, options)).stderr)).toEqual([]);
    await client.exec(`alter policy paybill_tenant_isolation on says.customer using (true);
      create policy everyone on says.tickets using (tenant_id is not null);
      create view public.says_replies as select * from says.reply`);
    const run = await migrateHere(dir, options);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("error[PB9107]: the isolation audit of ");
    expect(problemLines(run.stderr).map((l) => l.replace(/:.*$/, ""))).toEqual([
      "  - policy `paybill_tenant_isolation` on table `customer` reads `USING (true)` where the migrations write `USING (\"tenant_id\" = nullif(current_setting('paybill.tenant', true), ''))`",
      "  - table `tickets` has another permissive policy `everyone` (ALL TO public USING ((tenant_id IS NOT NULL)))",
      "  - view `public.says_replies` reads table `reply` with its owner's rights (no `security_invoker`)",
    ]);
    await client.exec(`alter policy paybill_tenant_isolation on says.customer using ("tenant_id" = nullif(current_setting('paybill.tenant', true), ''));
      drop policy everyone on says.tickets; drop view public.says_replies`);
    expect(problemLines((await migrateHere(dir, options)).stderr)).toEqual([]);
  });

  it("takes turns when two runs migrate the same schema at once: each migration applied once", async (ctx) => {
    if (database?.target === undefined) return ctx.skip();
    const dir = await migrationsProject();
    const args = ["migrate", "--database", database.target, "--schema", "raced", "--format", "json"];
    const runs = await Promise.all([paybillc(args, dir), paybillc(args, dir)]);
    expect(runs.map((r) => r.code)).toEqual([0, 0]);
    const applied = runs.flatMap((r) => (JSON.parse(r.stdout) as { applied: string[] }).applied);
    // Which run applies which migration depends on who takes the lock first; each is applied once.
    expect([...applied].sort()).toEqual(["0000_init", "0001_update"]);
    expect(await recorded("raced")).toEqual(["0000_init", "0001_update"]);
  }, 300_000);

  it("leaves nothing of a migration whose process is killed part-way", async (ctx) => {
    if (database?.target === undefined) return ctx.skip();
    const dir = await migrationsProject();
    const url = database.target;
    await writeFile(join(dir, "migrations/0002_update.sql"), `CREATE TABLE "killed" ("tenant_id" text NOT NULL);\n--> statement-breakpoint\nSELECT pg_sleep(600);\n`);
    const child = spawn(process.execPath, [BIN, "migrate", "--database", url, "--schema", "killed_run"], { cwd: dir, stdio: "ignore" });
    const exited = new Promise((resolve) => child.on("exit", resolve));
    onTestFinished(() => void (child.exitCode === null && child.kill("SIGKILL"))); // a test that failed first
    // Wait until the migration is inside its transaction (the sleep runs), then kill the process.
    const sleeping = async (): Promise<boolean> =>
      (await client.query("select 1 from pg_stat_activity where datname = current_database() and query like 'SELECT pg_sleep(600)%'")).length > 0;
    while (!(await sleeping()) && child.exitCode === null) await sleep(100);
    expect(await sleeping()).toBe(true);
    child.kill("SIGKILL");
    await exited;
    // Until the server notices the dead client, its transaction is open and invisible; end
    // the orphaned backend as the server eventually would, and nothing of it is committed.
    expect(await tables("killed_run")).not.toContain("killed");
    await client.query("select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and query like 'SELECT pg_sleep(600)%'");
    while (await sleeping()) await sleep(100);
    expect(await tables("killed_run")).not.toContain("killed");
    expect(await tables("killed_run")).toContain("customer");
    expect(await recorded("killed_run")).toEqual(["0000_init", "0001_update"]);
  }, 600_000);

  it("applies the same migrations to a schema per tenant (bridge) and a database per tenant (silo)", async (ctx) => {
    if (database?.target === undefined) return ctx.skip();
    const dir = await migrationsProject();
    for (const schema of ["tenant_acme", "tenant_initech"]) {
      const run = await migrateHere(dir, { database: database.target, schema });
      expect(run.stderr).toContain(`(schema \`${schema}\`)`);
      expect((await tables(schema)).filter((t) => !RUNTIME_TABLE.test(t))).toEqual(["customer", "paybill_schema_migrations", "refund", "reply", "tickets"]);
      expect(await recorded(schema)).toEqual(["0000_init", "0001_update"]);
      const [forced] = await client.query<{ n: number }>(
        "select count(*)::int as n from pg_class where relnamespace = $1::regnamespace and relrowsecurity and relforcerowsecurity and relname not like 'paybill%'",
        [schema],
      );
      expect(forced).toEqual({ n: 4 });
    }
    // A row in one tenant's schema is not in the other's, whatever the runtime role binds.
    await client.query("insert into tenant_acme.customer (tenant_id, name, email) values ('acme', 'Ada', 'ada@acme.test')");
    const [other] = await client.query<{ n: number }>("select count(*)::int as n from tenant_initech.customer");
    expect(other).toEqual({ n: 0 });
    const silo = await postgresDatabase();
    if (silo?.target === undefined) return;
    try {
      expect((await migrateHere(dir, { database: silo.target })).code).toBe(0);
      const c = await silo.connect();
      const [n] = await c.query<{ n: number }>("select count(*)::int as n from pg_class where relnamespace = 'public'::regnamespace and relforcerowsecurity and relname not like 'paybill%'");
      expect(n).toEqual({ n: 4 });
    } finally {
      await silo.drop();
    }
  }, 300_000);
});
