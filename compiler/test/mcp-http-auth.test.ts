/**
 * `paybillc serve --mcp --http` with bearer tokens (`--auth token`), over real HTTP on
 * 127.0.0.1: no token or a dead one is 401, a token of another agent or tenant is 403, a
 * session answers only the token that opened it, past `--max-sessions` is 503, a session
 * idle past `--idle-timeout` is closed — all with a JSON body — and no run is started for
 * a request that was not authenticated. `paybillc mcp token create|list|revoke` makes and
 * revokes the tokens (shown once, stored hashed). Serving off loopback without
 * authentication, or tokens without a database, is refused at start.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { Runtime } from "@paybill/runtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BACKENDS, type Seeded, seedDatabase, useBuiltHelpdesk } from "./mcp-support.js";
import { BIN, paybillc, STACK_LINE } from "./support/cli.js";
import { paybillcHere } from "./support/in-process.js";

const example = useBuiltHelpdesk();

interface Started {
  readonly child: ChildProcess;
  readonly url: string;
  readonly stderr: () => string;
}

/** Starts the server and waits for the line that gives its URL (or for its exit). */
async function start(args: readonly string[]): Promise<Started> {
  const child = spawn(process.execPath, [BIN, "serve", "--mcp", "--http", "--port", "0", "--bundle", example.bundle, "--tenant", "initech", "--agent", "support_bot", ...args], {
    cwd: example.dir,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let err = "";
  const url = await new Promise<string>((resolve, reject) => {
    child.stderr?.on("data", (chunk: Buffer) => {
      err += chunk.toString("utf8");
      const found = /at (http:\/\/127\.0\.0\.1:\d+\/mcp)/.exec(err);
      if (found?.[1] !== undefined) resolve(found[1]);
    });
    child.once("exit", (code) => reject(new Error(`the server exited (${String(code)}):\n${err}`)));
  });
  return { child, url, stderr: () => err };
}

async function stop(server: Started): Promise<void> {
  server.child.kill("SIGTERM");
  const [code] = (await once(server.child, "exit")) as [number | null];
  expect(code).toBe(0);
  expect(server.stderr()).not.toMatch(STACK_LINE);
}

const INITIALIZE = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "raw", version: "0" } } });

/** A raw POST of an initialize (or of `body`), with the given headers. */
async function post(url: string, headers: Record<string, string>, body = INITIALIZE): Promise<{ status: number; json: unknown; headers: Headers }> {
  const response = await fetch(url, { method: "POST", headers: { "content-type": "application/json", accept: "application/json, text/event-stream", ...headers }, body });
  const text = await response.text();
  return { status: response.status, json: response.headers.get("content-type")?.includes("application/json") === true ? JSON.parse(text) : text, headers: response.headers };
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

async function connect(url: string, token: string): Promise<{ client: Client; transport: StreamableHTTPClientTransport }> {
  const client = new Client({ name: "paybill-auth-test", version: "0" });
  const transport = new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: bearer(token) } });
  await client.connect(transport);
  return { client, transport };
}

const refusal = (code: number, message: string) => ({ jsonrpc: "2.0", id: null, error: { code, message } });

describe.each(BACKENDS)("serve --mcp --http --auth token (%s)", (backend) => {
  let seeded: Seeded;
  /** Tokens: the server's agent, the same agent again, another agent, another tenant, one revoked. */
  const tokens = { agent: "", second: "", otherAgent: "", otherTenant: "", revoked: "" };

  beforeAll(async () => {
    seeded = await seedDatabase(backend, example.dir, example.bundle, { copies: true, setUp: makeTokens });
  }, 120_000);

  async function makeTokens(runtime: Runtime): Promise<void> {
    tokens.agent = (await runtime.tokens.create({ tenant: "initech", agent: "support_bot" })).token;
      tokens.second = (await runtime.tokens.create({ tenant: "initech", agent: "support_bot" })).token;
      tokens.otherAgent = (await runtime.tokens.create({ tenant: "initech", agent: "billing_bot" })).token;
      tokens.otherTenant = (await runtime.tokens.create({ tenant: "globex", agent: "support_bot" })).token;
      const revoked = await runtime.tokens.create({ tenant: "initech", agent: "support_bot" });
      await runtime.tokens.revoke("initech", revoked.record.id);
    tokens.revoked = revoked.token;
  }

  afterAll(async () => {
    await seeded?.drop();
  });

  it("authenticates before anything else, caps sessions, and starts a run only for an authenticated session", async () => {
    const server = await start(["--auth", "token", "--max-sessions", "2", "--workflow", "resolve_ticket", ...seeded.args]);
    const clients: Client[] = [];
    try {
      expect(server.stderr()).toContain("bearer tokens required");
      const missing = await post(server.url, {});
      expect(missing.status).toBe(401);
      expect(missing.headers.get("www-authenticate")).toBe('Bearer realm="paybill"');
      expect(missing.json).toEqual(refusal(-32010, "unauthorized: send `Authorization: Bearer <token>` (create one with `paybillc mcp token create`)"));
      const invalid = refusal(-32010, "unauthorized: the token is not valid (unknown, revoked or mistyped)");
      const [, tenant, id, secret] = tokens.agent.split(".") as [string, string, string, string];
      for (const token of ["nonsense", `pbt.${tenant}.${id}.${secret.replace(/.$/, secret.endsWith("A") ? "B" : "A")}`, tokens.revoked]) {
        const answer = await post(server.url, bearer(token));
        expect(answer.status).toBe(401);
        expect(answer.json).toEqual(invalid);
      }
      const otherAgent = await post(server.url, bearer(tokens.otherAgent));
      expect(otherAgent.status).toBe(403);
      expect(otherAgent.json).toEqual(refusal(-32011, "forbidden: the token acts as agent `billing_bot` of tenant `initech`; this server serves agent `support_bot` of tenant `initech`"));
      expect((await post(server.url, bearer(tokens.otherTenant))).status).toBe(403);

      // The token's session works like any other.
      const a = await connect(server.url, tokens.agent);
      clients.push(a.client);
      const status = await a.client.callTool({ name: "paybill_status", arguments: {} });
      expect(status.structuredContent).toMatchObject({ run: { workflow: "resolve_ticket", state: "triage" } });
      // Its session id with another live token of the same agent: refused.
      const hijack = await post(server.url, { ...bearer(tokens.second), "mcp-session-id": a.transport.sessionId ?? "" }, JSON.stringify({ jsonrpc: "2.0", id: 2, method: "tools/list" }));
      expect(hijack.status).toBe(403);
      expect(hijack.json).toEqual(refusal(-32011, "forbidden: the session was opened with another token"));
      // Without a token at all: 401 before the session is looked at.
      expect((await post(server.url, { "mcp-session-id": a.transport.sessionId ?? "" }, JSON.stringify({ jsonrpc: "2.0", id: 3, method: "tools/list" }))).status).toBe(401);

      const b = await connect(server.url, tokens.second);
      clients.push(b.client);
      const third = await post(server.url, bearer(tokens.agent));
      expect(third.status).toBe(503);
      expect(third.json).toEqual(refusal(-32012, "too many sessions: the server holds 2; end one (DELETE /mcp) or wait until one is idle for 900 s"));
    } finally {
      for (const client of clients) await client.close();
      await stop(server);
    }
    // Two sessions were authenticated: two runs, none for the six refused initializes.
    const runtime = await seeded.open();
    try {
      const [row] = await runtime.database.query<{ n: number }>("select count(*)::int as n from paybill_runs where tenant_id = 'initech'");
      expect(Number(row?.n)).toBe(2);
    } finally {
      await runtime.close();
    }
  }, 180_000);

  it("closes a session idle past --idle-timeout; its id is unknown from then on", async () => {
    const server = await start(["--auth", "token", "--idle-timeout", "1", ...seeded.args]);
    try {
      const a = await connect(server.url, tokens.agent);
      const sid = a.transport.sessionId ?? "";
      expect(sid).not.toBe("");
      await expect.poll(() => server.stderr(), { timeout: 120_000, interval: 100 }).toContain(`session ${sid} closed after 1 s idle`);
      const after = await post(server.url, { ...bearer(tokens.agent), "mcp-session-id": sid }, JSON.stringify({ jsonrpc: "2.0", id: 2, method: "tools/list" }));
      expect(after.status).toBe(404);
      expect(after.json).toEqual(refusal(-32001, "unknown session: initialize a new one"));
    } finally {
      await stop(server);
    }
  }, 180_000);
});

describe("paybillc mcp token and serve's refusals", () => {
  it("creates a token shown once, lists it without the token, and revokes it", async () => {
    const seeded = await seedDatabase("pglite", example.dir, example.bundle, { copies: true });
    try {
      const database = seeded.args[1] as string;
      const created = await paybillc(["mcp", "token", "create", "--tenant", "initech", "--agent", "support_bot", "--label", "desk", "--database", database], example.dir, {});
      expect(created.code, created.stderr).toBe(0);
      const token = created.stdout.trim();
      expect(token).toMatch(/^pbt\.initech\.[0-9a-f]{16}\.[A-Za-z0-9_-]{43}$/);
      expect(created.stderr).toMatch(/it is shown this once \(only its hash is kept\)/);
      const id = token.split(".")[2] as string;
      // In process from here on: the run above holds the binary's exit status.
      const listed = await paybillcHere(["mcp", "token", "list", "--tenant", "initech", "--database", database, "--format", "json"], example.dir);
      expect(listed.code, listed.stderr).toBe(0);
      expect(listed.stdout).not.toContain(token.split(".")[3] as string);
      expect(JSON.parse(listed.stdout)).toMatchObject({ tokens: [{ id, tenant: "initech", agent: "support_bot", label: "desk" }] });
      const revoked = await paybillcHere(["mcp", "token", "revoke", id, "--tenant", "initech", "--database", database], example.dir);
      expect(revoked.code, revoked.stderr).toBe(0);
      const runtime = await seeded.open();
      try {
        expect(await runtime.tokens.authenticate(token)).toBeUndefined();
      } finally {
        await runtime.close();
      }
      const unknown = await paybillcHere(["mcp", "token", "create", "--tenant", "initech", "--agent", "ghost", "--database", database], example.dir);
      expect(unknown.code).toBe(1);
      expect(unknown.stderr).toMatch(/^error\[PBR192\]: there is no agent `ghost`\n {2}= help: /);
    } finally {
      await seeded.drop();
    }
  }, 300_000);

  it("refuses to serve off loopback without authentication, and tokens without a database", async () => {
    const open = await paybillc(["serve", "--mcp", "--http", "--host", "0.0.0.0", "--auth", "none", "--bundle", example.bundle, "--tenant", "initech", "--agent", "support_bot"], example.dir, {});
    expect(open.code).toBe(2);
    expect(open.stderr).toMatch(/^error\[PB9320\]: refusing to serve MCP on `0\.0\.0\.0` without authentication\n {2}= help: /);
    const noDb = await paybillc(["serve", "--mcp", "--http", "--host", "0.0.0.0", "--bundle", example.bundle, "--tenant", "initech", "--agent", "support_bot"], example.dir, {});
    expect(noDb.code).toBe(2);
    expect(noDb.stderr).toMatch(/^error\[PB9321\]: `--auth token` needs `--database`/);
  }, 300_000);
});
