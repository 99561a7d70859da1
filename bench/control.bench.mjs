/**
 * `control`: the control plane's operations on PGlite (in memory) and on the PostgreSQL
 * server named by PAYBILL_BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test;
 * when it is unreachable its rows say so), one call at a time, on the helpdesk bundle:
 *
 *   - a lifecycle transition (suspend, then resume, over TENANTS tenants in turn): the tenant
 *     row locked, the table checked, the row updated, a transition row and an audit record
 *     appended — beside the bare SQL of the state change alone (BEGIN; SELECT … FOR UPDATE;
 *     UPDATE; COMMIT), so the ratio is what the record keeping costs;
 *   - a billing event with a new id (`payment_succeeded` of a tenant in good standing: recorded,
 *     no transition), and the same event replayed (found by id, nothing written);
 *   - onboarding a tenant and provisioning it with the RecordingProvisioner (dry run): two
 *     transitions in, one step recorded, `active`;
 *   - the usage export of a month for every tenant, after ACTS audited `open_ticket` acts.
 *
 * Each row times sequential calls after a warm-up (median and p90).
 */
import { randomUUID } from "node:crypto";
import { entityTablesSql, openRuntime, RecordingProvisioner } from "@paybill/runtime";
import { compileBundle, HELPDESK, onBothBackends, PG_URL } from "./example.mjs";
import { fmtInt, fmtMs, fmtRate, measure } from "./harness.mjs";

export const name = "control";
export const description = "control plane: transitions, billing events, onboard + provision, usage export (PGlite and PostgreSQL)";

const TENANTS = 16;
const ACTS = 400;
const RUNS = { warmup: 10, minRuns: 40, maxRuns: 400, maxTimeMs: 2500 };

export default async function run({ log = () => {} } = {}) {
  log("compiling examples/helpdesk with paybillc build");
  const bundle = compileBundle(HELPDESK);
  return onBothBackends("control plane", (backend) => benchBackend(backend, bundle, log));
}

async function benchBackend(backend, bundle, log) {
  const schema = `paybill_bench_control_${process.pid}_${randomUUID().slice(0, 8)}`;
  log(`${backend}: opening the runtime`);
  const runtime = await openRuntime({ bundle, database: backend === "postgres" ? { url: PG_URL, schema, max: 4, privileged: true } : { pglite: {} } });
  const rows = [];
  const summary = [];
  const row = (label, stats, unit, note, data = {}) => {
    rows.push({
      name: `${backend}: ${label}`,
      size: `${fmtInt(stats.runs)} calls`,
      median: fmtMs(stats.medianMs),
      p90: fmtMs(stats.p90Ms),
      rate: fmtRate(1000 / stats.medianMs, unit),
      note,
      data: { backend, ...stats, samplesMs: undefined, ...data },
    });
  };
  try {
    await runtime.database.exec(entityTablesSql(runtime.bundle));
    const dry = new RecordingProvisioner();
    const tenants = [];
    for (let i = 0; i < TENANTS; i++) {
      const id = `bench-${i}-${randomUUID().slice(0, 6)}`;
      await runtime.tenants.onboard({ id, plan: "business" });
      await runtime.tenants.provision(id, dry);
      tenants.push(id);
    }

    log(`${backend}: transitions`);
    let turn = 0;
    const transition = await measure(async () => {
      const id = tenants[turn % TENANTS];
      const suspend = Math.floor(turn / TENANTS) % 2 === 0;
      turn++;
      return suspend ? runtime.tenants.suspend(id) : runtime.tenants.resume(id);
    }, { ...RUNS, warmup: 2 * TENANTS });
    // Leave every tenant active for what follows.
    for (const id of tenants) if ((await runtime.tenants.get(id))?.state === "suspended") await runtime.tenants.resume(id);
    let bareTurn = 0;
    const bare = await measure(
      () =>
        runtime.database.transaction(async (tx) => {
          const id = tenants[bareTurn++ % TENANTS];
          const [current] = await tx.query("select state from paybill_tenants where id = $1 for update", [id]);
          // Writes the state it found: the same row work, without changing what the rest measures.
          await tx.query("update paybill_tenants set state = $2, updated_at = now() where id = $1", [id, current.state]);
        }),
      RUNS,
    );
    const ratio = transition.medianMs / bare.medianMs;
    row("suspend / resume (audited transition)", transition, "transitions/s", `${ratio.toFixed(2)}× the bare state change`, { bareRatio: ratio });
    row("bare SQL: lock, update the state", bare, "txns/s", "BEGIN; SELECT … FOR UPDATE; UPDATE; COMMIT");

    log(`${backend}: billing events`);
    let eventTurn = 0;
    const events = [];
    const fresh = await measure(async () => {
      const event = { id: `evt_${randomUUID()}`, type: "payment_succeeded", tenant: tenants[eventTurn++ % TENANTS] };
      events.push(event);
      const result = await runtime.billing.event(event);
      if (result.duplicate) throw new Error("a new billing event was taken for a duplicate");
      return result;
    }, RUNS);
    let replayTurn = 0;
    const replay = await measure(async () => {
      const result = await runtime.billing.event(events[replayTurn++ % events.length]);
      if (!result.duplicate) throw new Error("a replayed billing event was applied again");
      return result;
    }, RUNS);
    row("billing event, new id (recorded)", fresh, "events/s", "payment_succeeded in good standing");
    row("billing event replayed (same id)", replay, "events/s", `${(replay.medianMs / fresh.medianMs).toFixed(2)}× a new event; nothing written`);

    log(`${backend}: onboard + provision`);
    const onboarded = await measure(async () => {
      const id = `new-${randomUUID().slice(0, 12)}`;
      await runtime.tenants.onboard({ id, plan: "business" });
      const result = await runtime.tenants.provision(id, dry);
      if (result.tenant.state !== "active") throw new Error(`provisioning left ${id} ${result.tenant.state}`);
      return result;
    }, { ...RUNS, maxRuns: 150 });
    row("onboard + provision (dry run)", onboarded, "tenants/s", "pending → provisioning → active, one step recorded");

    log(`${backend}: usage export after ${ACTS} acts`);
    const customers = new Map();
    for (const tenant of tenants) {
      const customer = randomUUID();
      await runtime.database.transaction(async (tx) => {
        await tx.query("select set_config('paybill.tenant', $1, true)", [tenant]);
        await tx.query("insert into customer (tenant_id, id, name, email) values ($1, $2, $3, $4)", [tenant, customer, "Ada", `ada@${tenant}.example`]);
      });
      customers.set(tenant, customer);
    }
    for (let i = 0; i < ACTS; i++) {
      const tenant = tenants[i % TENANTS];
      const input = { customer: customers.get(tenant), subject: `Ticket ${i}`, body: "The kettle arrived broken.", channel: "email" };
      const out = await runtime.act({ tenant, agent: "triage_bot", action: "open_ticket", input });
      if (out.decision !== "allow") throw new Error(`open_ticket was not allowed: ${JSON.stringify(out.reasons)}`);
    }
    const period = new Date().toISOString().slice(0, 7);
    const exported = await measure(() => runtime.usage.export({ period }), { warmup: 3, minRuns: 10, maxRuns: 100, maxTimeMs: 2500 });
    const usage = await runtime.usage.export({ period });
    row(`usage export, ${fmtInt(usage.length)} rows`, exported, "exports/s", `${fmtInt(new Set(usage.map((r) => r.tenant)).size)} tenants, ${ACTS} acts audited this month`);
    summary.push(`${backend}: an audited transition takes ${ratio.toFixed(2)}× the bare state change (${fmtMs(transition.medianMs)} vs ${fmtMs(bare.medianMs)})`);
  } finally {
    if (backend === "postgres") await runtime.database.exec(`drop schema if exists "${schema}" cascade`);
    await runtime.close();
  }
  return { rows, summary };
}

