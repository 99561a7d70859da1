/**
 * OpenTelemetry (spec/telemetry.md): spans for act, decide, resume, control-plane and
 * approval operations and the HTTP hook, and the metrics (decisions by outcome, latency,
 * quota units taken, refusals for quota or budget, a run's budget used), read back from the
 * SDK's in-memory span exporter and a metric reader. Without an SDK the spans do not record.
 * Telemetry sits above the store, so one backend (PGlite) covers it.
 */
import { SpanKind, SpanStatusCode } from "@opentelemetry/api";
import { type DataPoint, MeterProvider, MetricReader, type ResourceMetrics } from "@opentelemetry/sdk-metrics";
import { BasicTracerProvider, InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { openRuntime, type Runtime } from "../src/runtime.js";
import { entityTablesSql } from "../src/store/entity-tables.js";
import { RecordingProvisioner } from "../src/control/recording-provisioner.js";
import { storeBundle } from "./support/store-bundle.js";
import { newTenant, seedTicket } from "./support/store-db.js";

class TestReader extends MetricReader {
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}
}

/** Every data point of the metric `name`, with its attributes. */
async function points(reader: TestReader, name: string): Promise<DataPoint<unknown>[]> {
  const { resourceMetrics } = (await reader.collect()) as { resourceMetrics: ResourceMetrics };
  return resourceMetrics.scopeMetrics.flatMap((s) => s.metrics).filter((m) => m.descriptor.name === name).flatMap((m) => m.dataPoints as DataPoint<unknown>[]);
}

const sumWhere = (ps: DataPoint<unknown>[], attrs: Record<string, string>): number =>
  ps.filter((p) => Object.entries(attrs).every(([k, v]) => p.attributes[k] === v)).reduce((n, p) => n + Number(p.value), 0);

describe("telemetry", () => {
  const spans = new InMemorySpanExporter();
  const reader = new TestReader();
  let runtime: Runtime;

  beforeAll(async () => {
    const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] });
    const meterProvider = new MeterProvider({ readers: [reader] });
    runtime = await openRuntime({ bundle: storeBundle(), telemetry: { tracerProvider, meterProvider } });
    await runtime.database.exec(entityTablesSql(runtime.bundle));
  });
  afterAll(() => runtime.close());
  beforeEach(() => spans.reset());

  const named = (name: string): ReadableSpan[] => spans.getFinishedSpans().filter((s) => s.name === name);

  it("an act and a decide are spans with who asked what and the outcome, never the input; decisions are counted by outcome", async () => {
    const tenant = await newTenant(runtime);
    const before = sumWhere(await points(reader, "paybill.decisions"), { "paybill.operation": "act", "paybill.decision": "allow" });
    const acted = await runtime.act({ tenant, agent: "support_bot", action: "open_ticket", input: { customer: "c", email: "secret@example.com", amount: 1 } });
    expect(acted.decision).toBe("allow");
    const [act] = named("paybill.act");
    expect(act?.attributes).toEqual({
      "paybill.tenant": tenant,
      "paybill.agent": "support_bot",
      "paybill.action": "open_ticket",
      "paybill.decision": "allow",
      "paybill.audit.id": acted.auditId,
    });
    expect(JSON.stringify(act?.attributes)).not.toContain("secret@example.com");

    const denied = await runtime.decide({ tenant, agent: "supervisor_bot", action: "open_ticket", input: { customer: "c", email: "e@example.com", amount: 1 } });
    expect(denied.decision).toBe("deny");
    expect(named("paybill.decide")[0]?.attributes).toMatchObject({ "paybill.agent": "supervisor_bot", "paybill.decision": "deny" });

    const decisions = await points(reader, "paybill.decisions");
    expect(sumWhere(decisions, { "paybill.operation": "act", "paybill.decision": "allow" })).toBe(before + 1);
    expect(sumWhere(decisions, { "paybill.operation": "decide", "paybill.decision": "deny", "paybill.action": "open_ticket" })).toBeGreaterThanOrEqual(1);
    const latency = (await points(reader, "paybill.decision.duration")).find((p) => p.attributes["paybill.operation"] === "act");
    expect((latency?.value as { count: number } | undefined)?.count).toBeGreaterThanOrEqual(1);
  });

  it("counts quota units taken per tenant and a refusal when the quota is used up", async () => {
    const tenant = await newTenant(runtime, "free");
    const open = (n: number) => runtime.act({ tenant, agent: "support_bot", action: "open_ticket", input: { customer: `c${n}`, email: "e@example.com", amount: n } });
    for (let n = 0; n < 5; n++) expect((await open(n)).decision).toBe("allow");
    const sixth = await open(5);
    expect(sixth.reasons[0]?.kind).toBe("quota");
    expect(sumWhere(await points(reader, "paybill.quota.taken"), { "paybill.tenant": tenant })).toBe(5);
    expect(sumWhere(await points(reader, "paybill.refusals"), { "paybill.tenant": tenant, "paybill.refusal": "quota" })).toBe(1);
  });

  it("records the share of a run's step budget each act used", async () => {
    const tenant = await newTenant(runtime);
    const run = await runtime.runs.start({ workflow: "resolve_ticket", tenant });
    const before = await points(reader, "paybill.run.budget.used");
    const count = (ps: DataPoint<unknown>[]) => ps.reduce((n, p) => n + (p.value as { count: number }).count, 0);
    const sum = (ps: DataPoint<unknown>[]) => ps.reduce((n, p) => n + (p.value as { sum: number }).sum, 0);
    await runtime.act({ tenant, agent: "support_bot", action: "open_ticket", input: { customer: "c", email: "e@example.com", amount: 1 }, run: run.id });
    await runtime.act({ tenant, agent: "support_bot", action: "open_ticket", input: { customer: "c", email: "e@example.com", amount: 2 }, run: run.id });
    const after = await points(reader, "paybill.run.budget.used");
    expect(count(after) - count(before)).toBe(2);
    // resolve_ticket allows 20 steps: 1/20 then 2/20.
    expect(sum(after) - sum(before)).toBeCloseTo(3 / 20, 10);
    expect(named("paybill.runs.start")[0]?.attributes).toMatchObject({ "paybill.tenant": tenant, "paybill.workflow": "resolve_ticket" });
  });

  it("a pending approval's grant and resume are spans; a failed operation is an error span with its code", async () => {
    const tenant = await newTenant(runtime);
    const run = await runtime.runs.start({ workflow: "resolve_ticket", tenant });
    await runtime.runs.next(run.id, "escalate");
    const ticket = await seedTicket(runtime, tenant);
    const pending = await runtime.act({ tenant, agent: "support_bot", action: "refund", input: { ticket, amount: 250 }, run: run.id });
    expect(pending.decision).toBe("pending");
    expect(named("paybill.act")[0]?.attributes).toMatchObject({ "paybill.decision": "pending", "paybill.approval.id": pending.approvalId, "paybill.run": run.id });
    const id = pending.approvalId ?? "";
    await runtime.approvals.grant(id, { by: "fran" });
    const resumed = await runtime.resume(id);
    expect(resumed.decision).toBe("allow");
    expect(named("paybill.approvals.grant")[0]?.attributes).toEqual({ "paybill.approval.id": id });
    expect(named("paybill.resume")[0]?.attributes).toMatchObject({ "paybill.approval.id": id, "paybill.action": "refund", "paybill.decision": "allow" });
    expect(sumWhere(await points(reader, "paybill.decisions"), { "paybill.operation": "resume", "paybill.decision": "allow" })).toBe(1);

    await expect(runtime.approvals.grant(id, { by: "fran" })).rejects.toMatchObject({ code: "PBR114" });
    const failed = named("paybill.approvals.grant")[1];
    expect(failed?.status.code).toBe(SpanStatusCode.ERROR);
    expect(failed?.attributes["paybill.error.code"]).toBe("PBR114");
    expect(failed?.events.map((e) => e.name)).toEqual(["exception"]);
    const ops = await points(reader, "paybill.operation.duration");
    expect(ops.some((p) => p.attributes["paybill.operation"] === "approvals.grant" && p.attributes["paybill.outcome"] === "error")).toBe(true);
  });

  it("control-plane operations are spans: onboard, provision, suspend, verify", async () => {
    const { tenant } = await runtime.tenants.onboard({ id: "telemetry_co", plan: "business" });
    await runtime.tenants.provision(tenant.id, new RecordingProvisioner());
    await runtime.tenants.suspend(tenant.id, { reason: "test" });
    await runtime.audit.verify(tenant.id);
    expect(spans.getFinishedSpans().map((s) => s.name)).toEqual(["paybill.tenants.onboard", "paybill.tenants.provision", "paybill.tenants.suspend", "paybill.audit.verify"]);
    expect(named("paybill.tenants.onboard")[0]?.attributes).toEqual({ "paybill.tenant": "telemetry_co", "paybill.plan": "business" });
    expect(named("paybill.audit.verify")[0]?.attributes).toEqual({ "paybill.tenant": "telemetry_co", "paybill.audit.ok": true });
  });

  it("the HTTP hook makes a server span with the route and status, an error from 500 on", async () => {
    expect(await runtime.telemetry.request({ method: "GET", route: "/api/tenants" }, async () => 200)).toBe(200);
    expect(await runtime.telemetry.request({ method: "POST", route: "/api/approvals/:id/grant" }, async () => 503)).toBe(503);
    const [ok, bad] = spans.getFinishedSpans();
    expect(ok).toMatchObject({ name: "GET /api/tenants", kind: SpanKind.SERVER });
    expect(ok?.attributes).toEqual({ "http.request.method": "GET", "http.route": "/api/tenants", "http.response.status_code": 200 });
    expect(ok?.status.code).toBe(SpanStatusCode.UNSET);
    expect(bad?.status.code).toBe(SpanStatusCode.ERROR);
    // A router's route, known once the request was answered.
    let matched = "/api/tenants";
    await runtime.telemetry.request({ method: "GET", route: () => matched }, async () => {
      matched = "/api/tenants/{id}";
      return 404;
    });
    expect(spans.getFinishedSpans()[2]).toMatchObject({ name: "GET /api/tenants/{id}", attributes: { "http.route": "/api/tenants/{id}", "http.response.status_code": 404 } });
    const http = await points(reader, "http.server.request.duration");
    expect(http.map((p) => p.attributes["http.response.status_code"]).sort()).toEqual([200, 404, 503]);
  });
});

describe("telemetry without an SDK", () => {
  it("is the API's no-op: spans do not record", async () => {
    const runtime = await openRuntime({ bundle: storeBundle() });
    try {
      const span = runtime.telemetry.tracer.startSpan("x");
      expect(span.isRecording()).toBe(false);
      span.end();
      const tenant = await newTenant(runtime);
      expect((await runtime.decide({ tenant, agent: "supervisor_bot", action: "open_ticket", input: { customer: "c", email: "e@example.com", amount: 1 } })).decision).toBe("deny");
    } finally {
      await runtime.close();
    }
  });
});
