/**
 * `paybillc tenants provision` moves a tenant's rows itself when its plan change goes from
 * pooled to bridge on the project's database (no cloud), `--data-moved` stays an override,
 * and `tenants export` / `tenants erase` handle an offboarded tenant's rows: NDJSON per
 * entity, erasure refused until the plan's `retention` has passed. On a small project
 * without a cloud and its default PGlite data directory.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openRuntime, readBundle, type Runtime } from "@paybill/runtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../src/cli.js";
import type { Io } from "../src/io.js";
import { STACK_LINE } from "./support/cli.js";

const SOURCE = `import std.isolation.{pooled, bridge, silo}

plan free { price = 0, isolation = pooled }
plan team { price = 0, isolation = bridge, retention = 30 days }
plan solo { price = 0, isolation = silo }

entity Customer { id: uuid @id, name: string }
entity Ticket { id: uuid @id, customer: Customer.id, amount: decimal }
`;

let root = "";

async function run(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const io: Io = { cwd: root, color: false, debug: false, out: (t) => stdout.push(t), err: (t) => stderr.push(t) };
  const code = await main(args, io);
  const ran = { code, stdout: stdout.join(""), stderr: stderr.join("") };
  expect(ran.stderr).not.toMatch(STACK_LINE);
  return ran;
}

async function withRuntime<T>(body: (runtime: Runtime) => Promise<T>): Promise<T> {
  const runtime = await openRuntime({ bundle: await readBundle(join(root, "out/bundle.json")), database: { pglite: { dataDir: join(root, ".paybill/db") } } });
  try {
    return await body(runtime);
  } finally {
    await runtime.close();
  }
}

async function seed(tenant: string, schema: string, customers: number): Promise<void> {
  await withRuntime((runtime) =>
    runtime.database.transaction(async (tx) => {
      await tx.query("select set_config('paybill.tenant', $1, true)", [tenant]);
      await tx.query(`insert into ${schema}.customer (tenant_id, id, name) select $1, gen_random_uuid(), 'c' || i from generate_series(1, $2::int) i`, [tenant, customers]);
      await tx.query(`insert into ${schema}.ticket (tenant_id, id, customer, amount) select $1, gen_random_uuid(), c.id, 1.50 from ${schema}.customer c where tenant_id = $1`, [tenant]);
    }),
  );
}

async function counts(tenant: string, schema: string): Promise<number[]> {
  return withRuntime(async (runtime) => {
    const out: number[] = [];
    for (const table of ["customer", "ticket"]) {
      const [row] = await runtime.database.query<{ n: unknown }>(`select count(*)::int as n from ${schema}.${table} where tenant_id = $1`, [tenant]);
      out.push(Number(row?.n));
    }
    return out;
  });
}

describe("paybillc tenants: data moves, export and erasure on the project's database", () => {
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), "paybill-tenant-data-"));
    await writeFile(join(root, "app.paybill"), SOURCE);
    for (const args of [["build", "."], ["migrate", "."], ["migrate", ".", "--schema", "tenant_acme"]]) {
      const ran = await run(...args);
      expect(ran.code, ran.stderr).toBe(0);
    }
  }, 300_000);
  afterAll(async () => {
    if (root !== "") await rm(root, { recursive: true, force: true });
  });

  it("a pooled → bridge plan change moves the rows; export writes NDJSON; erasure waits for the retention", async () => {
    expect((await run("tenants", "onboard", "acme", "--plan", "free")).code).toBe(0);
    expect((await run("tenants", "provision", "acme", "--dry-run")).code).toBe(0);
    await seed("acme", "public", 3);
    await seed("other", "public", 2);
    expect((await run("tenants", "change-plan", "acme", "team")).code).toBe(0);
    const moved = await run("tenants", "provision", "acme", "--dry-run");
    expect(moved.code, moved.stderr).toBe(0);
    expect(moved.stdout).toContain("moved 6 rows of 2 tables from `public` to `tenant_acme` (counts and checksums verified; 6 old rows deleted)");
    expect(await counts("acme", "tenant_acme")).toEqual([3, 3]);
    expect(await counts("acme", "public")).toEqual([0, 0]);
    expect(await counts("other", "public")).toEqual([2, 2]);
    const audited = await withRuntime(async (runtime) => (await runtime.audit.query({ tenant: "acme" })).map((r) => r.action).filter((a) => a.startsWith("tenant.data_move")));
    expect(audited).toEqual(["tenant.data_move.started", "tenant.data_move.verified", "tenant.data_move.switched", "tenant.data_move.done"]);

    const exported = await run("tenants", "export", "acme", "--out", "exports/acme", "--format", "json");
    expect(exported.code, exported.stderr).toBe(0);
    expect((JSON.parse(exported.stdout) as { entities: { entity: string; rows: number }[] }).entities.map((e) => [e.entity, e.rows])).toEqual([
      ["Customer", 3],
      ["Ticket", 3],
    ]);
    const tickets = (await readFile(join(root, "exports/acme/Ticket.ndjson"), "utf8")).trimEnd().split("\n");
    expect(tickets).toHaveLength(3);
    expect(JSON.parse(tickets[0] ?? "{}")).toMatchObject({ amount: 1.5 });
    expect(tickets[0]).toContain('"amount":1.50');

    // Not offboarded yet, then offboarded but within its plan's 30 days.
    expect((await run("tenants", "erase", "acme")).stderr).toContain("error[PBR234]");
    expect((await run("tenants", "offboard", "acme")).code).toBe(0);
    expect((await run("tenants", "provision", "acme", "--dry-run")).code).toBe(0);
    const early = await run("tenants", "erase", "acme");
    expect(early.code).toBe(1);
    expect(early.stderr).toContain("error[PBR233]");
    expect(await counts("acme", "tenant_acme")).toEqual([3, 3]);
  });

  it("erases a pooled tenant's rows at once when its plan keeps none", async () => {
    expect((await run("tenants", "onboard", "bob", "--plan", "free")).code).toBe(0);
    expect((await run("tenants", "provision", "bob", "--dry-run")).code).toBe(0);
    await seed("bob", "public", 2);
    expect((await run("tenants", "offboard", "bob")).code).toBe(0);
    expect((await run("tenants", "provision", "bob", "--dry-run")).code).toBe(0);
    const erased = await run("tenants", "erase", "bob");
    expect(erased.code, erased.stderr).toBe(0);
    expect(erased.stdout).toBe("erased tenant `bob`'s data: 4 rows from `public`\n");
    expect(await counts("bob", "public")).toEqual([0, 0]);
    expect((await run("tenants", "erase", "bob")).stdout).toContain("erased before: nothing to do");
  });

  it("--data-moved is an operator's override: nothing is moved", async () => {
    expect((await run("tenants", "onboard", "carl", "--plan", "free")).code).toBe(0);
    expect((await run("tenants", "provision", "carl", "--dry-run")).code).toBe(0);
    await seed("carl", "public", 1);
    expect((await run("tenants", "change-plan", "carl", "team")).code).toBe(0);
    const ran = await run("tenants", "provision", "carl", "--dry-run", "--data-moved");
    expect(ran.code, ran.stderr).toBe(0);
    expect(ran.stdout).toContain("the operator moved `carl`'s data from pooled to bridge (--data-moved)");
    expect(await counts("carl", "public")).toEqual([1, 1]);
  });

  it("a silo tenant's rows are not in the project's database: PB9326", async () => {
    expect((await run("tenants", "onboard", "dora", "--plan", "solo")).code).toBe(0);
    const ran = await run("tenants", "export", "dora", "--out", "exports/dora");
    expect(ran.code).toBe(1);
    expect(ran.stderr).toMatch(/^error\[PB9326\]: tenant `dora`'s rows are not in this database: its plan `solo` places it silo\n {2}= help: only pooled and bridge tenants of plans without a cloud are in the project's database/);
  });
});
