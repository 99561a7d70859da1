/**
 * Telemetry's cost (spec/telemetry.md): the runtime's `decide` and `act` on embedded PGlite
 * with no OpenTelemetry SDK (the API's no-op, what a host that configures none gets) and with
 * an SDK recording every span and metric (a tracer provider with an in-memory exporter,
 * cleared between rounds, and a meter provider with a reader), side by side in one process
 * on the same tenants and requests (examples/helpdesk, `open_ticket` by `triage_bot`).
 * Rounds alternate the two runtimes so drift hits both; p50 and p90 of single calls.
 *
 * The last row is the instrumentation alone without an SDK — the span around a call and its
 * metrics — per call, timed in batches: what telemetry adds to every decision when nobody
 * listens.
 */
import { randomUUID } from "node:crypto";
import { entityTablesSql, openRuntime, Telemetry } from "@paybill/runtime";
import { MeterProvider, MetricReader } from "@opentelemetry/sdk-metrics";
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { compileBundle, HELPDESK } from "./example.mjs";
import { fmtInt, percentile } from "./harness.mjs";

export const name = "telemetry";
export const description = "decide and act on PGlite with no OpenTelemetry SDK (no-op) and with one recording everything";

const TENANTS = 10;
const ROUNDS = 8;
const CALLS_PER_ROUND = 250;
const BATCH = 1000;

class Reader extends MetricReader {
  async onForceFlush() {}
  async onShutdown() {}
}

export default async function run({ log }) {
  log("compiling examples/helpdesk");
  const bundle = compileBundle(HELPDESK);
  const exporter = new InMemorySpanExporter();
  const reader = new Reader();
  const recording = { tracerProvider: new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }), meterProvider: new MeterProvider({ readers: [reader] }) };
  const noop = await open(bundle);
  const sdk = await open(bundle, recording);
  try {
    const rows = [];
    for (const op of ["decide", "act"]) {
      log(`${op}: ${ROUNDS} rounds of ${CALLS_PER_ROUND} calls per runtime`);
      const times = { noop: [], sdk: [] };
      for (let round = 0; round < ROUNDS; round++) {
        for (const [key, bench] of round % 2 === 0 ? [["noop", noop], ["sdk", sdk]] : [["sdk", sdk], ["noop", noop]]) {
          times[key].push(...(await calls(bench, op)));
          exporter.reset();
        }
      }
      const noopP50 = percentile(sorted(times.noop), 50);
      for (const key of ["noop", "sdk"]) {
        const s = sorted(times[key]);
        const p50 = percentile(s, 50);
        rows.push({
          name: `${op}, ${key === "noop" ? "no SDK (no-op)" : "SDK recording spans and metrics"}`,
          size: `${fmtInt(s.length)} calls`,
          median: fmtUs(p50),
          p90: fmtUs(percentile(s, 90)),
          rate: "",
          note: key === "noop" ? "" : `${((p50 / noopP50 - 1) * 100).toFixed(1)}% over no-op`,
          data: { p50Ms: p50, p90Ms: percentile(s, 90), calls: s.length },
        });
      }
    }
    const wrapper = await instrumentationAlone();
    rows.push({ name: "span + metrics alone, no SDK", size: `${fmtInt(wrapper.calls)} calls`, median: `${wrapper.p50Ns.toFixed(0)} ns`, p90: `${wrapper.p90Ns.toFixed(0)} ns`, rate: "", note: "per call, batches of 1,000", data: wrapper });
    const decideNoop = rows[0].data.p50Ms * 1e6;
    return { rows, summary: [`telemetry without an SDK: ${wrapper.p50Ns.toFixed(0)} ns per call, ${((wrapper.p50Ns / decideNoop) * 100).toFixed(2)}% of a decide (p50 ${fmtUs(rows[0].data.p50Ms)})`] };
  } finally {
    await noop.runtime.close();
    await sdk.runtime.close();
  }
}

async function open(bundle, telemetry) {
  const runtime = await openRuntime({ bundle, database: { pglite: {} }, ...(telemetry === undefined ? {} : { telemetry }) });
  await runtime.database.exec(entityTablesSql(runtime.bundle));
  const tenants = [];
  for (let i = 0; i < TENANTS; i++) {
    const id = `tel_${i}_${randomUUID().slice(0, 6)}`;
    await runtime.tenants.put({ id, plan: "business", state: "active" });
    const customer = randomUUID();
    await runtime.database.transaction(async (tx) => {
      await tx.query("select set_config('paybill.tenant', $1, true)", [id]);
      await tx.query("insert into customer (tenant_id, id, name, email) values ($1, $2, $3, $4)", [id, customer, `Customer ${i}`, `c${i}@example.com`]);
    });
    tenants.push({ id, customer });
  }
  return { runtime, tenants, n: 0 };
}

/** CALLS_PER_ROUND sequential calls, each timed (ms). */
async function calls(bench, op) {
  const out = [];
  for (let i = 0; i < CALLS_PER_ROUND; i++) {
    const tenant = bench.tenants[bench.n % bench.tenants.length];
    const n = bench.n++;
    const request = { tenant: tenant.id, agent: "triage_bot", action: "open_ticket", input: { customer: tenant.customer, subject: `Printer on fire #${n}`, body: "It is on fire again.", channel: "email" } };
    const t0 = process.hrtime.bigint();
    const result = op === "decide" ? await bench.runtime.decide(request) : await bench.runtime.act(request);
    out.push(Number(process.hrtime.bigint() - t0) / 1e6);
    if (result.decision !== "allow") throw new Error(`${op} was not allowed: ${JSON.stringify(result.reasons)}`);
  }
  return out;
}

/** What a decide adds without an SDK: its span (attributes included) and its metrics, per call. */
async function instrumentationAlone() {
  const telemetry = new Telemetry();
  const attributes = { "paybill.tenant": "t", "paybill.agent": "triage_bot", "paybill.action": "open_ticket" };
  const one = () =>
    telemetry.span("paybill.decide", { ...attributes }, async (span) => {
      span.isRecording();
      telemetry.decided({ operation: "decide", tenant: "t", action: "open_ticket", decision: "allow", reasonKinds: ["permit"], seconds: 0.0001 });
      return 1;
    });
  for (let i = 0; i < 20_000; i++) await one();
  const perCall = [];
  for (let b = 0; b < 50; b++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < BATCH; i++) await one();
    perCall.push(Number(process.hrtime.bigint() - t0) / BATCH);
  }
  const s = sorted(perCall);
  return { p50Ns: percentile(s, 50), p90Ns: percentile(s, 90), calls: perCall.length * BATCH };
}

const sorted = (values) => [...values].sort((a, b) => a - b);
const fmtUs = (ms) => `${(ms * 1000).toFixed(0)} µs`;
