/**
 * `data-move`: a tenant's 100,000 rows moved pooled → bridge by the control plane's data
 * mover (runtime/src/control/data-move.ts: batches in key order recorded in
 * paybill_data_moves, counts and checksums on both sides, the old rows deleted in batches,
 * four audit records), beside a bare `INSERT … SELECT` of the same rows into another
 * bridge schema (one statement per table: no progress, no verification, no deletion), so
 * the ratio is what resumability and verification cost. On PGlite (in memory) and on the
 * PostgreSQL server named by PAYBILL_BENCH_DATABASE_URL (default
 * postgres://postgres@127.0.0.1:5432/test, in a schema of its own, dropped after).
 *
 * The rows: 20,000 customers and 80,000 tickets referencing them. A move is measured once
 * per batch size (it consumes its rows; the tenant is seeded again before each).
 */
import { randomUUID } from "node:crypto";
import { bundleHash, entityTablesSql, loadBundle, openRuntime } from "@paybill/runtime";
import { onBothBackends, PG_URL } from "./example.mjs";
import { fmtInt, fmtMs, fmtRate } from "./harness.mjs";

export const name = "data-move";
export const description = "control plane: a tenant's 100,000 rows moved pooled → bridge (resumable, verified, audited) vs a bare INSERT … SELECT";

const CUSTOMERS = 20_000;
const TICKETS_EACH = 4;
const ROWS = CUSTOMERS * (1 + TICKETS_EACH);
const BATCHES = [1000, 10_000];

const field = (name, type, extra = {}) => ({ name, type, optional: false, pii: false, ...extra });

function moveBundle() {
  const body = {
    format: "paybill-bundle",
    version: 2,
    agents: {},
    actions: {},
    policies: [],
    workflows: {},
    tenants: {},
    plans: { free: { name: "free", isolation: { model: "pooled" }, limits: {}, features: [] } },
    entities: {
      Customer: { name: "Customer", table: "customers", key: "id", fields: [field("id", { kind: "uuid" }, { id: true }), field("name", { kind: "string", max: 200 })] },
      Ticket: {
        name: "Ticket",
        table: "tickets",
        key: "id",
        fields: [
          field("id", { kind: "uuid" }, { id: true }),
          field("customer", { kind: "uuid" }, { references: { entity: "Customer", field: "id" } }),
          field("amount", { kind: "decimal" }),
          field("subject", { kind: "string", max: 200 }),
        ],
      },
    },
  };
  return loadBundle(JSON.stringify({ ...body, hash: bundleHash(body) }));
}

export default async function run({ log = () => {} } = {}) {
  const bundle = moveBundle();
  return onBothBackends("data move", (backend) => benchBackend(backend, bundle, log));
}

async function seed(db, schema, tenant) {
  await db.transaction(async (tx) => {
    await tx.query("select set_config('paybill.tenant', $1, true)", [tenant]);
    await tx.query(`insert into ${schema}.customers (tenant_id, id, name) select $1, gen_random_uuid(), 'Customer ' || i from generate_series(1, $2::int) i`, [tenant, CUSTOMERS]);
    await tx.query(
      `insert into ${schema}.tickets (tenant_id, id, customer, amount, subject)
       select $1, gen_random_uuid(), c.id, (j * 2.5)::numeric, 'Ticket ' || j from ${schema}.customers c, generate_series(1, $2::int) j where c.tenant_id = $1`,
      [tenant, TICKETS_EACH],
    );
  });
}

/** The entity tables as the compiler's migrations make them: with the index on `tenant_id` every table has (spec/database.md). */
async function entityTables(tx, bundle) {
  await tx.exec(entityTablesSql(bundle));
  for (const entity of Object.values(bundle.entities)) await tx.exec(`create index if not exists ${entity.table}_tenant_id_idx on ${entity.table} (tenant_id)`);
}

async function bridgeSchema(db, bundle) {
  const schema = `bench_bridge_${randomUUID().slice(0, 8)}`;
  await db.transaction(async (tx) => {
    await tx.exec(`create schema ${schema}; set local search_path to ${schema}`);
    await entityTables(tx, bundle);
  });
  return schema;
}

async function benchBackend(backend, bundle, log) {
  const schema = `paybill_bench_move_${process.pid}_${randomUUID().slice(0, 8)}`;
  log(`${backend}: opening the runtime`);
  const runtime = await openRuntime({ bundle, database: backend === "postgres" ? { url: PG_URL, schema, max: 4, privileged: true } : { pglite: {} } });
  const db = runtime.database;
  const made = [];
  const rows = [];
  const summary = [];
  try {
    await db.transaction((tx) => entityTables(tx, bundle));
    const [current] = await db.query("select current_schema() as s");
    const pooled = { sql: db, schema: String(current.s) };

    log(`${backend}: bare INSERT … SELECT of ${fmtInt(ROWS)} rows`);
    const bareTenant = `bare-${randomUUID().slice(0, 8)}`;
    await seed(db, pooled.schema, bareTenant);
    const bareTarget = await bridgeSchema(db, bundle);
    made.push(bareTarget);
    const bareStart = performance.now();
    await db.transaction(async (tx) => {
      await tx.query("select set_config('paybill.tenant', $1, true)", [bareTenant]);
      await tx.query(`insert into ${bareTarget}.customers (tenant_id, id, name) select tenant_id, id, name from ${pooled.schema}.customers where tenant_id = $1`, [bareTenant]);
      await tx.query(
        `insert into ${bareTarget}.tickets (tenant_id, id, customer, amount, subject) select tenant_id, id, customer, amount, subject from ${pooled.schema}.tickets where tenant_id = $1`,
        [bareTenant],
      );
    });
    const bareMs = performance.now() - bareStart;
    rows.push({
      name: `${backend}: bare INSERT … SELECT`,
      size: `${fmtInt(ROWS)} rows`,
      median: fmtMs(bareMs),
      p90: "",
      rate: fmtRate((ROWS * 1000) / bareMs, "rows/s"),
      note: "one statement per table, one transaction: no progress, no verification, nothing deleted",
      data: { backend, rows: ROWS, ms: bareMs },
    });

    for (const batch of BATCHES) {
      const tenant = `move-${batch}-${randomUUID().slice(0, 8)}`;
      log(`${backend}: seeding ${fmtInt(ROWS)} rows for ${tenant}`);
      await seed(db, pooled.schema, tenant);
      const target = { sql: db, schema: await bridgeSchema(db, bundle) };
      made.push(target.schema);
      log(`${backend}: moving them, batches of ${fmtInt(batch)}`);
      const start = performance.now();
      const report = await runtime.tenants.moveData({ tenant, moveId: "bench", source: pooled, target, batch });
      const ms = performance.now() - start;
      const moved = report.tables.reduce((n, t) => n + t.rows, 0);
      if (report.phase !== "done" || moved !== ROWS || report.deleted !== ROWS) throw new Error(`the move ended ${report.phase} with ${moved} rows copied and ${report.deleted} deleted`);
      const ratio = ms / bareMs;
      rows.push({
        name: `${backend}: data move, batches of ${fmtInt(batch)}`,
        size: `${fmtInt(ROWS)} rows`,
        median: fmtMs(ms),
        p90: "",
        rate: fmtRate((ROWS * 1000) / ms, "rows/s"),
        note: `${ratio.toFixed(1)}× the bare INSERT … SELECT; copy + verify + switch + delete, audited`,
        data: { backend, rows: ROWS, batch, ms, bareRatio: ratio },
      });
      summary.push(`${backend}: ${fmtInt(ROWS)} rows pooled → bridge in batches of ${fmtInt(batch)}: ${fmtRate((ROWS * 1000) / ms, "rows/s")}, ${ratio.toFixed(1)}× a bare INSERT … SELECT (${fmtMs(ms)} vs ${fmtMs(bareMs)})`);
    }
  } finally {
    if (backend === "postgres") {
      for (const s of made) await db.exec(`drop schema if exists "${s}" cascade`);
      await db.exec(`drop schema if exists "${schema}" cascade`);
    }
    await runtime.close();
  }
  return { rows, summary };
}
