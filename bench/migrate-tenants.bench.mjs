/**
 * `migrate-tenants`: `paybillc migrate --all-tenants` (compiler/src/commands/migrate-all.ts)
 * over SCHEMAS bridge tenants (default 100; PAYBILL_BENCH_SCHEMAS to change it), on a PGlite
 * data directory and on the PostgreSQL server named by PAYBILL_BENCH_DATABASE_URL (a
 * database made for the run, dropped after; when it is unreachable its rows say so), with
 * the helpdesk example's migrations:
 *
 *   - the first run: every tenant's schema created, the runtime's tables and the project's
 *     migrations applied, the schema guarded and audited — total and per schema;
 *   - a rerun: every schema found up to date (what resuming after a failure costs per tenant).
 *
 * The registry is made first (the helpdesk bundle without its static tenants; tenants
 * onboarded on `business`, a bridge plan, and provisioned by a provisioner that does nothing).
 * One timed run each: the rows are wall-clock time of a whole command.
 */
import { randomBytes } from "node:crypto";
import { cp, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import pg from "pg";
import { bundleHash, openRuntime } from "@paybill/runtime";
import { compileBundle, HELPDESK, onBothBackends, PG_URL, ROOT } from "./example.mjs";
import { fmtInt, fmtMs, fmtRate } from "./harness.mjs";

export const name = "migrate-tenants";
export const description = "paybillc migrate --all-tenants over 100 bridge schemas: first run and rerun (PGlite and PostgreSQL)";

const SCHEMAS = Number(process.env.PAYBILL_BENCH_SCHEMAS || 100);

export default async function run({ log = () => {} } = {}) {
  log("compiling examples/helpdesk with paybillc build");
  const { hash: _hash, ...body } = { ...compileBundle(HELPDESK), tenants: {} };
  const bundle = { ...body, hash: bundleHash(body) };
  const { migrateAll } = await import(join(ROOT, "compiler", "dist", "commands", "migrate-all.js"));
  return onBothBackends(`migrate --all-tenants, ${SCHEMAS} bridge schemas`, (backend) => benchBackend(backend, bundle, migrateAll, log));
}

async function benchBackend(backend, bundle, migrateAll, log) {
  const dir = await mkdtemp(join(tmpdir(), "paybill-bench-migrate-"));
  let admin;
  let database;
  try {
    await cp(join(HELPDESK, "migrations"), join(dir, "migrations"), { recursive: true });
    await mkdir(join(dir, "out"));
    await writeFile(join(dir, "out", "bundle.json"), JSON.stringify(bundle));
    if (backend === "postgres") {
      const db = `paybill_bench_migrate_${process.pid}_${randomBytes(4).toString("hex")}`;
      admin = new pg.Client({ connectionString: PG_URL });
      await admin.connect();
      await admin.query(`create database ${db}`);
      const url = new URL(PG_URL);
      url.pathname = `/${db}`;
      database = { name: db, target: url.toString() };
    } else {
      database = { target: join(dir, "db") };
    }
    log(`${backend}: onboarding ${SCHEMAS} bridge tenants`);
    const runtime = await openRuntime({ bundle, database: backend === "postgres" ? { url: database.target, privileged: true, max: 2 } : { pglite: { dataDir: database.target } } });
    try {
      const nothing = { name: "nothing", run: async () => ({ ok: true, detail: "nothing" }) };
      for (let i = 0; i < SCHEMAS; i++) {
        const id = `bench-${String(i).padStart(3, "0")}`;
        await runtime.tenants.onboard({ id, plan: "business" });
        await runtime.tenants.provision(id, nothing);
      }
    } finally {
      await runtime.close();
    }
    const io = { cwd: dir, color: false, debug: false, out: () => {}, err: () => {} };
    const timed = async (label) => {
      log(`${backend}: ${label}`);
      const start = performance.now();
      const code = await migrateAll(".", { database: database.target, format: "text" }, io);
      const ms = performance.now() - start;
      if (code !== 0) throw new Error(`migrate --all-tenants exited ${code} on ${backend}`);
      return ms;
    };
    const first = await timed("first run");
    const again = await timed("rerun");
    const row = (label, ms, note) => ({
      name: `${backend}: ${label}`,
      size: `${fmtInt(SCHEMAS)} schemas`,
      median: fmtMs(ms),
      p90: "",
      rate: fmtRate((SCHEMAS * 1000) / ms, "schemas"),
      note: `${fmtMs(ms / SCHEMAS)} per schema; ${note}`,
      data: { backend, schemas: SCHEMAS, totalMs: ms, perSchemaMs: ms / SCHEMAS },
    });
    return {
      rows: [row("migrate --all-tenants (first run)", first, "created, migrated, guarded, audited"), row("migrate --all-tenants (rerun, all up to date)", again, "checked and audited, nothing applied")],
      summary: [`${backend}: migrate --all-tenants over ${SCHEMAS} bridge schemas: ${fmtMs(first)} (${fmtMs(first / SCHEMAS)} per schema); rerun ${fmtMs(again)} (${fmtMs(again / SCHEMAS)} per schema)`],
    };
  } finally {
    if (admin !== undefined) {
      await admin.query(`drop database if exists ${database.name} with (force)`).catch(() => undefined);
      await admin.end();
    }
    await rm(dir, { recursive: true, force: true });
  }
}
