/**
 * `paybillc build` and the database, run as a subprocess on a copy of the helpdesk example
 * without its migrations: the first build writes `out/db/schema.ts`, the initial migration
 * and its snapshot into `<project>/migrations/` and a copy into `out/db/migrations/`; a
 * second build adds nothing; a destructive change fails with the list and writes nothing,
 * unless `--allow-destructive`; `@renamed` becomes a rename; an older text of the tenant
 * policy is replaced by a new migration; a broken folder is an error. The first build and
 * each refusal run as a subprocess (exit status, stderr); set-up builds and the runs after
 * them in process.
 */
import { cp, mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { HELPDESK } from "./support/bundle.js";
import { paybillc, project, STACK_LINE } from "./support/cli.js";
import { paybillcHere } from "./support/in-process.js";

async function helpdeskCopy(): Promise<string> {
  const dir = await project();
  await cp(HELPDESK, dir, { recursive: true });
  await rm(join(dir, "migrations"), { recursive: true, force: true });
  await rm(join(dir, "out"), { recursive: true, force: true });
  return dir;
}

async function tree(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) out[join(entry.parentPath, entry.name).slice(dir.length + 1)] = await readFile(join(entry.parentPath, entry.name), "utf8");
  }
  return out;
}

describe("paybillc build: database", () => {
  it("writes schema.ts and the initial migration, then nothing new when nothing changed", async () => {
    const dir = await helpdeskCopy();
    const first = await paybillc(["build"], dir);
    expect(first.code).toBe(0);
    expect(first.stderr).toContain("db: out/db/schema.ts, 4 tables; new migration migrations/0000_init.sql — commit it");
    expect(Object.keys(await tree(join(dir, "migrations"))).sort()).toEqual(["0000_init.sql", "meta/0000_snapshot.json"]);
    const out = await tree(join(dir, "out/db"));
    expect(Object.keys(out).sort()).toEqual(["migrations/0000_init.sql", "schema.ts"]);
    expect(out["migrations/0000_init.sql"]).toBe(await readFile(join(dir, "migrations/0000_init.sql"), "utf8"));
    // A build from scratch describes the schema the example's committed migrations end at
    // (the example's own history has a second migration: the tenant policy rewritten).
    const schemaOf = (text: string | undefined): unknown => {
      const { id: _id, prevId: _prev, ...rest } = JSON.parse(text ?? "{}") as Record<string, unknown>;
      return rest;
    };
    const example = await tree(join(HELPDESK, "migrations"));
    const fresh = await tree(join(dir, "migrations"));
    expect(schemaOf(fresh["meta/0000_snapshot.json"])).toEqual(schemaOf(example["meta/0001_snapshot.json"]));
    const before = { migrations: await tree(join(dir, "migrations")), out: await tree(join(dir, "out")) };
    const second = await paybillcHere(["build", "--format", "json"], dir);
    expect(second.code).toBe(0);
    expect(JSON.parse(second.stdout).db).toEqual({ schema: "out/db/schema.ts", tables: 4, migration: null });
    expect({ migrations: await tree(join(dir, "migrations")), out: await tree(join(dir, "out")) }).toEqual(before);
  });

  it("refuses a destructive change with the list and writes nothing, unless --allow-destructive", async () => {
    const dir = await helpdeskCopy();
    await writeFile(join(dir, "scratch.paybill"), "package helpdesk\nentity Scratch {\n  id   uuid @id\n  note string\n}\n");
    expect((await paybillcHere(["build"], dir)).code).toBe(0);
    await rm(join(dir, "scratch.paybill"));
    const data = join(dir, "data.paybill");
    await writeFile(data, (await readFile(data, "utf8")).replace("lifetime_value decimal(12, 2)", "lifetime_value decimal(8, 2) "));
    const before = { migrations: await tree(join(dir, "migrations")), out: await tree(join(dir, "out")) };
    const refused = await paybillc(["build"], dir);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe(
      "error[PB9101]: the schema change since the newest migration in migrations would destroy data:\n" +
        "  - column `customer.lifetime_value` would change from `numeric(12, 2)` to `numeric(8, 2)`, which may not hold every value\n" +
        "  - table `scratch` would be dropped with all its rows\n" +
        '  = help: keep the data (add the field or entity back, or declare a rename with `@renamed(from: "old")`), or build with `--allow-destructive` if the loss is intended; nothing written\n',
    );
    expect(refused.stderr).not.toMatch(STACK_LINE);
    expect({ migrations: await tree(join(dir, "migrations")), out: await tree(join(dir, "out")) }).toEqual(before);
    const allowed = await paybillcHere(["build", "--allow-destructive"], dir);
    expect(allowed.code).toBe(0);
    expect(allowed.stderr).toContain("new migration migrations/0001_update.sql (2 destructive, allowed)");
    const sql = await readFile(join(dir, "migrations/0001_update.sql"), "utf8");
    expect(sql).toContain('DROP TABLE "scratch" CASCADE;');
    expect(sql).toContain('ALTER TABLE "customer" ALTER COLUMN "lifetime_value" SET DATA TYPE numeric(8, 2) USING "lifetime_value"::text::numeric(8, 2);');
  });

  it("renames a column declared @renamed, and rejects a @renamed that names no previous column", async () => {
    const dir = await helpdeskCopy();
    expect((await paybillcHere(["build"], dir)).code).toBe(0);
    const data = join(dir, "data.paybill");
    const text = await readFile(data, "utf8");
    await writeFile(data, text.replace("  assignee    string(max: 100)?", '  owner       string(max: 100)? @renamed(from: "assignee")'));
    const renamed = await paybillcHere(["build"], dir);
    expect(renamed.code).toBe(0);
    expect(renamed.stderr).toContain("new migration migrations/0001_update.sql (1 renamed)");
    const sql = await readFile(join(dir, "migrations/0001_update.sql"), "utf8");
    expect(sql.split("--> statement-breakpoint").map((s) => s.replace(/^--.*\n/gm, "").trim())).toEqual(['ALTER TABLE "tickets" RENAME COLUMN "assignee" TO "owner";']);
    await writeFile(data, text.replace("  assignee    string(max: 100)?", '  owner       string(max: 100)? @renamed(from: "Bad Name")'));
    const bad = await paybillc(["build"], join(dir));
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("error[PB3006]: `@renamed` takes the column's previous name: `from:` and a lowercase name");
    expect(bad.stderr).toContain("data.paybill:");
    // `check` says so too: it is a mistake in the file, not only in the build.
    const checked = await paybillc(["check"], dir);
    expect(checked.code).toBe(1);
    expect(checked.stderr).toContain("`@renamed` takes the column's previous name");
  });

  it("rewrites the tenant policy of a project whose migrations hold an older text of it, in a new migration", async () => {
    // The example as it was before the policy refused the empty-string tenant: its first migration only.
    const dir = await helpdeskCopy();
    await mkdir(join(dir, "migrations/meta"), { recursive: true });
    await cp(join(HELPDESK, "migrations/0000_init.sql"), join(dir, "migrations/0000_init.sql"));
    await cp(join(HELPDESK, "migrations/meta/0000_snapshot.json"), join(dir, "migrations/meta/0000_snapshot.json"));
    const run = await paybillcHere(["build"], dir);
    expect(run.code).toBe(0);
    expect(run.stderr).toContain("new migration migrations/0001_update.sql — commit it");
    const sql = await readFile(join(dir, "migrations/0001_update.sql"), "utf8");
    expect(sql).toBe(await readFile(join(HELPDESK, "migrations/0001_update.sql"), "utf8"));
    expect(sql).toContain('DROP POLICY IF EXISTS paybill_tenant_isolation ON "tickets";');
    expect(sql).toContain(`USING ("tenant_id" = nullif(current_setting('paybill.tenant', true), ''))`);
    expect(sql).not.toMatch(/CREATE TABLE|ALTER POLICY/);
    const again = await paybillcHere(["build", "--format", "json"], dir);
    expect(JSON.parse(again.stdout).db.migration).toBe(null);
  });

  it("is an error, with nothing written, when the newest snapshot is missing", async () => {
    const dir = await helpdeskCopy();
    expect((await paybillcHere(["build"], dir)).code).toBe(0);
    await rm(join(dir, "migrations/meta/0000_snapshot.json"));
    const before = await tree(join(dir, "out"));
    const run = await paybillc(["build"], dir);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^error\[PB9103\]: the snapshot `.*0000_snapshot\.json` of the newest migration is missing or not a drizzle-kit snapshot\n {2}= help: restore it/);
    expect(await tree(join(dir, "out"))).toEqual(before);
  });
});
