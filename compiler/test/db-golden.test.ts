/**
 * Golden v1 → v2 migrations: each folder of samples/db holds `v1.paybill`, `v2.paybill`
 * and optionally `options.json` (`{ "allowDestructive": true }`). The second migration —
 * the diff of v2 against v1's snapshot — must equal `expected.sql`; a refused change must
 * list its losses as `expected.txt`. Every migration that is written is applied, v1's then
 * v2's, to PGlite (and PostgreSQL when PAYBILL_TEST_DATABASE_URL is set), each case in its
 * own schema, so the golden SQL is known to run. `UPDATE_SNAPSHOTS=1` rewrites the
 * expectations, `FILTER=name` runs one case.
 */
import { existsSync, readdirSync, readFileSync, } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applyMigrations } from "../src/emit/db/apply.js";
import type { Client } from "../src/emit/db/client.js";
import type { MigrationFile } from "../src/emit/db/folder.js";
import { planMigration } from "../src/emit/db/migration.js";
import { expectGolden } from "../../lang/test/support/golden.js";
import { pgliteDatabase, postgresDatabase, type TestDatabase, tablesOf } from "./db-support.js";

const SAMPLES = fileURLToPath(new URL("./samples/db/", import.meta.url));
const FILTER = process.env.FILTER;
const cases = readdirSync(SAMPLES)
  .filter((name) => FILTER === undefined || name.includes(FILTER))
  .sort();

const databases: { db: TestDatabase; client: Client }[] = [];
beforeAll(async () => {
  for (const open of [pgliteDatabase, postgresDatabase]) {
    const db = await open();
    if (db !== undefined) databases.push({ db, client: await db.connect() });
  }
});
afterAll(async () => {
  for (const { db } of databases) await db.drop();
});

function golden(path: string, actual: string): void {
  expectGolden(path, actual);
}

describe("v1 → v2 migrations", () => {
  for (const name of cases) {
    it(name, async () => {
      const dir = join(SAMPLES, name);
      const read = (file: string): string => readFileSync(join(dir, file), "utf8");
      const options = existsSync(join(dir, "options.json")) ? (JSON.parse(read("options.json")) as { allowDestructive?: boolean }) : {};
      const v1 = await planMigration({ migrations: [], snapshot: undefined }, tablesOf({ "v1.paybill": read("v1.paybill") }).tables, false);
      if (v1.kind !== "new") throw new Error("v1 gives no migration");
      const first: MigrationFile = { id: v1.id, number: 0, file: `${v1.id}.sql`, text: v1.sql };
      const v2 = await planMigration({ migrations: [first], snapshot: v1.snapshot }, tablesOf({ "v2.paybill": read("v2.paybill") }).tables, options.allowDestructive === true);
      if (v2.kind === "refused") {
        golden(join(dir, "expected.txt"), `${v2.losses.map((l) => l.text).join("\n")}\n`);
        expect(existsSync(join(dir, "expected.sql"))).toBe(false);
        return;
      }
      if (v2.kind !== "new") throw new Error("v2 gives no migration");
      expect(v2.id).toBe("0001_update");
      golden(join(dir, "expected.sql"), v2.sql);
      const second: MigrationFile = { id: v2.id, number: 1, file: `${v2.id}.sql`, text: v2.sql };
      for (const { client } of databases) {
        const schema = `golden_${name.replaceAll("-", "_")}`;
        // v1, with a row, then v2: the migration runs on a table that has data.
        await applyMigrations(client, [first], { schema });
        await client.transaction(async (tx) => {
          await tx.exec(`set local search_path to ${schema}`);
          await tx.query("insert into customer (tenant_id, name, email) values ('acme', 'Ada', 'ada@acme.test')");
        });
        expect((await applyMigrations(client, [first, second], { schema })).applied).toEqual(["0001_update"]);
      }
    });
  }

  it("writes nothing when nothing changed", async () => {
    const source = { "v1.paybill": readFileSync(join(SAMPLES, "widen-type/v1.paybill"), "utf8") };
    const v1 = await planMigration({ migrations: [], snapshot: undefined }, tablesOf(source).tables, false);
    if (v1.kind !== "new") throw new Error("v1 gives no migration");
    const again = await planMigration({ migrations: [{ id: v1.id, number: 0, file: `${v1.id}.sql`, text: v1.sql }], snapshot: v1.snapshot }, tablesOf(source).tables, false);
    expect(again.kind).toBe("unchanged");
  });
});
