/**
 * `createPaybillMcpServer` in process, linked to the SDK's client by its in-memory
 * transport (no process to spawn): a session outside any run, a move made by someone
 * else seen on the next call, a session that cannot open, and a runtime closed mid-session
 * answered as a tool error. On PGlite, and on PostgreSQL when PAYBILL_TEST_DATABASE_URL is set.
 */
import { randomUUID } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import { ToolListChangedNotificationSchema } from "@modelcontextprotocol/sdk/types.js";
import { type DatabaseConfig, entityTablesSql, openRuntime, type Runtime } from "@paybill/runtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPaybillMcpServer } from "../../server/src/mcp/server.js";
import { SessionError } from "../../server/src/mcp/session.js";
import { agentMoves, BACKENDS, PG_URL, textOf } from "./mcp-support.js";
import { emitOk, HELPDESK } from "./support/bundle.js";

const files = readdirSync(HELPDESK).filter((name) => name.endsWith(".paybill") && !name.startsWith("."));
const { bundle } = emitOk(files.map((name) => [name, agentMoves(readFileSync(join(HELPDESK, name), "utf8"))] as [string, string]));

async function connected(runtime: Runtime, options: Parameters<typeof createPaybillMcpServer>[1]): Promise<{ client: Client; changes: () => number; run?: string }> {
  const { server, session } = await createPaybillMcpServer(runtime, options);
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  let changes = 0;
  const client = new Client({ name: "in-process", version: "0" });
  client.setNotificationHandler(ToolListChangedNotificationSchema, () => {
    changes++;
  });
  await server.connect(serverSide);
  await client.connect(clientSide);
  return { client, changes: () => changes, ...(session.runId === undefined ? {} : { run: session.runId }) };
}

describe.each(BACKENDS)("createPaybillMcpServer (%s)", (backend) => {
  let runtime: Runtime;
  const schema = `paybill_mcp_server_${process.pid}_${randomUUID().slice(0, 8)}`;
  const ticket = randomUUID();

  beforeAll(async () => {
    const database: DatabaseConfig = backend === "postgres" && PG_URL !== undefined ? { url: PG_URL, schema, privileged: true } : { pglite: {} };
    runtime = await openRuntime({ bundle, database });
    await runtime.database.exec(entityTablesSql(runtime.bundle));
    const customer = randomUUID();
    await runtime.database.query("insert into customer (tenant_id, id, name, email) values ($1, $2, $3, $4)", ["initech", customer, "Ada", "ada@example.com"]);
    await runtime.database.query("insert into tickets (tenant_id, id, customer, subject, body) values ($1, $2, $3, $4, $5)", ["initech", ticket, customer, "Kettle", "Broken."]);
  }, 60_000);

  afterAll(async () => {
    if (backend === "postgres") await runtime.database.exec(`drop schema if exists "${schema}" cascade`);
    await runtime.close();
  });

  it("outside a run offers what some permit could allow the agent, and no paybill_move", async () => {
    const { client } = await connected(runtime, { tenant: "initech", agent: "billing_bot" });
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toEqual(["read_ticket", "refund", "paybill_status"]);
    const read = await client.callTool({ name: "read_ticket", arguments: { ticket } });
    expect(JSON.parse(textOf(read))).toMatchObject({ subject: "Kettle" });
    const move = await client.callTool({ name: "paybill_move", arguments: { state: "resolve" } });
    expect(move.isError).toBe(true);
    expect(textOf(move)).toContain("error[PB9204]: this session works in no workflow run");
    const status = await client.callTool({ name: "paybill_status", arguments: {} });
    expect(status.structuredContent).toMatchObject({ run: null, actions: ["read_ticket", "refund"], next: [] });
    await client.close();
  });

  it("tells the client when someone else moved the run, on its next call", async () => {
    const { client, changes, run } = await connected(runtime, { tenant: "initech", agent: "support_bot", workflow: "resolve_ticket" });
    expect(run).toBeDefined();
    await client.listTools();
    await runtime.runs.next(run as string, "escalate");
    await client.callTool({ name: "paybill_status", arguments: {} });
    await expect.poll(changes).toBe(1);
    expect((await client.listTools()).tools.map((t) => t.name)).toEqual(["refund", "paybill_status", "paybill_move"]);
    await client.close();
  });

  it("joins an existing run with `run`, and refuses one of another agent", async () => {
    const started = await runtime.runs.start({ workflow: "sort_inbox", tenant: "initech" });
    const { client } = await connected(runtime, { tenant: "initech", agent: "triage_bot", run: started.id });
    const status = await client.callTool({ name: "paybill_status", arguments: {} });
    expect(status.structuredContent).toMatchObject({ run: { id: started.id, state: "sorting" } });
    await client.close();
    await expect(createPaybillMcpServer(runtime, { tenant: "initech", agent: "support_bot", run: started.id })).rejects.toThrow(SessionError);
    await expect(createPaybillMcpServer(runtime, { tenant: "initech", agent: "support_bot", workflow: "sort_inbox" })).rejects.toThrow(
      "workflow `sort_inbox` is run by agent `triage_bot`, not `support_bot`",
    );
  });
});

describe("createPaybillMcpServer when its runtime is closed under it", () => {
  it("answers a tool call with a coded tool error, not a protocol error or a stack trace", async () => {
    const runtime = await openRuntime({ bundle, database: { pglite: {} } });
    const { client } = await connected(runtime, { tenant: "initech", agent: "support_bot", workflow: "resolve_ticket" });
    await runtime.close();
    const read = await client.callTool({ name: "read_ticket", arguments: { ticket: randomUUID() } });
    expect(read.isError).toBe(true);
    expect(textOf(read)).toContain("error[PBR130]: this runtime is closed");
    expect(textOf(read)).not.toMatch(/^\s+at /m);
    await client.close();
  });
});
