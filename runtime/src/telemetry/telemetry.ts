/**
 * OpenTelemetry traces and metrics (spec/telemetry.md), through `@opentelemetry/api` only:
 * without an SDK configured by the host every span and instrument is the API's no-op. The
 * runtime takes its tracer and meter when it opens (from `RuntimeOptions.telemetry`, else the
 * global providers the host registered before), so a host registers its SDK first.
 *
 * Spans: `paybill.act`, `paybill.decide`, `paybill.resume`, one per control-plane operation
 * (`paybill.tenants.onboard`, `paybill.approvals.grant`, …), and `http` for a server's
 * requests (`request`). Metrics: decisions by outcome, decision and operation latency
 * histograms, quota units taken and refused, and the share of a run's step budget used.
 * Attributes name the tenant, agent, action, run and outcome, never an input value.
 */
import {
  type Attributes,
  type Counter,
  type Histogram,
  type Meter,
  type MeterProvider,
  metrics,
  type Span,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  type TracerProvider,
  trace,
} from "@opentelemetry/api";

export const INSTRUMENTATION = "@paybill/runtime";

export interface TelemetryOptions {
  /** Spans go here; the global tracer provider (`trace.setGlobalTracerProvider`, an SDK's `register()`) by default. */
  readonly tracerProvider?: TracerProvider;
  /** Instruments come from here; the global meter provider (`metrics.setGlobalMeterProvider`) by default. */
  readonly meterProvider?: MeterProvider;
}

/** What an act or decision adds to the metrics besides its outcome. */
export interface DecisionFacts {
  readonly operation: "act" | "decide" | "resume";
  readonly tenant: string;
  readonly action: string;
  readonly decision: string;
  /** Reason kinds of the decision (`quota`, `budget`, …): a refusal for quota or budget is counted. */
  readonly reasonKinds: readonly string[];
  /** An allowed act took a unit of the plan's `agent_actions` quota. */
  readonly quotaTaken?: boolean;
  /** The run's steps used after this act, and its step budget. */
  readonly runSteps?: { readonly used: number; readonly budget: number };
  readonly seconds: number;
}

export class Telemetry {
  readonly tracer: Tracer;
  readonly #decisions: Counter;
  readonly #decisionSeconds: Histogram;
  readonly #operationSeconds: Histogram;
  readonly #quotaTaken: Counter;
  readonly #refusals: Counter;
  readonly #budgetUsed: Histogram;
  readonly #httpSeconds: Histogram;
  /** Approval notifications delivered or given up (runs/approval-notify.ts), by `paybill.outcome`. */
  readonly notifications: Counter;

  constructor(options: TelemetryOptions = {}) {
    this.tracer = (options.tracerProvider ?? trace.getTracerProvider()).getTracer(INSTRUMENTATION);
    const meter: Meter = (options.meterProvider ?? metrics.getMeterProvider()).getMeter(INSTRUMENTATION);
    this.#decisions = meter.createCounter("paybill.decisions", { description: "Decisions made, by operation, action and outcome" });
    this.#decisionSeconds = meter.createHistogram("paybill.decision.duration", { unit: "s", description: "Time of act, decide and resume, by operation and outcome" });
    this.#operationSeconds = meter.createHistogram("paybill.operation.duration", { unit: "s", description: "Time of control-plane and approval operations, by operation" });
    this.#quotaTaken = meter.createCounter("paybill.quota.taken", { description: "Units of a plan's agent_actions quota taken, by tenant" });
    this.#refusals = meter.createCounter("paybill.refusals", { description: "Acts denied because a quota or a run's budget was used up, by tenant and kind" });
    this.#budgetUsed = meter.createHistogram("paybill.run.budget.used", { unit: "1", description: "Share of a run's step budget used after each of its acts" });
    this.notifications = meter.createCounter("paybill.approvals.notifications", { description: "Approval notifications delivered or given up, by outcome" });
    this.#httpSeconds = meter.createHistogram("http.server.request.duration", { unit: "s", description: "Time of HTTP requests, by method, route and status" });
  }

  /** Runs `fn` in an active span named `name`; the span records an exception and ends either way. */
  async span<T>(name: string, attributes: Attributes, fn: (span: Span) => Promise<T>, kind: SpanKind = SpanKind.INTERNAL): Promise<T> {
    return this.tracer.startActiveSpan(name, { kind, attributes }, async (span) => {
      try {
        return await fn(span);
      } catch (error) {
        failed(span, error);
        throw error;
      } finally {
        span.end();
      }
    });
  }

  /** A control-plane or approval operation: a span and its latency. */
  async operation<T>(name: string, attributes: Attributes, fn: (span: Span) => Promise<T>): Promise<T> {
    const started = performance.now();
    let outcome = "ok";
    try {
      return await this.span(`paybill.${name}`, attributes, fn);
    } catch (error) {
      outcome = "error";
      throw error;
    } finally {
      this.#operationSeconds.record((performance.now() - started) / 1000, { "paybill.operation": name, "paybill.outcome": outcome });
    }
  }

  /** Records a decision's metrics. */
  decided(facts: DecisionFacts): void {
    const attributes = { "paybill.operation": facts.operation, "paybill.action": facts.action, "paybill.decision": facts.decision };
    this.#decisions.add(1, attributes);
    this.#decisionSeconds.record(facts.seconds, { "paybill.operation": facts.operation, "paybill.decision": facts.decision });
    if (facts.quotaTaken === true) this.#quotaTaken.add(1, { "paybill.tenant": facts.tenant });
    for (const kind of facts.reasonKinds) {
      if (kind === "quota" || kind === "budget") this.#refusals.add(1, { "paybill.tenant": facts.tenant, "paybill.refusal": kind });
    }
    if (facts.runSteps !== undefined && facts.runSteps.budget > 0) {
      this.#budgetUsed.record(Math.min(1, facts.runSteps.used / facts.runSteps.budget), { "paybill.action": facts.action });
    }
  }

  /**
   * The hook for an HTTP server in front of the runtime: `handle` answers the request and
   * resolves to its status code; one server span named `METHOD route` with the HTTP
   * semantic-convention attributes, and the request's latency. `route` is the route's
   * pattern (`/api/approvals/{id}/grant`), or a function read once the request was answered
   * (a router knows the matched route only then). A status of 500 and above (or a throw)
   * marks the span as an error.
   */
  async request(request: { method: string; route: string | (() => string) }, handle: (span: Span) => Promise<number>): Promise<number> {
    const started = performance.now();
    const routeOf = (): string => (typeof request.route === "string" ? request.route : request.route());
    let status = 500;
    try {
      status = await this.span(
        typeof request.route === "string" ? `${request.method} ${request.route}` : request.method,
        { "http.request.method": request.method },
        async (span) => {
          const answered = await handle(span);
          const route = routeOf();
          span.updateName(`${request.method} ${route}`);
          span.setAttributes({ "http.route": route, "http.response.status_code": answered });
          if (answered >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
          return answered;
        },
        SpanKind.SERVER,
      );
      return status;
    } finally {
      this.#httpSeconds.record((performance.now() - started) / 1000, { "http.request.method": request.method, "http.route": routeOf(), "http.response.status_code": status });
    }
  }
}

function failed(span: Span, error: unknown): void {
  if (!span.isRecording()) return;
  if (error instanceof Error) {
    span.recordException(error);
    const code = (error as { code?: unknown }).code;
    if (typeof code === "string") span.setAttribute("paybill.error.code", code);
  }
  span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
}

/** The attributes of an act or decision span once it is decided. */
export function decisionAttributes(span: Span, decision: string, extra: Attributes = {}): void {
  if (!span.isRecording()) return;
  span.setAttributes({ "paybill.decision": decision, ...extra });
}
