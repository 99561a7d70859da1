/**
 * The control server's requests as OpenTelemetry server spans (spec/telemetry.md): one per
 * request, named by the route it matched (never the path with its ids), with its status,
 * around the runtime's own spans; an unauthenticated call too. Telemetry sits above the
 * store: one backend (PGlite).
 */
import { context, SpanKind } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import type { Runtime as PackageRuntime } from "@paybill/runtime";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { openRuntime, type Runtime } from "../../runtime/src/runtime.js";
import { storeBundle } from "../../runtime/test/support/store-bundle.js";
import { controlApp } from "../src/control/app.js";
import { installControlTables } from "../src/control/tables.js";
import { createApiToken } from "../src/control/tokens.js";

describe("control server telemetry", () => {
  const spans = new InMemorySpanExporter();
  let runtime: Runtime;
  let app: ReturnType<typeof controlApp>;
  let token: string;

  // A host's SDK registers a context manager (NodeSDK does): spans then nest across awaits.
  const contexts = new AsyncLocalStorageContextManager();

  beforeAll(async () => {
    context.setGlobalContextManager(contexts.enable());
    runtime = await openRuntime({ bundle: storeBundle(), telemetry: { tracerProvider: new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] }) } });
    await installControlTables(runtime.database);
    token = (await createApiToken(runtime.database, { roles: ["operator"] })).token;
    app = controlApp(runtime as unknown as PackageRuntime);
  });
  afterAll(async () => {
    await runtime.close();
    context.disable();
  });
  beforeEach(() => spans.reset());

  const get = (path: string, auth = true) => app.request(path, { headers: auth ? { authorization: `Bearer ${token}` } : {} });

  it("a request is a server span named by its route, with the runtime's span inside it", async () => {
    const onboarded = await app.request("/api/tenants", { method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: JSON.stringify({ id: "spanco", plan: "business" }) });
    expect(onboarded.status).toBe(200);
    expect((await get("/api/tenants/spanco")).status).toBe(200);
    const finished = spans.getFinishedSpans();
    const [post, show] = finished.filter((s) => s.kind === SpanKind.SERVER);
    expect(post).toMatchObject({ name: "POST /api/tenants", attributes: { "http.request.method": "POST", "http.route": "/api/tenants", "http.response.status_code": 200 } });
    expect(show).toMatchObject({ name: "GET /api/tenants/:id", attributes: { "http.route": "/api/tenants/:id", "http.response.status_code": 200 } });
    const onboard = finished.find((s) => s.name === "paybill.tenants.onboard");
    expect(onboard?.parentSpanContext?.spanId).toBe(post?.spanContext().spanId);
    expect(onboard?.spanContext().traceId).toBe(post?.spanContext().traceId);
  });

  it("an unauthenticated call is traced with its 401", async () => {
    expect((await get("/api/tenants/spanco", false)).status).toBe(401);
    const [span] = spans.getFinishedSpans();
    expect(span?.attributes).toMatchObject({ "http.request.method": "GET", "http.response.status_code": 401 });
    expect(span?.name).not.toContain("spanco");
  });
});
