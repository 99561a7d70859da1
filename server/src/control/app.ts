/**
 * The control-plane HTTP API (spec/control-server.md): one Hono app on a runtime. Every
 * route is declared with its zod schemas (schemas.ts) and served with them, and
 * `/openapi.json` (OpenAPI 3.1) is generated from the same declarations. Under `/api` every
 * call needs credentials (auth.ts) and a role (identity.ts), is rate-limited per caller
 * (rate-limit.ts), and a call that changes state is recorded in `paybill_api_calls` with
 * who made it; the runtime's own records (transitions, audit, approvals) carry the same
 * name. `POST /webhooks/stripe` is authenticated by Stripe's signature instead (stripe.ts).
 */
import { createRoute, OpenAPIHono, type RouteConfig, z } from "@hono/zod-openapi";
import { CONTROL_ROLE, type Provisioner, RecordingProvisioner, type Runtime } from "@paybill/runtime";
import type { Context, MiddlewareHandler } from "hono";
import { routePath } from "hono/route";
import { type Authenticate, authenticator, type OidcOptions } from "./auth.js";
import { allows, approverGroups, type Caller, type Need } from "./identity.js";
import { ProblemError, problemFor, problemOf, problemResponse } from "./problem.js";
import { rateLimit } from "./rate-limit.js";
import * as s from "./schemas.js";
import { mapStripeEvent, meterEvents, pushMeterEvents, type StripeOptions, verifyStripeEvent } from "./stripe.js";
import { CALLS_TABLE } from "./tables.js";

export interface ControlAppOptions {
  readonly oidc?: OidcOptions;
  readonly stripe?: StripeOptions;
  /** Requests per minute per caller (default 600). */
  readonly ratePerMinute?: number;
  /** The rate limit's clock in milliseconds (tests). */
  readonly now?: () => number;
  /** What `provision` runs the steps with (default: the runtime's RecordingProvisioner — a dry run). */
  readonly provisioner?: Provisioner;
  /** The server's version in the OpenAPI document. */
  readonly version?: string;
}

type Env = { Variables: { caller: Caller } };

/** The runtime's readonly values as the JSON they are sent as (a type change only). */
type Plain<T> = T extends readonly (infer E)[] ? Plain<E>[] : T extends object ? { -readonly [K in keyof T]: Plain<T[K]> } : T;
const plain = <T>(value: T): Plain<T> => value as Plain<T>;

const json = <T extends z.ZodType>(schema: T, description: string) => ({ content: { "application/json": { schema } }, description });
const problems = {
  400: { content: { "application/problem+json": { schema: s.ProblemSchema } }, description: "A request the API cannot take" },
  401: { content: { "application/problem+json": { schema: s.ProblemSchema } }, description: "Missing or bad credentials" },
  403: { content: { "application/problem+json": { schema: s.ProblemSchema } }, description: "The caller's roles do not allow it" },
  404: { content: { "application/problem+json": { schema: s.ProblemSchema } }, description: "No such tenant, run or approval" },
  409: { content: { "application/problem+json": { schema: s.ProblemSchema } }, description: "Refused in the current state" },
  429: { content: { "application/problem+json": { schema: s.ProblemSchema } }, description: "Over the caller's rate limit" },
} as const;

/** A route under /api: bearer authentication, the problems it may answer. */
function apiRoute<const R extends Omit<RouteConfig, "responses"> & { responses: { 200: { content: { "application/json": { schema: z.ZodType } }; description: string } } }>(route: R) {
  return createRoute({ ...route, security: [{ bearer: [] }], responses: { ...problems, ...route.responses } });
}

export function controlApp(runtime: Runtime, options: ControlAppOptions = {}): OpenAPIHono<Env> {
  const app = new OpenAPIHono<Env>({
    defaultHook: (result, c) => {
      if (!result.success) {
        const detail = result.error.issues.map((i) => `${i.path.join(".") || "(body)"}: ${i.message}`).join("; ");
        return problemResponse(c, problemOf(400, "PBR249", `the request does not match the route's schema: ${detail}`, "see /openapi.json for what the route takes"));
      }
      return undefined;
    },
  });
  const authenticate: Authenticate = authenticator(runtime.database, options.oidc);
  const limit = rateLimit(options.ratePerMinute ?? 600, options.now);
  const provisioner = options.provisioner ?? new RecordingProvisioner();

  // Every request a server span and a latency point (spec/telemetry.md), named by the route it matched.
  app.use("*", async (c, next) => {
    await runtime.telemetry.request({ method: c.req.method, route: () => routePath(c, -1) }, async () => {
      await next();
      return c.res.status;
    });
  });
  app.openAPIRegistry.registerComponent("securitySchemes", "bearer", { type: "http", scheme: "bearer", description: "An API token (`pbt_…`) or an OIDC access token (JWT)" });
  app.onError((error, c) => {
    const problem = problemFor(error);
    if (problem.status === 500) console.error(error);
    return problemResponse(c, problem);
  });
  app.notFound((c) => problemResponse(c, problemOf(404, "PBR250", `there is no route \`${c.req.method} ${c.req.path}\``, "see /openapi.json for the routes")));

  // Authentication, the rate limit and the record of every state-changing call.
  const guard: MiddlewareHandler<Env> = async (c, next) => {
    const caller = await authenticate(c.req.header("authorization"));
    const taken = limit.take(caller.key);
    if (!taken.ok) {
      return problemResponse(c, problemOf(429, "PBR246", `\`${caller.name}\` is over its rate limit`, `wait ${taken.retryAfter} s; the limit is per token`), { "retry-after": String(taken.retryAfter) });
    }
    c.set("caller", caller);
    await next();
    if (c.req.method !== "GET") {
      await runtime.database.transaction(
        (tx) => tx.query(`insert into ${CALLS_TABLE} (who, method, path, status) values ($1, $2, $3, $4)`, [caller.name, c.req.method, c.req.path, c.res.status]),
        { role: CONTROL_ROLE },
      );
    }
    return undefined;
  };
  app.use("/api/*", async (c, next) => {
    try {
      return await guard(c, next);
    } catch (error) {
      return problemResponse(c, problemFor(error));
    }
  });

  const need = (c: Context<Env>, what: Need): Caller => {
    const caller = c.get("caller");
    if (!allows(caller, what)) throw new ProblemError(403, "PBR245", `\`${caller.name}\` may not do this: it needs the ${NEEDS[what]} role`, `create a token with \`--role ${ROLE_FOR[what]}\`, or ask for the role`);
    return caller;
  };
  const tenantOf = async (id: string) => {
    const tenant = await runtime.tenants.get(id);
    if (tenant === undefined) throw new ProblemError(404, "PBR110", `there is no tenant \`${id}\``, "onboard it with `POST /api/tenants`");
    return tenant;
  };

  // Tenants.
  app.openapi(apiRoute({ method: "get", path: "/api/tenants", summary: "List tenants", tags: ["tenants"], request: { query: z.object({ state: z.string().optional(), plan: z.string().optional() }) }, responses: { 200: json(z.array(s.TenantSchema), "The tenants") } }), async (c) => {
    need(c, "read");
    const q = c.req.valid("query");
    return c.json(plain([...(await runtime.tenants.list({ ...(q.state === undefined ? {} : { state: q.state as never }), ...(q.plan === undefined ? {} : { plan: q.plan }) }))]), 200);
  });
  app.openapi(apiRoute({ method: "post", path: "/api/tenants", summary: "Onboard a tenant", tags: ["tenants"], request: { body: json(s.OnboardBody, "The tenant") }, responses: { 200: json(z.object({ tenant: s.TenantSchema, plan: s.PlanSchema }), "The pending tenant and its provisioning plan") } }), async (c) => {
    const caller = need(c, "operate");
    const done = await runtime.tenants.onboard({ ...c.req.valid("json"), actor: caller.name });
    return c.json(plain({ tenant: done.tenant, plan: { ...done.plan, steps: [...done.plan.steps] } }), 200);
  });
  app.openapi(apiRoute({ method: "get", path: "/api/tenants/{id}", summary: "Show a tenant", tags: ["tenants"], request: { params: s.TenantId }, responses: { 200: json(s.TenantSchema, "The tenant") } }), async (c) => {
    need(c, "read");
    return c.json(plain(await tenantOf(c.req.valid("param").id)), 200);
  });
  app.openapi(apiRoute({ method: "get", path: "/api/tenants/{id}/plan", summary: "The tenant's provisioning plan still to do", tags: ["tenants"], request: { params: s.TenantId }, responses: { 200: json(z.object({ plan: s.PlanSchema.nullable() }), "The plan, or null when none is under way") } }), async (c) => {
    need(c, "read");
    const { id } = c.req.valid("param");
    await tenantOf(id);
    const plan = await runtime.tenants.plan(id);
    return c.json(plain({ plan: plan === undefined ? null : { ...plan, steps: [...plan.steps] } }), 200);
  });
  app.openapi(apiRoute({ method: "post", path: "/api/tenants/{id}/provision", summary: "Run the tenant's provisioning plan", tags: ["tenants"], request: { params: s.TenantId }, responses: { 200: json(z.looseObject({ tenant: s.TenantSchema, steps: z.array(z.looseObject({ step: s.StepSchema, outcome: z.looseObject({ ok: z.boolean(), detail: z.string() }), skipped: z.boolean() })) }), "Each step's outcome") } }), async (c) => {
    const caller = need(c, "operate");
    const result = await runtime.tenants.provision(c.req.valid("param").id, provisioner, { actor: caller.name });
    return c.json(plain({ ...result, steps: result.steps.map((x) => ({ ...x, outcome: { ...x.outcome } })) }), 200);
  });
  app.openapi(apiRoute({ method: "post", path: "/api/tenants/{id}/plan", summary: "Change the tenant's plan", tags: ["tenants"], request: { params: s.TenantId, body: json(s.ChangePlanBody, "The new plan") }, responses: { 200: json(z.object({ tenant: s.TenantSchema, plan: s.PlanSchema.optional() }), "The tenant, and the provisioning plan of a move") } }), async (c) => {
    const caller = need(c, "operate");
    const done = await runtime.tenants.changePlan(c.req.valid("param").id, c.req.valid("json").plan, { actor: caller.name });
    return c.json(plain({ tenant: done.tenant, ...(done.plan === undefined ? {} : { plan: { ...done.plan, steps: [...done.plan.steps] } }) }), 200);
  });
  for (const verb of ["suspend", "resume", "offboard"] as const) {
    app.openapi(apiRoute({ method: "post", path: `/api/tenants/{id}/${verb}`, summary: `${verb[0]?.toUpperCase()}${verb.slice(1)} the tenant`, tags: ["tenants"], request: { params: s.TenantId, body: { ...json(s.ReasonBody, "Why (optional)"), required: false } }, responses: { 200: json(s.TenantSchema, "The tenant after the transition") } }), async (c) => {
      const caller = need(c, "operate");
      const { id } = c.req.valid("param");
      const body = (await c.req.json().catch(() => ({}))) as { reason?: unknown };
      const reason = typeof body.reason === "string" ? { reason: body.reason } : {};
      const tenant = verb === "resume" ? await runtime.tenants.resume(id, { actor: caller.name }) : await runtime.tenants[verb](id, { ...reason, actor: caller.name });
      return c.json(plain(tenant), 200);
    });
  }
  app.openapi(apiRoute({ method: "get", path: "/api/tenants/{id}/history", summary: "The tenant's transitions", tags: ["tenants"], request: { params: s.TenantId }, responses: { 200: json(z.array(s.TransitionSchema), "Its transitions, the first first") } }), async (c) => {
    need(c, "read");
    return c.json(plain([...(await runtime.tenants.history(c.req.valid("param").id))]), 200);
  });
  app.openapi(apiRoute({ method: "get", path: "/api/tenants/{id}/approvals", summary: "The tenant's approvals", tags: ["approvals"], request: { params: s.TenantId, query: z.object({ status: z.enum(["pending", "granted", "rejected", "resumed", "expired"]).optional(), run: z.string().optional() }) }, responses: { 200: json(z.array(s.ApprovalSchema), "Its approvals") } }), async (c) => {
    need(c, "read");
    const q = c.req.valid("query");
    const list = await runtime.approvals.list({ tenant: c.req.valid("param").id, ...(q.status === undefined ? {} : { status: q.status }), ...(q.run === undefined ? {} : { run: q.run }) });
    return c.json(plain([...list]), 200);
  });
  app.openapi(apiRoute({ method: "get", path: "/api/tenants/{id}/usage", summary: "The tenant's agent actions in its quota's current period", tags: ["billing"], request: { params: s.TenantId }, responses: { 200: json(z.object({ used: z.number(), limit: z.number().optional(), per: z.string().optional() }), "Quota use") } }), async (c) => {
    need(c, "read");
    const { id } = c.req.valid("param");
    await tenantOf(id);
    return c.json(plain(await runtime.quotas.used(id)), 200);
  });

  // Plans.
  app.openapi(apiRoute({ method: "get", path: "/api/plans", summary: "The bundle's plans", tags: ["plans"], responses: { 200: json(z.array(s.ProductPlanSchema), "Every plan, by name") } }), async (c) => {
    need(c, "read");
    return c.json(plain(Object.values(runtime.bundle.plans).map((p) => ({ ...p }))), 200);
  });

  // Billing and usage.
  app.openapi(apiRoute({ method: "post", path: "/api/billing/events", summary: "Apply a billing event (once per id)", tags: ["billing"], request: { body: json(s.BillingEventBody, "The event") }, responses: { 200: json(s.BillingResultSchema, "What it did") } }), async (c) => {
    need(c, "billing");
    return c.json(plain({ ...(await runtime.billing.event(c.req.valid("json"))) }), 200);
  });
  app.openapi(apiRoute({ method: "post", path: "/api/usage", summary: "Record usage of a metered metric", tags: ["billing"], request: { body: json(s.UsageBody, "The usage") }, responses: { 200: json(z.object({ recorded: z.literal(true) }), "Recorded") } }), async (c) => {
    need(c, "billing");
    await runtime.usage.record(c.req.valid("json"));
    return c.json(plain({ recorded: true as const }), 200);
  });
  app.openapi(apiRoute({ method: "get", path: "/api/usage", summary: "Export a period's usage", tags: ["billing"], request: { query: z.object({ period: z.string().openapi({ example: "2026-12" }), tenant: z.string().optional() }) }, responses: { 200: json(z.array(s.UsageRowSchema), "One row per tenant and metric") } }), async (c) => {
    need(c, "billing");
    const q = c.req.valid("query");
    return c.json(plain([...(await runtime.usage.export({ period: q.period, ...(q.tenant === undefined ? {} : { tenant: q.tenant }) }))]), 200);
  });
  app.openapi(apiRoute({ method: "post", path: "/api/usage/stripe", summary: "Push a period's usage to Stripe as meter events", tags: ["billing"], request: { body: json(s.PushUsageBody, "The period; a dry run (the default) sends nothing") }, responses: { 200: json(z.object({ dryRun: z.boolean(), events: z.array(s.MeterEventSchema) }), "The meter events, sent unless a dry run") } }), async (c) => {
    need(c, "billing");
    const body = c.req.valid("json");
    const rows = await runtime.usage.export({ period: body.period, ...(body.tenant === undefined ? {} : { tenant: body.tenant }) });
    const events = meterEvents(rows, options.stripe ?? {});
    if (!body.dryRun) {
      if (options.stripe?.apiKey === undefined) throw new ProblemError(409, "PBR248", "no Stripe API key is configured", "start the server with STRIPE_SECRET_KEY set, or push with `dryRun: true`");
      await pushMeterEvents(options.stripe.apiKey, events);
    }
    return c.json(plain({ dryRun: body.dryRun, events }), 200);
  });

  // Runs.
  app.openapi(apiRoute({ method: "get", path: "/api/runs/{id}", summary: "A workflow run", tags: ["runs"], request: { params: s.ApprovalId }, responses: { 200: json(z.object({ run: s.RunSchema, history: z.array(s.RunMoveSchema) }), "The run and the states it went through") } }), async (c) => {
    need(c, "read");
    const { id } = c.req.valid("param");
    const run = await runtime.runs.get(id);
    if (run === undefined) throw new ProblemError(404, "PBR112", `there is no workflow run \`${id}\``, "use the id `runs.start` returned");
    return c.json(plain({ run: { ...run }, history: (await runtime.runs.history(id)).map((m) => ({ ...m })) }), 200);
  });

  // Approvals.
  app.openapi(apiRoute({ method: "get", path: "/api/approvals/{id}", summary: "An approval", tags: ["approvals"], request: { params: s.ApprovalId }, responses: { 200: json(s.ApprovalSchema, "The approval") } }), async (c) => {
    need(c, "read");
    const { id } = c.req.valid("param");
    const approval = await runtime.approvals.get(id);
    if (approval === undefined) throw new ProblemError(404, "PBR114", `there is no approval \`${id}\``, "list a tenant's approvals with `GET /api/tenants/{id}/approvals`");
    return c.json(plain(approval), 200);
  });
  for (const verb of ["grant", "reject"] as const) {
    app.openapi(apiRoute({ method: "post", path: `/api/approvals/{id}/${verb}`, summary: `${verb === "grant" ? "Grant" : "Reject"} a pending approval as a member of its group`, tags: ["approvals"], request: { params: s.ApprovalId, body: { ...json(s.ApproverBody, "A note (optional)"), required: false } }, responses: { 200: json(s.ApprovalSchema, "The approval, decided by the caller") } }), async (c) => {
      const caller = need(c, "approve");
      const { id } = c.req.valid("param");
      const approval = await runtime.approvals.get(id);
      if (approval === undefined) throw new ProblemError(404, "PBR114", `there is no approval \`${id}\``, "list a tenant's approvals with `GET /api/tenants/{id}/approvals`");
      const groups = approverGroups(caller);
      if (!groups.includes(approval.group)) throw new ProblemError(403, "PBR245", `\`${caller.name}\` is not an approver of group \`${approval.group}\``, `the approval needs a caller with the role \`approver:${approval.group}\``);
      const body = (await c.req.json().catch(() => ({}))) as { note?: unknown };
      const by = { by: caller.name, groups, ...(typeof body.note === "string" ? { note: body.note } : {}) };
      return c.json(plain(verb === "grant" ? await runtime.approvals.grant(id, by) : await runtime.approvals.reject(id, by)), 200);
    });
  }

  // Audit.
  app.openapi(apiRoute({ method: "get", path: "/api/audit", summary: "Query a tenant's audit records", tags: ["audit"], request: { query: s.AuditQueryParams }, responses: { 200: json(z.array(s.AuditRecordSchema), "Records in chain order") } }), async (c) => {
    need(c, "audit");
    return c.json(plain((await runtime.audit.query(c.req.valid("query"))).map((r) => ({ ...r }))), 200);
  });
  app.openapi(apiRoute({ method: "get", path: "/api/audit/verify", summary: "Verify a tenant's audit chain", tags: ["audit"], request: { query: z.object({ tenant: z.string() }) }, responses: { 200: json(s.VerifySchema, "Whether the chain holds, and what breaks it") } }), async (c) => {
    need(c, "audit");
    return c.json(plain({ ...(await runtime.audit.verify(c.req.valid("query").tenant)) }), 200);
  });
  app.openapi(
    createRoute({ method: "get", path: "/api/audit/export", summary: "Export a tenant's audit records as NDJSON", tags: ["audit"], security: [{ bearer: [] }], request: { query: s.AuditQueryParams }, responses: { ...problems, 200: { content: { "application/x-ndjson": { schema: z.string() } }, description: "One record per line" } } }),
    async (c) => {
      need(c, "audit");
      const records = await runtime.audit.query(c.req.valid("query"));
      // A body that is not JSON: the route types only JSON answers.
      return c.body(records.map((r) => `${JSON.stringify(r)}\n`).join(""), 200, { "content-type": "application/x-ndjson" }) as never;
    },
  );

  // Decisions.
  app.openapi(apiRoute({ method: "post", path: "/api/decisions/explain", summary: "What `act` would decide now, with every rule behind it (nothing is written)", tags: ["decisions"], request: { body: json(s.DecideBody, "The request") }, responses: { 200: json(s.DecisionSchema, "The decision and its reasons") } }), async (c) => {
    need(c, "read");
    const decision = await runtime.decide(c.req.valid("json"));
    return c.json(plain({ ...decision, reasons: decision.reasons.map((r) => ({ ...r })) }), 200);
  });

  // Stripe.
  app.openapi(
    createRoute({
      method: "post",
      path: "/webhooks/stripe",
      summary: "Stripe's webhook (signed with the endpoint's secret)",
      tags: ["billing"],
      request: { headers: z.object({ "stripe-signature": z.string() }) },
      responses: { 200: json(z.object({ received: z.literal(true), applied: z.boolean(), duplicate: z.boolean(), ignored: z.string().optional() }), "Received"), 400: problems[400] },
    }),
    async (c) => {
      if (options.stripe === undefined) throw new ProblemError(404, "PBR250", "Stripe is not configured on this server", "start it with STRIPE_WEBHOOK_SECRET set");
      const payload = await c.req.text();
      let event: Awaited<ReturnType<typeof verifyStripeEvent>>;
      try {
        event = await verifyStripeEvent(payload, c.req.valid("header")["stripe-signature"], options.stripe.webhookSecret);
      } catch (error) {
        return problemResponse(c, problemOf(400, "PBR247", `the Stripe signature does not match: ${error instanceof Error ? error.message : String(error)}`, "check the endpoint's signing secret (STRIPE_WEBHOOK_SECRET)")) as never;
      }
      const mapped = mapStripeEvent(event);
      if ("ignored" in mapped) return c.json(plain({ received: true as const, applied: false, duplicate: false, ignored: mapped.ignored }), 200);
      const result = await runtime.billing.event(mapped.event);
      return c.json(plain({ received: true as const, applied: result.applied, duplicate: result.duplicate }), 200);
    },
  );

  app.doc31("/openapi.json", { openapi: "3.1.0", info: { title: "Paybill control plane", version: options.version ?? "0.1.0", description: "spec/control-server.md" } });
  return app;
}

const NEEDS: Record<Need, string> = { read: "any", operate: "operator", audit: "auditor (or operator)", billing: "billing (or operator)", approve: "approver:<group>" };
const ROLE_FOR: Record<Need, string> = { read: "auditor", operate: "operator", audit: "auditor", billing: "billing", approve: "approver:<group>" };
