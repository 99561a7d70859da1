/**
 * A new embedded database starts from a template (store/pglite-template.ts): made once per
 * key, reused after, never stale — a change of migrations or schema is another template and
 * its change is seen — never used when not whole (a truncated or altered file is made
 * again), and safe to make from two opens at once. `migrate` leaves an up-to-date database
 * alone and still refuses a newer one. Each test has a cache folder of its own.
 */
import { existsSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../src/store/adapter.js";
import { PaybillRuntimeError } from "../src/store/errors.js";
import { migrate, migrationsKey } from "../src/store/migrate.js";
import { LATEST_VERSION, MIGRATIONS, type Migration } from "../src/store/migrations.js";
import { openDatabase } from "../src/store/open-database.js";
import { openPglite, type PgliteTemplate } from "../src/store/pglite-adapter.js";
import { checkedDump, readTemplate, templateFile, templateKey, templatePath, writeTemplate } from "../src/store/pglite-template.js";

let root: string;
let count = 0;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "paybill-template-"));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

function fresh(name: string): string {
  count += 1;
  return join(root, `${name}-${count}`);
}

const ONE: Migration = { version: 1, name: "notes", sql: "create table paybill_migrations_note (id int primary key);" };
const TWO: Migration = { version: 2, name: "notes text", sql: "alter table paybill_migrations_note add column body text;" };

/** A template of `migrations` in `dir` that counts how often it is made. */
function counted(dir: string, migrations: readonly Migration[]): PgliteTemplate & { made: number } {
  const template = {
    dir,
    parts: [migrationsKey(migrations)],
    made: 0,
    async setup(db: Database) {
      template.made += 1;
      await migrate(db, migrations);
    },
  };
  return template;
}

async function columns(db: Database, table: string): Promise<string[]> {
  const rows = await db.query<{ column_name: string }>("select column_name from information_schema.columns where table_name = $1 order by column_name", [table]);
  return rows.map((r) => r.column_name);
}

async function templates(dir: string): Promise<string[]> {
  return (await readdir(dir).catch(() => [] as string[])).sort();
}

describe("a new embedded database", () => {
  it("is made from the template once, then starts from it (in memory and in a data directory)", async () => {
    const dir = fresh("cache");
    const template = counted(dir, [ONE]);
    const first = await openPglite({ template });
    expect(await columns(first, "paybill_migrations_note")).toEqual(["id"]);
    await first.close();
    expect(template.made).toBe(1);
    expect(await templates(dir)).toEqual([`pglite-${templateKey(template.parts)}.tpl`]);

    const dataDir = fresh("data");
    const second = await openPglite({ dataDir, template });
    expect(await columns(second, "paybill_migrations_note")).toEqual(["id"]);
    expect((await migrate(second, [ONE])).applied).toEqual([]);
    await second.query("insert into paybill_migrations_note values (7)");
    await second.close();
    expect(template.made).toBe(1);
    expect(existsSync(join(dataDir, "PG_VERSION"))).toBe(true);

    // Reopened: its own cluster, not the template (the row written is there).
    const again = await openPglite({ dataDir, template });
    expect(await again.query("select id from paybill_migrations_note")).toEqual([{ id: 7 }]);
    await again.close();
    expect(template.made).toBe(1);
  });

  it("sees a change of migrations: another template, and the new migration applied", async () => {
    const dir = fresh("cache");
    const before = counted(dir, [ONE]);
    const dataDir = fresh("data");
    const old = await openPglite({ dataDir, template: before });
    await old.close();

    const after = counted(dir, [ONE, TWO]);
    expect(templateKey(after.parts)).not.toBe(templateKey(before.parts));
    const made = await openPglite({ template: after });
    expect(await columns(made, "paybill_migrations_note")).toEqual(["body", "id"]);
    await made.close();
    expect(after.made).toBe(1);
    expect(await templates(dir)).toHaveLength(2);

    // A directory made before the change is migrated when opened: the check sees 2 missing.
    const reopened = await openPglite({ dataDir, template: after });
    expect(await migrate(reopened, [ONE, TWO])).toEqual({ applied: [2], version: 2 });
    expect(await columns(reopened, "paybill_migrations_note")).toEqual(["body", "id"]);
    await reopened.close();
  });

  it("keys the runtime's template by its migrations and schema", async () => {
    const dir = fresh("cache");
    const plain = await openDatabase({ pglite: { template: dir } });
    expect((await migrate(plain)).applied).toEqual([]);
    await plain.close();
    const inSchema = await openDatabase({ pglite: { template: dir }, schema: "tpl_app" });
    const where = await inSchema.query<{ schema: string }>("select table_schema as schema from information_schema.tables where table_name = 'paybill_tenants'");
    expect(where).toEqual([{ schema: "tpl_app" }]);
    const versions = await inSchema.query<{ version: number }>("select version from paybill_migrations order by version");
    expect(versions.map((r) => Number(r.version))).toEqual(MIGRATIONS.map((m) => m.version).sort((a, b) => a - b));
    expect((await migrate(inSchema)).applied).toEqual([]);
    await inSchema.close();
    expect(await templates(dir)).toHaveLength(2);
  });

  it("never starts from a truncated or altered template: it is made again", async () => {
    const dir = fresh("cache");
    const template = counted(dir, [ONE]);
    await (await openPglite({ template })).close();
    const path = templatePath(dir, templateKey(template.parts));
    const whole = await readFile(path);

    await truncate(path, Math.floor(whole.length / 2));
    expect(await readTemplate(path)).toBeUndefined();
    expect(existsSync(path)).toBe(false);

    // A flipped byte in the dump, and a file that is not a template at all.
    const flipped = Buffer.from(whole);
    flipped.writeUInt8(flipped.readUInt8(flipped.length - 10) ^ 0xff, flipped.length - 10);
    for (const bad of [flipped, Buffer.from("not a template\n")]) {
      await writeFile(path, bad);
      const made = template.made;
      const db = await openPglite({ dataDir: fresh("data"), template });
      expect(await columns(db, "paybill_migrations_note")).toEqual(["id"]);
      await db.close();
      expect(template.made).toBe(made + 1);
      expect(checkedDump(await readFile(path))).toBeDefined();
    }
  });

  it("leaves a data directory that holds a cluster to itself", async () => {
    const dataDir = fresh("data");
    const none = await openPglite({ dataDir });
    await none.exec("create table kept (id int)");
    await none.close();
    const template = counted(fresh("cache"), [ONE]);
    const db = await openPglite({ dataDir, template });
    expect(await columns(db, "kept")).toEqual(["id"]);
    expect(await columns(db, "paybill_migrations_note")).toEqual([]);
    await db.close();
    expect(template.made).toBe(0);
  });

  it("is made by two opens at once without harm: one whole template, no file left behind", async () => {
    const dir = fresh("cache");
    const template = counted(dir, [ONE]);
    const both = await Promise.all([openPglite({ template }), openPglite({ dataDir: fresh("data"), template })]);
    for (const db of both) {
      expect(await columns(db, "paybill_migrations_note")).toEqual(["id"]);
      await db.close();
    }
    const names = await templates(dir);
    expect(names).toEqual([`pglite-${templateKey(template.parts)}.tpl`]);
    expect(await readTemplate(templatePath(dir, templateKey(template.parts)))).toBeDefined();
  });
});

describe("writing a template", () => {
  it("renames a whole file into place: racing writers leave one of their files, intact", async () => {
    const dir = fresh("cache");
    const path = templatePath(dir, "race");
    const dumps = Array.from({ length: 8 }, (_, i) => new Uint8Array(200_000).fill(i + 1));
    expect(await Promise.all(dumps.map((d) => writeTemplate(path, d)))).toEqual(dumps.map(() => true));
    const kept = await readTemplate(path);
    expect(kept).toBeDefined();
    expect(dumps.some((d) => kept !== undefined && Buffer.from(d).equals(Buffer.from(kept)))).toBe(true);
    expect(await templates(dir)).toEqual(["pglite-race.tpl"]);
  });

  it("reads back exactly what it wrapped, and nothing from a file cut anywhere", () => {
    const dump = new Uint8Array(1000).map((_, i) => (i * 31) % 256);
    const file = templateFile(dump);
    expect(Buffer.from(checkedDump(file) ?? []).equals(Buffer.from(dump))).toBe(true);
    for (let cut = 0; cut < file.length; cut += 37) expect(checkedDump(file.subarray(0, cut))).toBeUndefined();
  });

  it("is only a cache: a folder that cannot be written costs the template, not the open", async () => {
    const blocked = join(fresh("file"), "x");
    await writeFile(blocked.slice(0, -2), "a file where the folder would be");
    const template = counted(blocked, [ONE]);
    const db = await openPglite({ template });
    expect(await columns(db, "paybill_migrations_note")).toEqual(["id"]);
    await db.close();
    expect(template.made).toBe(1);
  });
});

describe("migrate on an up-to-date database", () => {
  it("applies nothing, and still refuses a database a newer runtime migrated", async () => {
    const db = await openDatabase({ pglite: { template: fresh("cache") } });
    expect(await migrate(db)).toEqual({ applied: [], version: LATEST_VERSION });
    await db.query("insert into paybill_migrations (version, name) values ($1, 'from the future')", [LATEST_VERSION + 1]);
    const refused = await migrate(db).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(PaybillRuntimeError);
    expect((refused as PaybillRuntimeError).code).toBe("PBR102");
    await db.close();
  });
});
