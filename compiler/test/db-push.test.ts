/**
 * `drizzle-kit push` with `out/db/schema.ts` against a database `paybillc migrate` migrated,
 * on PGlite always and on PostgreSQL when PAYBILL_TEST_DATABASE_URL is set: drizzle-kit's
 * own command (run as a user runs it, `--force` so it asks nothing, `--verbose` so it prints
 * what it would run) plans no `DROP POLICY` and no `DISABLE ROW LEVEL SECURITY` — schema.ts
 * carries each table's tenant policy (`pgPolicy`) as the migrations create it — and after it
 * every table still has row-level security enabled and forced with the tenant policy.
 * drizzle-kit does not know `FORCE` or `GRANT`s and plans nothing about them; the runtime's
 * own tables are left out with the `tablesFilter` spec/database.md tells a host service to set
 * (`!paybill_*`). (`pushSchema` of `drizzle-kit/api` cannot be used: drizzle-kit 0.31 drops
 * the parameters of its own introspection queries there, which fails on composite keys.)
 */
import { execFile } from "node:child_process";
import { cp, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { PGlite } from "@electric-sql/pglite";
import { afterAll, describe, expect, it } from "vitest";
import { migrate } from "../src/commands/migrate.js";
import { type Client, openClient } from "../src/emit/db/client.js";
import { schemaTs } from "../src/emit/db/schema-ts.js";
import { POLICY } from "../src/emit/db/security.js";
import type { Io } from "../src/io.js";
import { postgresDatabase, tablesOf } from "./db-support.js";
import { HELPDESK, ROOT, sourcesIn } from "./support/bundle.js";

const run = promisify(execFile);
const HERE = fileURLToPath(new URL(".", import.meta.url));
const DRIZZLE_KIT = join(ROOT, "node_modules/drizzle-kit/bin.cjs");
const made: string[] = [];
afterAll(async () => {
  for (const dir of made) await rm(dir, { recursive: true, force: true });
});

/** A project inside the repository (so schema.ts resolves drizzle-orm) with the example's migrations and its schema.ts. */
async function project(): Promise<string> {
  const dir = await mkdtemp(join(HERE, ".db-push-"));
  made.push(dir);
  await cp(join(HELPDESK, "migrations"), join(dir, "migrations"), { recursive: true });
  await mkdir(join(dir, "out/db"), { recursive: true });
  await writeFile(join(dir, "out/db/schema.ts"), schemaTs(tablesOf(sourcesIn(HELPDESK)).tables));
  return dir;
}

/** `paybillc migrate --format json` in process: the migrations it applied. */
async function migrated(dir: string, database?: string): Promise<string[]> {
  let out = "";
  const io: Io = { cwd: dir, color: false, debug: false, out: (t) => {
      out += t;
    },
    err: () => undefined,
  };
  await migrate(".", { format: "json", ...(database === undefined ? {} : { database }) }, io);
  return (JSON.parse(out) as { applied: string[] }).applied;
}

/** `drizzle-kit push`, as a user runs it; everything it printed. */
async function push(dir: string, target: string[]): Promise<string> {
  const args = [DRIZZLE_KIT, "push", "--dialect", "postgresql", ...target, "--schema", "./out/db/schema.ts", "--tablesFilter", "!paybill_*", "--verbose", "--force"];
  const { stdout, stderr } = await run(process.execPath, args, { cwd: dir, env: { ...process.env, NO_COLOR: "1" } });
  return stdout + stderr;
}

const WIDENING = /DROP POLICY|DISABLE ROW LEVEL SECURITY|NO FORCE ROW LEVEL SECURITY|ALTER POLICY/i;

/**
 * What push planned, but for one thing drizzle-kit does on its own: it reads a composite
 * foreign key's columns with no ORDER BY, so once the catalogue is large enough for the
 * planner to join differently it may read `(ticket, tenant_id)` and plan to drop the key and
 * add it back unchanged. Such a pair (a DROP CONSTRAINT and an ADD CONSTRAINT of the same
 * name, with the key as the migrations wrote it) is taken out; anything else stays.
 */
function planned(output: string): string[] {
  const statements = output.split("\n").map((l) => l.trim()).filter((l) => /^(ALTER|CREATE|DROP)\b/i.test(l));
  const readded = new Set(
    statements.flatMap((l) => {
      const m = /^ALTER TABLE "(\w+)" ADD CONSTRAINT "(\w+)" FOREIGN KEY \("tenant_id","\w+"\) REFERENCES "public"\."\w+"\("tenant_id","id"\) ON DELETE no action ON UPDATE no action;$/.exec(l);
      return m === null ? [] : [`${m[1]}.${m[2]}`];
    }),
  );
  return statements.filter((l) => {
    const drop = /^ALTER TABLE "(\w+)" DROP CONSTRAINT "(\w+)";$/.exec(l);
    const add = /^ALTER TABLE "(\w+)" ADD CONSTRAINT "(\w+)" FOREIGN KEY/.exec(l);
    const key = drop ?? add;
    return key === null || !readded.has(`${key[1]}.${key[2]}`);
  });
}

/** Each table with row-level security enabled, forced, and the number of tenant policies on it. */
async function security(client: Client): Promise<unknown[]> {
  return client.query(
    `select c.relname as table, c.relrowsecurity as enabled, c.relforcerowsecurity as forced,
            (select count(*)::int from pg_policy p where p.polrelid = c.oid and p.polname = $1) as policies
       from pg_class c where c.relkind = 'r' and c.relnamespace = current_schema()::regnamespace and c.relname not like 'paybill\\_%' order by 1`,
    [POLICY],
  );
}

const SECURED = ["customer", "refund", "reply", "tickets"].map((table) => ({ table, enabled: true, forced: true, policies: 1 }));

describe("drizzle-kit push against a migrated database", () => {
  it("plans nothing on PGlite: no policy dropped, row-level security left on", async () => {
    const dir = await project();
    expect(await migrated(dir)).toEqual(["0000_init", "0001_update"]);
    const output = await push(dir, ["--driver", "pglite", "--url", "./.paybill/db"]);
    expect(output).not.toMatch(WIDENING);
    expect(planned(output)).toEqual([]);
    const db = await PGlite.create(join(dir, ".paybill/db"));
    try {
      expect(await security(await openClient({ pglite: db }))).toEqual(SECURED);
    } finally {
      await db.close();
    }
  }, 300_000);

  it("plans nothing on PostgreSQL: no policy dropped, row-level security left on", async (ctx) => {
    const database = await postgresDatabase();
    if (database?.target === undefined) return ctx.skip();
    try {
      const dir = await project();
      expect(await migrated(dir, database.target)).toEqual(["0000_init", "0001_update"]);
      const output = await push(dir, ["--url", database.target]);
      expect(output).not.toMatch(WIDENING);
      expect(planned(output)).toEqual([]);
      expect(await security(await database.connect())).toEqual(SECURED);
    } finally {
      await database.drop();
    }
  }, 300_000);
});
