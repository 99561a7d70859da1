/**
 * `paybillc migrate --all-tenants` (compiler/src/commands/migrate-all.ts): the registry in
 * the pooled database names a pooled tenant, two bridge tenants and a silo tenant; one run
 * migrates the pooled database, each bridge tenant's schema (created, then guarded) and the
 * silo tenant's database, with a progress line per tenant. A silo tenant whose database
 * cannot be opened fails alone — the others are migrated, the exit status is 1 — and a
 * rerun after the fix migrates it and reports the others up to date. On PGlite (data
 * directories) always, on PostgreSQL (databases made here) when PAYBILL_TEST_DATABASE_URL is set.
 */
import { randomBytes } from "node:crypto";
import { cp, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { type Bundle, bundleHash, openRuntime, type Provisioner } from "@paybill/runtime";
import { migrateAll } from "../src/commands/migrate-all.js";
import { openClient } from "../src/emit/db/client.js";
import { PG_URL } from "./db-support.js";
import { emitOk, HELPDESK, sourcesIn } from "./support/bundle.js";
import { capturingIo } from "./support/migrate-here.js";

const BACKENDS = PG_URL === undefined ? ["pglite"] : ["pglite", "postgres"];

async function run(dir: string, database: string, format: "text" | "json" = "text") {
  const { io, collected } = capturingIo(dir);
  const code = await migrateAll(".", { database, format }, io);
  return { code, ...collected() };
}

/** The helpdesk bundle without its static tenants: the registry holds only what the test onboards. */
function bundle(): Bundle {
  const { hash: _hash, ...body } = { ...emitOk(sourcesIn(HELPDESK)).bundle, tenants: {} };
  return { ...body, hash: bundleHash(body) } as Bundle;
}

const withOutputs = (outputs: Record<string, Record<string, unknown>>): Provisioner => ({
  name: "test",
  run: async (step) => ({ ok: true, detail: "made", ...(outputs[step.tenant] === undefined ? {} : { outputs: outputs[step.tenant] }) }),
});

describe.each(BACKENDS)("paybillc migrate --all-tenants on %s", (backend) => {
  const cleanups: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
  });

  it("migrates every placement, goes on past a failing tenant, and a rerun resumes", async () => {
    const dir = await mkdtemp(join(tmpdir(), "paybill-migrate-all-"));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    await cp(join(HELPDESK, "migrations"), join(dir, "migrations"), { recursive: true });
    await mkdir(join(dir, "out"));
    const b = bundle();
    await writeFile(join(dir, "out", "bundle.json"), JSON.stringify(b));

    let pooled: string;
    let silo: string;
    let siloOutputs: Record<string, unknown>;
    let fix: () => Promise<void>;
    if (backend === "postgres") {
      const tag = randomBytes(5).toString("hex");
      const admin = new pg.Client({ connectionString: PG_URL });
      await admin.connect();
      const names = [`paybill_ma_pooled_${tag}`, `paybill_ma_silo_${tag}`];
      cleanups.push(async () => {
        for (const n of names) await admin.query(`drop database if exists ${n} with (force)`);
        await admin.end();
      });
      await admin.query(`create database ${names[0]}`);
      const at = (name: string) => Object.assign(new URL(PG_URL as string), { pathname: `/${name}` }).toString();
      pooled = at(names[0] as string);
      silo = at(names[1] as string);
      siloOutputs = { database_url: silo };
      // The silo's database does not exist yet: its migration fails until it does.
      fix = async () => void (await admin.query(`create database ${names[1]}`));
    } else {
      pooled = join(dir, "pooled-db");
      silo = join(dir, "blocked", "silo-db");
      siloOutputs = { database_dir: silo };
      // A file where the silo's directory should be: it cannot be made until the file goes.
      await writeFile(join(dir, "blocked"), "");
      fix = () => rm(join(dir, "blocked"));
    }

    // The registry: the pooled database migrated once (the runtime's tables), tenants onboarded and provisioned.
    const runtime = await openRuntime({ bundle: b, database: backend === "postgres" ? { url: pooled, privileged: true } : { pglite: { dataDir: pooled } } });
    try {
      for (const [id, plan] of [["p1", "free"], ["b1", "business"], ["b2", "business"], ["s1", "enterprise"]] as const) {
        await runtime.tenants.onboard({ id, plan });
        await runtime.tenants.provision(id, withOutputs({ s1: siloOutputs }));
      }
    } finally {
      await runtime.close();
    }

    const first = await run(dir, pooled);
    expect(first.code, first.stderr).toBe(1);
    // A line per tenant as each finishes (up to four at once: any order), counted 1 to 4.
    const lines = first.stderr.split("\n").filter((l) => l.startsWith("migrate: ["));
    expect(lines.map((l) => /^migrate: \[(\d)\/4\]/.exec(l)?.[1])).toEqual(["1", "2", "3", "4"]);
    const line = (id: string) => lines.find((l) => new RegExp(`^migrate: \\[\\d/4\\] ${id} `).test(l));
    expect(line("b1")).toMatch(/^migrate: \[\d\/4\] b1 \(bridge, .* schema `tenant_b1`\): applied runtime \d+, .*0000_init, 0001_update$/);
    expect(line("b2")).toMatch(/^migrate: \[\d\/4\] b2 \(bridge, .* schema `tenant_b2`\): applied/);
    expect(line("p1")).toMatch(/^migrate: \[\d\/4\] p1 \(pooled, .*\): applied/);
    expect(line("s1")).toMatch(/^migrate: \[\d\/4\] s1 \(silo, .*\): failed: error\[PB9106\]/);
    expect(first.stderr).toContain("migrate: 4 tenants: 3 migrated, 0 up to date, 1 failed");

    // The bridge schemas hold the project's tables, guarded; the silo has nothing yet.
    const server = await openClient(backend === "postgres" ? { url: pooled } : { dataDir: pooled });
    try {
      for (const schema of ["tenant_b1", "tenant_b2"]) {
        const rows = await server.query<{ name: string }>("select version || '' as name from " + schema + ".paybill_migrations order by version limit 1");
        expect(rows.length).toBe(1);
        const guarded = await server.query<{ n: number }>("select count(*)::int as n from pg_policies where schemaname = $1 and policyname = 'paybill_schema_tenant'", [schema]);
        expect(guarded[0]?.n).toBeGreaterThan(5);
        const tickets = await server.query<{ n: number }>("select count(*)::int as n from pg_policies where schemaname = $1 and tablename = 'tickets' and policyname = 'paybill_schema_tenant'", [schema]);
        expect(tickets[0]?.n).toBe(1);
      }
    } finally {
      await server.close();
    }

    // Rerun without the fix: the others are up to date, the silo fails again.
    const again = await run(dir, pooled, "json");
    expect(again.code).toBe(1);
    const report = JSON.parse(again.stdout) as { tenants: { tenant: string; status: string; schema?: string }[]; failed: number };
    expect(report.tenants.map((t) => [t.tenant, t.status])).toEqual([["b1", "up_to_date"], ["b2", "up_to_date"], ["p1", "up_to_date"], ["s1", "failed"]]);

    await fix();
    const fixed = await run(dir, pooled);
    expect(fixed.code, fixed.stderr).toBe(0);
    expect(fixed.stderr).toMatch(/migrate: \[\d\/4\] s1 \(silo, .*\): applied runtime \d+.*0000_init, 0001_update\n/);
    expect(fixed.stderr).toContain("migrate: 4 tenants: 1 migrated, 3 up to date, 0 failed");
    const siloDb = await openClient(backend === "postgres" ? { url: silo } : { dataDir: silo });
    try {
      expect((await siloDb.query<{ name: string }>("select id as name from paybill_schema_migrations order by id")).map((r) => r.name)).toEqual(["0000_init", "0001_update"]);
    } finally {
      await siloDb.close();
    }
  }, 600_000);
});
