/**
 * `out/db/schema.ts`: it type-checks against drizzle-orm (tsc, strict), its types say what
 * the entities say (an enum column accepts only its values), it describes exactly the
 * tables the migrations are diffed from (the same drizzle-kit snapshot), and it is the same
 * text whatever the order of the files.
 */
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { generateDrizzleJson } from "drizzle-kit/api";
import { afterAll, describe, expect, it } from "vitest";
import { drizzleTables } from "../src/emit/db/drizzle-tables.js";
import { planMigration } from "../src/emit/db/migration.js";
import { schemaTs } from "../src/emit/db/schema-ts.js";
import { tablesOf } from "./db-support.js";
import { HELPDESK, ROOT, sourcesIn } from "./support/bundle.js";

const run = promisify(execFile);
const HERE = fileURLToPath(new URL(".", import.meta.url));
const made: string[] = [];
afterAll(async () => {
  for (const dir of made) await rm(dir, { recursive: true, force: true });
});

/** A directory inside the repository, so `drizzle-orm` resolves from its node_modules. */
async function scratch(): Promise<string> {
  const dir = await mkdtemp(join(HERE, ".db-schema-"));
  made.push(dir);
  return dir;
}

const SAMPLE = {
  "data.paybill": `package shop
entity Customer {
  id    uuid             @id
  email string(max: 320) @unique
  tier  enum(free, gold) @default(free)
  score int              @index
}
entity OrderLine @table("order_lines") {
  id       uuid           @id
  customer Customer.id
  price    money
  qty      int            @default(1)
  note     string?
  meta     json?
  due      timestamp      @default(now)
  late     duration?
  exact    decimal
  paid     bool           @default(false)
  parent   OrderLine.id?
}
`,
};

describe("schema.ts", () => {
  it("type-checks against drizzle-orm, with entity types a host service can rely on", async () => {
    const dir = await scratch();
    const helpdesk = schemaTs(tablesOf(sourcesIn(HELPDESK)).tables);
    const shop = schemaTs(tablesOf(SAMPLE).tables);
    await writeFile(join(dir, "package.json"), '{ "type": "module" }\n');
    await writeFile(join(dir, "helpdesk.ts"), helpdesk);
    await writeFile(join(dir, "shop.ts"), shop);
    await writeFile(
      join(dir, "use.ts"),
      `import { ticket } from "./helpdesk.js";
import { orderLine } from "./shop.js";
type Ticket = typeof ticket.$inferSelect;
export const open: Ticket["status"] = "open";
// @ts-expect-error: not a status of the entity
export const wrong: Ticket["status"] = "reopened";
export const line: typeof orderLine.$inferInsert = { tenant_id: "acme", customer: "c", price: "1.0000", exact: "2" };
// @ts-expect-error: tenant_id is required
export const orphan: typeof orderLine.$inferInsert = { customer: "c", price: "1", exact: "2" };
`,
    );
    await writeFile(
      join(dir, "tsconfig.json"),
      JSON.stringify({ compilerOptions: { strict: true, noEmit: true, module: "nodenext", moduleResolution: "nodenext", target: "es2022", skipLibCheck: true, types: [] }, files: ["helpdesk.ts", "shop.ts", "use.ts"] }),
    );
    const tsc = join(ROOT, "node_modules/.bin/tsc");
    const result = await run(tsc, ["-p", dir]).then(
      () => "",
      (error: { stdout?: string }) => error.stdout ?? String(error),
    );
    expect(result).toBe("");
    // And tsc does look: a wrong column name is an error.
    await writeFile(join(dir, "use.ts"), `import { ticket } from "./helpdesk.js";\nexport const x = ticket.no_such_column;\n`);
    const broken = await run(tsc, ["-p", dir]).then(
      () => "",
      (error: { stdout?: string }) => error.stdout ?? String(error),
    );
    expect(broken).toContain("no_such_column");
  });

  it("describes the same tables as the snapshot migrations are diffed from", async () => {
    const dir = await scratch();
    for (const [name, files] of [["helpdesk", sourcesIn(HELPDESK)], ["shop", SAMPLE]] as const) {
      const { tables } = tablesOf(files);
      const path = join(dir, `${name}.ts`);
      await writeFile(path, schemaTs(tables));
      const imported = (await import(path)) as Record<string, unknown>;
      // drizzle-kit draws a random id per snapshot: everything else must agree.
      const { id: _a, ...fromFile } = generateDrizzleJson({ ...imported });
      const { id: _b, ...inProcess } = generateDrizzleJson(drizzleTables(tables));
      expect(Object.keys(fromFile.tables).length).toBe(tables.length);
      expect(fromFile).toEqual(inProcess);
    }
  });

  it("is the same text, and gives the same migration, whatever the order of the files", async () => {
    const files = Object.entries(sourcesIn(HELPDESK));
    const forward = tablesOf(Object.fromEntries(files)).tables;
    const backward = tablesOf(Object.fromEntries([...files].reverse().map(([n, t], i) => [`${i}-${n}`, t]))).tables;
    expect(schemaTs(backward)).toBe(schemaTs(forward));
    const empty = { migrations: [], snapshot: undefined };
    expect(await planMigration(empty, backward, false)).toEqual(await planMigration(empty, forward, false));
  });

  it("keeps the runtime's conventions: tenant_id first, (tenant_id, key) primary key, per-tenant unique and foreign keys", () => {
    const [customer, lines] = tablesOf(SAMPLE).tables;
    expect(customer?.columns[0]).toEqual({ name: "tenant_id", type: { kind: "string" }, notNull: true });
    expect(lines?.name).toBe("order_lines");
    expect(lines?.foreignKeys.map((fk) => [fk.column, fk.table, fk.key])).toEqual([
      ["customer", "customer", "id"],
      ["parent", "order_lines", "id"],
    ]);
    const text = schemaTs(tablesOf(SAMPLE).tables);
    expect(text).toContain('primaryKey({ name: "customer_pkey", columns: [t.tenant_id, t.id] })');
    expect(text).toContain('unique("customer_email_key").on(t.tenant_id, t.email)');
    expect(text).toContain('index("customer_score_idx").on(t.tenant_id, t.score)');
  });
});
