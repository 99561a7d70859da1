/**
 * `paybillc migrate` audits the runtime's own tables even when the project has no migrations:
 * a `paybill_*` policy an administrator replaced by `USING (true)` fails the run (PB9107,
 * naming the table) on a PGlite data directory and on PostgreSQL, and an untouched database
 * passes with the "no migrations" message it always had.
 */
import { join } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { afterAll, describe, expect, it } from "vitest";
import { openClient } from "../src/emit/db/client.js";
import { applyRuntimeTables } from "../src/emit/db/runtime-tables.js";
import { postgresForRuntime, type TestDatabase } from "./db-support.js";
import { project, STACK_LINE } from "./support/cli.js";
import { migrateHere, problemLines } from "./support/migrate-here.js";

/** `paybill_runs`' runtime policy, dropped and created again letting every tenant's rows through. */
const OPENED = `drop policy paybill_tenant_isolation on paybill_runs;
  create policy paybill_tenant_isolation on paybill_runs for all to paybill_runtime using (true)`;
const RESTORED = `drop policy paybill_tenant_isolation on paybill_runs;
  create policy paybill_tenant_isolation on paybill_runs for all to paybill_runtime
    using (tenant_id = nullif(current_setting('paybill.tenant', true), '')) with check (tenant_id = nullif(current_setting('paybill.tenant', true), ''))`;
const NONE = "migrate: no migrations in migrations, nothing to apply (`paybillc build` writes them for the project's entities)\n";
const PROBLEMS = [
  "  - policy `paybill_tenant_isolation` on table `paybill_runs` reads `USING (true)` where the migrations write `USING (tenant_id = nullif(current_setting('paybill.tenant', true), ''))`",
  "  - policy `paybill_tenant_isolation` on table `paybill_runs` checks `WITH CHECK (true)` where the migrations write `WITH CHECK (tenant_id = nullif(current_setting('paybill.tenant', true), ''))`",
];

/** Runs `as admin` on the database, then `migrate` on a project without migrations, expecting the policy named. */
async function auditsWithoutMigrations(dir: string, database: string | undefined, admin: (sql: string) => Promise<void>): Promise<void> {
  const options = database === undefined ? {} : { database };
  const clean = await migrateHere(dir, options);
  expect([clean.code, clean.stderr]).toEqual([0, NONE]);
  await admin(OPENED);
  const run = await migrateHere(dir, options);
  expect(run.code).toBe(1);
  expect(run.stderr).toContain("error[PB9107]: the isolation audit of ");
  expect(problemLines(run.stderr).map((l) => l.replace(/: recreate it.*$/, ""))).toEqual(PROBLEMS);
  expect(run.stderr).not.toContain(NONE);
  expect(run.stderr).not.toMatch(STACK_LINE);
  const json = await migrateHere(dir, { ...options, format: "json" });
  expect(json.code).toBe(1);
  expect(JSON.parse(json.stdout)).toMatchObject({ applied: [], error: { code: "PB9107", message: "the isolation audit failed" } });
  await admin(RESTORED);
  const again = await migrateHere(dir, options);
  expect([again.code, problemLines(again.stderr)]).toEqual([0, []]);
}

describe("paybillc migrate without project migrations, on PGlite (a data directory a runtime made)", () => {
  it("audits the runtime's tables: a policy replaced by USING (true) fails the run, a clean one passes", async () => {
    const dir = await project();
    const dataDir = join(dir, ".paybill/db");
    const made = await openClient({ dataDir });
    try {
      await applyRuntimeTables(made);
    } finally {
      await made.close();
    }
    await auditsWithoutMigrations(dir, undefined, async (sql) => {
      const db = await PGlite.create(dataDir);
      try {
        await db.exec(sql);
      } finally {
        await db.close();
      }
    });
  }, 300_000);
});

describe("paybillc migrate without project migrations, on PostgreSQL", () => {
  let database: TestDatabase | undefined;
  afterAll(async () => {
    await database?.drop();
  });

  it("audits the runtime's tables: a policy replaced by USING (true) fails the run, a clean one passes", async (ctx) => {
    database = await postgresForRuntime();
    if (database?.target === undefined) return ctx.skip();
    const admin = await database.connect();
    await auditsWithoutMigrations(await project(), database.target, (sql) => admin.exec(sql));
  }, 300_000);
});
