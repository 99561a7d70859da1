/**
 * `paybillc serve --mcp --http` with the SDK's streamable HTTP client, on a free port:
 * each client's session is its own run, a move in one changes that session's list only,
 * and SIGTERM stops the server cleanly (exit 0).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { ToolListChangedNotificationSchema } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BACKENDS, type Seeded, seedDatabase, textOf, useBuiltHelpdesk } from "./mcp-support.js";
import { BIN } from "./support/cli.js";

const example = useBuiltHelpdesk();

/** Starts the server and waits for the line that gives its URL. */
async function start(args: readonly string[]): Promise<{ child: ChildProcess; url: string; stderr: () => string }> {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: example.dir, stdio: ["ignore", "pipe", "pipe"] });
  let err = "";
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no URL within 60 s:\n${err}`)), 60_000);
    child.stderr?.on("data", (chunk: Buffer) => {
      err += chunk.toString("utf8");
      const found = /at (http:\/\/127\.0\.0\.1:\d+\/mcp)/.exec(err);
      if (found?.[1] !== undefined) {
        clearTimeout(timer);
        resolve(found[1]);
      }
    });
    child.once("exit", (code) => reject(new Error(`the server exited (${String(code)}):\n${err}`)));
  });
  return { child, url, stderr: () => err };
}

async function connect(url: string): Promise<{ client: Client; changes: () => number }> {
  let changes = 0;
  const client = new Client({ name: "paybill-http-test", version: "0" });
  client.setNotificationHandler(ToolListChangedNotificationSchema, () => {
    changes++;
  });
  await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  return { client, changes: () => changes };
}

const runOf = async (client: Client): Promise<{ id: string; state: string }> => {
  const status = await client.callTool({ name: "paybill_status", arguments: {} });
  return (status.structuredContent as { run: { id: string; state: string } }).run;
};

describe.each(BACKENDS)("serve --mcp --http (%s)", (backend) => {
  let seeded: Seeded;
  let server: Awaited<ReturnType<typeof start>>;

  beforeAll(async () => {
    seeded = await seedDatabase(backend, example.dir, example.bundle);
    server = await start(["serve", "--mcp", "--http", "--port", "0", "--bundle", example.bundle, "--tenant", "initech", "--agent", "support_bot", "--workflow", "resolve_ticket", ...seeded.args]);
  }, 90_000);

  afterAll(async () => {
    if (server?.child.exitCode === null) server.child.kill("SIGKILL");
    await seeded?.drop();
  });

  it("gives each session its own run; a move changes that session's tools only", async () => {
    const a = await connect(server.url);
    const b = await connect(server.url);
    try {
      const [runA, runB] = [await runOf(a.client), await runOf(b.client)];
      expect(runA.id).not.toBe(runB.id);
      expect((await a.client.listTools()).tools.map((t) => t.name).sort()).toEqual(["lookup_customer", "paybill_move", "paybill_status", "read_ticket"]);
      const read = await a.client.callTool({ name: "read_ticket", arguments: { ticket: seeded.ticket } });
      expect(JSON.parse(textOf(read))).toMatchObject({ subject: "Broken kettle" });

      await a.client.callTool({ name: "paybill_move", arguments: { state: "resolve" } });
      await expect.poll(() => a.changes()).toBe(1);
      expect((await a.client.listTools()).tools.map((t) => t.name).sort()).toEqual(["close_ticket", "paybill_move", "paybill_status", "refund", "reply"]);
      expect((await runOf(b.client)).state).toBe("triage");
      expect(b.changes()).toBe(0);
      const denied = await b.client.callTool({ name: "refund", arguments: { ticket: seeded.ticket, amount: 10, reason: "x" } });
      expect(denied.isError).toBe(true);
      expect(textOf(denied)).toContain("state `triage` of workflow `resolve_ticket` does not allow `refund`");
    } finally {
      await a.client.close();
      await b.client.close();
    }
  });

  it("refuses a request without a session, and stops on SIGTERM with exit 0", async () => {
    const response = await fetch(server.url, { method: "POST", headers: { "content-type": "application/json", accept: "application/json, text/event-stream" }, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }) });
    expect(response.status).toBe(400);
    expect(await response.text()).toContain("the first request must be initialize");
    server.child.kill("SIGTERM");
    const [code] = (await once(server.child, "exit")) as [number | null];
    expect(code).toBe(0);
    expect(server.stderr()).not.toMatch(/^\s+at .+/m);
  });
});
