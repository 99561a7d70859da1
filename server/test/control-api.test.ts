/**
 * The control-plane HTTP API (server/src/control, spec/control-server.md) on a real
 * database, PGlite and PostgreSQL: every route answers its schema's shape for a caller with
 * the right role and a problem+json 401/403 otherwise; state-changing calls are recorded
 * with who made them; the rate limit answers 429; OIDC JWTs are verified against a JWKS
 * served in the test; Stripe webhooks are verified by signature, applied once per event id,
 * and a bad signature changes nothing; `/openapi.json` lists every route.
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AddressInfo } from "node:net";
import type { Database, Runtime } from "@paybill/runtime";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { controlApp } from "../src/control/app.js";
import { installControlTables } from "../src/control/tables.js";
import { createApiToken, revokeApiToken } from "../src/control/tokens.js";
import { isLoopbackHost, startControlServer } from "../src/control/serve.js";
import { count, freshId, sharedControlRuntime } from "../../runtime/test/support/control-db.js";
import { BACKENDS, seedTicket } from "../../runtime/test/support/store-db.js";

const WEBHOOK_SECRET = "whsec_test_secret";

describe.each(BACKENDS)("control API on %s", (backend) => {
  const shared = sharedControlRuntime(backend, "control_api");
  // The runtime as the server's package sees it (the same class: vitest resolves @paybill/runtime to its source).
  const t = {
    get runtime() {
      return shared.runtime as unknown as Runtime;
    },
    get admin() {
      return shared.admin as unknown as Database;
    },
  };
  const own = () => shared.runtime;
  let jwks: Server;
  let issuer = "";
  let sign: (claims: Record<string, unknown>, options?: { issuer?: string; expired?: boolean }) => Promise<string>;
  const tokens: Record<string, string> = {};
  const now = 0;
  let app: ReturnType<typeof controlApp>;

  beforeAll(async () => {
    await installControlTables(t.admin);
    for (const role of ["operator", "auditor", "billing", "approver:finance", "approver:legal"]) tokens[role] = (await createApiToken(t.runtime.database, { roles: [role as never], label: role })).token;
    tokens.limited = (await createApiToken(t.runtime.database, { roles: ["auditor"], label: "limited" })).token;
    const { publicKey, privateKey } = await generateKeyPair("ES256");
    const jwk = { ...(await exportJWK(publicKey)), kid: "k1", alg: "ES256" };
    jwks = createServer((_req, res) => res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ keys: [jwk] })));
    await new Promise<void>((done) => jwks.listen(0, "127.0.0.1", done));
    issuer = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}`;
    sign = (claims, options = {}) => {
      const jwt = new SignJWT(claims).setProtectedHeader({ alg: "ES256", kid: "k1" }).setIssuer(options.issuer ?? issuer).setAudience("paybill").setIssuedAt();
      return jwt.setExpirationTime(options.expired === true ? Math.floor(Date.now() / 1000) - 60 : "5m").sign(privateKey);
    };
    app = controlApp(t.runtime, { oidc: { issuer, audience: "paybill" }, stripe: { webhookSecret: WEBHOOK_SECRET }, ratePerMinute: 1000, now: () => now });
  });
  afterAll(async () => {
    await new Promise((done) => jwks.close(done));
  });

  const call = async (method: string, path: string, role: string | undefined, body?: unknown, headers: Record<string, string> = {}) => {
    const auth: Record<string, string> = role === undefined ? {} : { authorization: `Bearer ${tokens[role] ?? role}` };
    const res = await app.request(path, { method, headers: { ...auth, ...(body === undefined ? {} : { "content-type": "application/json" }), ...headers }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    const text = await res.text();
    const type = res.headers.get("content-type") ?? "";
    return { status: res.status, type, body: type.includes("json") && !type.includes("ndjson") ? JSON.parse(text) : text, headers: res.headers };
  };
  const calls = (who: string, path: string) => count(own(), "paybill_api_calls where who like $1 and path = $2", [`${who}%`, path]);

  it("onboards, provisions, shows, lists, changes plan, suspends, resumes and offboards a tenant, recording who did it", async () => {
    const id = freshId();
    const onboarded = await call("POST", "/api/tenants", "operator", { id, plan: "business" });
    expect(onboarded.status).toBe(200);
    expect(onboarded.body.tenant).toMatchObject({ id, plan: "business", state: "pending" });
    expect(onboarded.body.plan.steps.map((s: { kind: string }) => s.kind)).toEqual(["provision"]);
    expect((await call("GET", `/api/tenants/${id}/plan`, "auditor")).body.plan.steps).toHaveLength(1);
    const provisioned = await call("POST", `/api/tenants/${id}/provision`, "operator");
    expect(provisioned.body.tenant.state).toBe("active");
    expect((await call("GET", `/api/tenants/${id}/plan`, "auditor")).body).toEqual({ plan: null });
    expect((await call("GET", `/api/tenants/${id}`, "billing")).body).toMatchObject({ id, state: "active" });
    expect((await call("GET", "/api/tenants?state=active", "auditor")).body.map((x: { id: string }) => x.id)).toContain(id);
    expect((await call("GET", "/api/tenants?plan=free", "auditor")).body.map((x: { id: string }) => x.id)).not.toContain(id);
    expect((await call("POST", `/api/tenants/${id}/plan`, "operator", { plan: "free" })).body.tenant.plan).toBe("free");
    expect((await call("POST", `/api/tenants/${id}/suspend`, "operator", { reason: "abuse report" })).body.state).toBe("suspended");
    expect((await call("POST", `/api/tenants/${id}/resume`, "operator")).body.state).toBe("active");
    expect((await call("POST", `/api/tenants/${id}/offboard`, "operator")).body.state).toMatch(/^offboard/);
    const history = (await call("GET", `/api/tenants/${id}/history`, "auditor")).body as { event: string; actor: string; reason?: string }[];
    expect(history.map((h) => h.event)).toEqual(expect.arrayContaining(["onboard", "provision", "provisioned", "suspend", "resume", "offboard"]));
    for (const h of history) expect(h.actor).toMatch(/^token:.* \(operator\)$/);
    expect(history.find((h) => h.event === "suspend")?.reason).toBe("abuse report");
    expect(await calls("token:", `/api/tenants/${id}/suspend`)).toBe(1);
    expect(await calls("token:", `/api/tenants/${id}`)).toBe(0);
  });

  it("answers 404, 409 and 400 as problem+json with the runtime's codes", async () => {
    const missing = await call("GET", "/api/tenants/nobody-here", "auditor");
    expect(missing).toMatchObject({ status: 404, type: "application/problem+json", body: { code: "PBR110", status: 404, type: "urn:paybill:error:PBR110" } });
    const id = freshId();
    await call("POST", "/api/tenants", "operator", { id, plan: "business" });
    expect((await call("POST", `/api/tenants/${id}/resume`, "operator")).body).toMatchObject({ status: 409, code: "PBR140" });
    expect((await call("POST", "/api/tenants", "operator", { id: freshId(), plan: "no_such_plan" })).body).toMatchObject({ status: 400, code: "PBR141" });
    expect((await call("POST", "/api/tenants", "operator", { plan: "business" })).body).toMatchObject({ status: 400, code: "PBR249" });
    expect((await call("GET", "/api/nothing", "operator")).body).toMatchObject({ status: 404, code: "PBR250" });
  });

  it("refuses missing and bad credentials (401) and the wrong role (403), changing nothing", async () => {
    const id = freshId();
    expect(await call("POST", "/api/tenants", undefined, { id, plan: "business" })).toMatchObject({ status: 401, type: "application/problem+json", body: { code: "PBR243" } });
    expect((await call("POST", "/api/tenants", "pbt_not-a-token", { id, plan: "business" })).body).toMatchObject({ status: 401, code: "PBR244" });
    expect((await call("GET", "/api/tenants", undefined, undefined, { authorization: "Basic abc" })).body).toMatchObject({ status: 401, code: "PBR244" });
    expect((await call("POST", "/api/tenants", "auditor", { id, plan: "business" })).body).toMatchObject({ status: 403, code: "PBR245" });
    expect((await call("POST", "/api/tenants", "billing", { id, plan: "business" })).status).toBe(403);
    expect((await call("GET", "/api/audit?tenant=x", "billing")).status).toBe(403);
    expect((await call("POST", "/api/billing/events", "auditor", { id: "e", type: "payment_failed", tenant: id })).status).toBe(403);
    expect(await t.runtime.tenants.get(id)).toBeUndefined();
    const revoked = await createApiToken(t.runtime.database, { roles: ["operator"] });
    expect((await call("GET", "/api/tenants", revoked.token)).status).toBe(200);
    expect(await revokeApiToken(t.runtime.database, revoked.record.id)).toBe(true);
    expect((await call("GET", "/api/tenants", revoked.token)).body).toMatchObject({ status: 401, code: "PBR244" });
  });

  it("stores tokens hashed, never the token", async () => {
    const made = await createApiToken(t.runtime.database, { roles: ["auditor"] });
    const rows = await t.admin.query<{ hash: string }>("select hash from paybill_api_tokens where id = $1", [made.record.id]);
    expect(rows).toHaveLength(1);
    expect(rows[0]?.hash).not.toContain(made.token);
    expect(rows[0]?.hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it("limits each token's rate (429 with retry-after), not other tokens'", async () => {
    const limited = controlApp(t.runtime, { ratePerMinute: 2, now: () => 0 });
    const get = (token: string) => limited.request("/api/plans", { headers: { authorization: `Bearer ${token}` } });
    expect((await get(tokens.limited ?? "")).status).toBe(200);
    expect((await get(tokens.limited ?? "")).status).toBe(200);
    const over = await get(tokens.limited ?? "");
    expect(over.status).toBe(429);
    expect(over.headers.get("retry-after")).toBe("30");
    expect(await over.json()).toMatchObject({ code: "PBR246" });
    expect((await get(tokens.auditor ?? "")).status).toBe(200);
  });

  it("grants and rejects approvals only for a member of the approval's group, recording the approver", async () => {
    const pending = async () => {
      const tenant = freshId();
      await t.runtime.tenants.put({ id: tenant, plan: "business", state: "active" } as never);
      const ticket = await seedTicket(own(), tenant, { amount: 250 });
      const run = await t.runtime.runs.start({ workflow: "resolve_ticket", tenant });
      await t.runtime.runs.next(run.id, "escalate");
      const acted = await t.runtime.act({ tenant, agent: "support_bot", action: "refund", input: { ticket, amount: 250 }, run: run.id });
      expect(acted.decision).toBe("pending");
      return { tenant, run: run.id, approval: acted.approvalId ?? "" };
    };
    const a = await pending();
    const listed = await call("GET", `/api/tenants/${a.tenant}/approvals?status=pending`, "auditor");
    expect(listed.body.map((x: { id: string }) => x.id)).toEqual([a.approval]);
    expect((await call("GET", `/api/approvals/${a.approval}`, "auditor")).body).toMatchObject({ id: a.approval, group: "finance", status: "pending" });
    expect((await call("POST", `/api/approvals/${a.approval}/grant`, "operator")).body).toMatchObject({ status: 403, code: "PBR245" });
    expect((await call("POST", `/api/approvals/${a.approval}/grant`, "approver:legal")).body).toMatchObject({ status: 403, code: "PBR245" });
    expect((await t.runtime.approvals.get(a.approval))?.status).toBe("pending");
    const granted = await call("POST", `/api/approvals/${a.approval}/grant`, "approver:finance", { note: "ok by policy" });
    expect(granted.body).toMatchObject({ status: "granted", note: "ok by policy" });
    expect(granted.body.decidedBy).toMatch(/^token:.* \(approver:finance\)$/);
    expect((await call("POST", `/api/approvals/${a.approval}/grant`, "approver:finance")).body).toMatchObject({ status: 409, code: "PBR114" });
    const b = await pending();
    expect((await call("POST", `/api/approvals/${b.approval}/reject`, "approver:finance")).body).toMatchObject({ status: "rejected" });
    expect((await call("POST", "/api/approvals/00000000-0000-4000-8000-000000000000/grant", "approver:finance")).status).toBe(404);
    const run = await call("GET", `/api/runs/${a.run}`, "auditor");
    expect(run.body.run).toMatchObject({ id: a.run, state: "escalate", workflow: "resolve_ticket" });
    expect(run.body.history.map((m: { to: string }) => m.to)).toContain("escalate");
    expect((await call("GET", "/api/runs/00000000-0000-4000-8000-000000000000", "auditor")).status).toBe(404);
  });

  it("queries, verifies and exports the audit log as NDJSON, and explains a decision without writing", async () => {
    const id = freshId();
    await call("POST", "/api/tenants", "operator", { id, plan: "business" });
    await call("POST", `/api/tenants/${id}/provision`, "operator");
    const records = (await call("GET", `/api/audit?tenant=${id}`, "auditor")).body as { seq: number; action: string }[];
    expect(records.map((r) => r.action)).toEqual(["tenant.onboard", "tenant.provision", "tenant.provisioned"].slice(0, records.length));
    expect(records.length).toBeGreaterThanOrEqual(2);
    expect((await call("GET", `/api/audit?tenant=${id}&afterSeq=1`, "auditor")).body.map((r: { seq: number }) => r.seq)).toEqual(records.slice(1).map((r) => r.seq));
    expect((await call("GET", `/api/audit/verify?tenant=${id}`, "auditor")).body).toMatchObject({ ok: true });
    const exported = await call("GET", `/api/audit/export?tenant=${id}`, "operator");
    expect(exported.type).toContain("application/x-ndjson");
    const lines = (exported.body as string).trim().split("\n").map((l) => JSON.parse(l));
    expect(lines.map((r) => r.seq)).toEqual(records.map((r) => r.seq));
    const before = await count(own(), "paybill_audit where tenant_id = $1", [id]);
    const ticket = await seedTicket(own(), id, { amount: 10 });
    const explained = await call("POST", "/api/decisions/explain", "auditor", { tenant: id, agent: "support_bot", action: "delete_ticket", input: { ticket } });
    expect(explained.status).toBe(200);
    expect(["allow", "deny", "pending"]).toContain(explained.body.decision);
    expect(explained.body.reasons.length).toBeGreaterThan(0);
    expect(await count(own(), "paybill_audit where tenant_id = $1", [id])).toBe(before);
  });

  it("applies billing events once per id, records and exports usage, and prints Stripe meter events in a dry run", async () => {
    const id = freshId();
    await call("POST", "/api/tenants", "operator", { id, plan: "priced" });
    await call("POST", `/api/tenants/${id}/provision`, "operator");
    const event = { id: `evt-${id}`, type: "payment_failed", tenant: id };
    expect((await call("POST", "/api/billing/events", "billing", event)).body).toMatchObject({ applied: true, duplicate: false });
    expect((await call("POST", "/api/billing/events", "billing", event)).body).toMatchObject({ applied: false, duplicate: true });
    expect((await call("GET", `/api/tenants/${id}`, "billing")).body.pastDueSince).toBeDefined();
    expect((await call("POST", "/api/usage", "billing", { tenant: id, metric: "seats", quantity: 3 })).body).toEqual({ recorded: true });
    const period = new Date().toISOString().slice(0, 7);
    const rows = (await call("GET", `/api/usage?period=${period}&tenant=${id}`, "billing")).body as { metric: string; quantity: number }[];
    expect(rows.find((r) => r.metric === "seats")?.quantity).toBe(3);
    const pushed = await call("POST", "/api/usage/stripe", "billing", { period, tenant: id });
    expect(pushed.body.dryRun).toBe(true);
    expect(pushed.body.events).toContainEqual(expect.objectContaining({ event_name: "paybill_seats", identifier: `paybill:${id}:seats:${period}`, payload: { stripe_customer_id: id, value: "3" } }));
    expect(pushed.body.events.some((e: { event_name: string }) => e.event_name === "paybill_plan_price")).toBe(false);
    expect((await call("POST", "/api/usage/stripe", "billing", { period, tenant: id, dryRun: false })).body).toMatchObject({ status: 409, code: "PBR248" });
    expect((await call("GET", `/api/tenants/${id}/usage`, "auditor")).body).toHaveProperty("used");
    expect((await call("GET", "/api/plans", "auditor")).body.map((p: { name: string }) => p.name)).toContain("priced");
  });

  it("verifies Stripe webhooks: a bad signature is 400 and changes nothing; a replayed event is applied once", async () => {
    const id = freshId();
    await call("POST", "/api/tenants", "operator", { id, plan: "priced" });
    await call("POST", `/api/tenants/${id}/provision`, "operator");
    const payload = JSON.stringify({
      id: `evt_${id}`,
      object: "event",
      type: "invoice.payment_failed",
      created: Math.floor(Date.now() / 1000),
      data: { object: { object: "invoice", id: "in_1", parent: { subscription_details: { metadata: { paybill_tenant: id } } } } },
    });
    const send = async (signature: string) => {
      const res = await app.request("/webhooks/stripe", { method: "POST", headers: { "stripe-signature": signature, "content-type": "application/json" }, body: payload });
      return { status: res.status, body: await res.json() };
    };
    const forged = Stripe.webhooks.generateTestHeaderString({ payload, secret: "whsec_someone_else" });
    expect(await send(forged)).toMatchObject({ status: 400, body: { code: "PBR247" } });
    expect((await t.runtime.tenants.get(id))?.pastDueSince).toBeUndefined();
    expect(await count(own(), "paybill_billing_events where tenant_id = $1", [id])).toBe(0);
    const signed = Stripe.webhooks.generateTestHeaderString({ payload, secret: WEBHOOK_SECRET });
    expect(await send(signed)).toMatchObject({ status: 200, body: { received: true, applied: true, duplicate: false } });
    expect((await t.runtime.tenants.get(id))?.pastDueSince).toBeDefined();
    expect(await send(signed)).toMatchObject({ status: 200, body: { applied: false, duplicate: true } });
    expect(await count(own(), "paybill_billing_events where tenant_id = $1", [id])).toBe(1);
    const deleted = JSON.stringify({ id: `evt_del_${id}`, object: "event", type: "customer.subscription.deleted", created: Math.floor(Date.now() / 1000), data: { object: { object: "subscription", metadata: { paybill_tenant: id } } } });
    const res = await app.request("/webhooks/stripe", { method: "POST", headers: { "stripe-signature": Stripe.webhooks.generateTestHeaderString({ payload: deleted, secret: WEBHOOK_SECRET }) }, body: deleted });
    expect(await res.json()).toMatchObject({ applied: true });
    expect((await t.runtime.tenants.get(id))?.state).not.toBe("active");
  });

  it("accepts OIDC JWTs signed by the issuer's JWKS, with roles from the claim, and refuses others", async () => {
    const id = freshId();
    const good = await sign({ sub: "u1", email: "ops@example.com", paybill_roles: ["operator"] });
    const onboarded = await call("POST", "/api/tenants", good, { id, plan: "business" });
    expect(onboarded.status).toBe(200);
    expect((await t.runtime.tenants.history(id))[0]?.actor).toBe("oidc:ops@example.com");
    expect(await calls("oidc:ops@example.com", "/api/tenants")).toBeGreaterThanOrEqual(1);
    expect((await call("GET", "/api/tenants", await sign({ sub: "u2", paybill_roles: "auditor" }))).status).toBe(200);
    expect((await call("POST", "/api/tenants", await sign({ sub: "u2", paybill_roles: "auditor" }), { id: freshId(), plan: "business" })).status).toBe(403);
    expect((await call("GET", "/api/tenants", await sign({ sub: "u3", paybill_roles: ["operator"] }, { issuer: "https://elsewhere.example" }))).body).toMatchObject({ status: 401, code: "PBR244" });
    expect((await call("GET", "/api/tenants", await sign({ sub: "u3", paybill_roles: ["operator"] }, { expired: true }))).status).toBe(401);
    const tampered = `${good.slice(0, -4)}AAAA`;
    expect((await call("GET", "/api/tenants", tampered)).status).toBe(401);
  });

  it("serves an OpenAPI 3.1 document with every route", async () => {
    const doc = (await call("GET", "/openapi.json", undefined)).body as { openapi: string; paths: Record<string, Record<string, unknown>>; components: { securitySchemes: Record<string, unknown> } };
    expect(doc.openapi).toBe("3.1.0");
    const routes = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`));
    expect(routes.sort()).toEqual(
      [
        "GET /api/tenants",
        "POST /api/tenants",
        "GET /api/tenants/{id}",
        "GET /api/tenants/{id}/plan",
        "POST /api/tenants/{id}/plan",
        "POST /api/tenants/{id}/provision",
        "POST /api/tenants/{id}/suspend",
        "POST /api/tenants/{id}/resume",
        "POST /api/tenants/{id}/offboard",
        "GET /api/tenants/{id}/history",
        "GET /api/tenants/{id}/approvals",
        "GET /api/tenants/{id}/usage",
        "GET /api/plans",
        "POST /api/billing/events",
        "POST /api/usage",
        "GET /api/usage",
        "POST /api/usage/stripe",
        "GET /api/runs/{id}",
        "GET /api/approvals/{id}",
        "POST /api/approvals/{id}/grant",
        "POST /api/approvals/{id}/reject",
        "GET /api/audit",
        "GET /api/audit/verify",
        "GET /api/audit/export",
        "POST /api/decisions/explain",
        "POST /webhooks/stripe",
      ].sort(),
    );
    expect(doc.components.securitySchemes).toHaveProperty("bearer");
  });

  it("listens on loopback only unless exposed, and serves the console's assets without shadowing the API", async () => {
    expect(isLoopbackHost("127.0.0.1") && isLoopbackHost("::1") && !isLoopbackHost("0.0.0.0")).toBe(true);
    await expect(startControlServer(t.runtime, { host: "0.0.0.0", port: 0 })).rejects.toMatchObject({ code: "PBR251" });
    const consoleDir = await mkdtemp(join(tmpdir(), "paybill-console-"));
    await writeFile(join(consoleDir, "index.html"), "<!doctype html><title>console</title>");
    await mkdir(join(consoleDir, "assets"));
    await writeFile(join(consoleDir, "assets", "app.js"), "console.log(1)");
    const server = await startControlServer(t.runtime, { host: "127.0.0.1", port: 0, consoleDir });
    try {
      const res = await fetch(`${server.url}/api/plans`, { headers: { authorization: `Bearer ${tokens.auditor}` } });
      expect(res.status).toBe(200);
      const page = await fetch(`${server.url}/`);
      expect(page.headers.get("content-type")).toContain("text/html");
      expect(await page.text()).toContain("<title>console</title>");
      const script = await fetch(`${server.url}/assets/app.js`);
      expect(script.headers.get("content-type")).toContain("text/javascript");
      expect(await script.text()).toBe("console.log(1)");
      expect(await (await fetch(`${server.url}/tenants/acme`)).text()).toContain("<title>console</title>");
      const api = await fetch(`${server.url}/api/nothing`, { headers: { authorization: `Bearer ${tokens.auditor}` } });
      expect(api.status).toBe(404);
      expect(api.headers.get("content-type")).toBe("application/problem+json");
    } finally {
      await server.close();
      await rm(consoleDir, { recursive: true, force: true });
    }
  });

  it("refuses to start without its tables (PBR252)", async () => {
    await t.admin.exec("drop table paybill_api_calls");
    try {
      await expect(startControlServer(t.runtime, { host: "127.0.0.1", port: 0 })).rejects.toMatchObject({ code: "PBR252" });
    } finally {
      await installControlTables(t.admin);
    }
    expect(await count(own(), "paybill_api_calls", [])).toBe(0);
  });
});
