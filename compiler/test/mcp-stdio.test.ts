/**
 * `paybillc serve --mcp` over stdio, driven by the MCP SDK's own client: the tools are the
 * run's current state's actions (plus the control tools), an allowed call returns the
 * effect's result, a call outside the state names the state, a policy denial carries its
 * rule, an approval wait is not an error, a move changes the list and says so, and every
 * decision lands in the tenant's audit chain. On PGlite, and on PostgreSQL when
 * PAYBILL_TEST_DATABASE_URL is set.
 */
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { ToolListChangedNotificationSchema } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BACKENDS, type Seeded, seedDatabase, textOf, useBuiltHelpdesk } from "./mcp-support.js";
import { BIN, paybillc, STACK_LINE } from "./support/cli.js";

const example = useBuiltHelpdesk();

const names = (tools: { name: string }[]): string[] => tools.map((t) => t.name).sort();

describe.each(BACKENDS)("serve --mcp over stdio (%s)", (backend) => {
  let seeded: Seeded;
  let client: Client;
  let changes = 0;
  const stderr: string[] = [];

  beforeAll(async () => {
    seeded = await seedDatabase(backend, example.dir, example.bundle);
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [BIN, "serve", "--mcp", "--bundle", example.bundle, "--tenant", "initech", "--agent", "support_bot", "--workflow", "resolve_ticket", ...seeded.args],
      cwd: example.dir,
      stderr: "pipe",
    });
    transport.stderr?.on("data", (chunk: Buffer) => stderr.push(chunk.toString("utf8")));
    client = new Client({ name: "paybill-test", version: "0" });
    client.setNotificationHandler(ToolListChangedNotificationSchema, () => {
      changes++;
    });
    await client.connect(transport);
  }, 60_000);

  afterAll(async () => {
    await client?.close();
    await seeded?.drop();
  });

  it("says where it serves on stderr, and offers the triage state's actions and the control tools", async () => {
    expect(stderr.join("")).toMatch(/MCP on stdio — agent `support_bot` of tenant `initech`, run [0-9a-f-]{36} of `resolve_ticket` in state `triage`/);
    const { tools } = await client.listTools();
    expect(names(tools)).toEqual(["lookup_customer", "paybill_move", "paybill_status", "read_ticket"]);
    const read = tools.find((t) => t.name === "read_ticket");
    expect(read?.inputSchema).toMatchObject({ type: "object", required: ["ticket"], additionalProperties: false, properties: { ticket: { type: "string", format: "uuid" } } });
    expect(tools.find((t) => t.name === "paybill_move")?.inputSchema).toMatchObject({ properties: { state: { enum: ["escalate", "resolve"] } }, required: ["state"] });
  });

  it("performs an allowed call and returns the effect's result, redacted as the policies say", async () => {
    const read = await client.callTool({ name: "read_ticket", arguments: { ticket: seeded.ticket } });
    expect(read.isError).toBeFalsy();
    expect(JSON.parse(textOf(read))).toMatchObject({ id: seeded.ticket, subject: "Broken kettle" });
    const customer = await client.callTool({ name: "lookup_customer", arguments: { customer: seeded.customer } });
    expect(customer.isError).toBeFalsy();
    const row = JSON.parse(textOf(customer)) as Record<string, unknown>;
    expect(row["name"]).toBe("Ada");
    expect(row).not.toHaveProperty("email");
    expect(customer.structuredContent).toMatchObject({ decision: "allow", action: "lookup_customer" });
  });

  it("refuses an action the state does not allow, naming the state and the allowed tools", async () => {
    const refund = await client.callTool({ name: "refund", arguments: { ticket: seeded.ticket, amount: 10, reason: "broken" } });
    expect(refund.isError).toBe(true);
    // Decided by act, as in process: a `workflow` denial, audited (see the last test).
    expect(textOf(refund)).toContain("state `triage` of workflow `resolve_ticket` does not allow `refund`");
    expect(textOf(refund)).toContain("`lookup_customer`, `read_ticket`");
    expect(refund.structuredContent).toMatchObject({ decision: "deny", reasons: [{ kind: "workflow" }] });
    const unknown = await client.callTool({ name: "wire_money", arguments: {} });
    expect(unknown.isError).toBe(true);
    expect(textOf(unknown)).toContain("unknown action `wire_money`");
  });

  it("answers an input the action's schema refuses with the runtime's input reason", async () => {
    const bad = await client.callTool({ name: "read_ticket", arguments: { ticket: "not-a-uuid" } });
    expect(bad.isError).toBe(true);
    expect(textOf(bad)).toMatch(/input: .*not a uuid.*`input\.ticket`/);
    const extra = await client.callTool({ name: "read_ticket", arguments: { ticket: seeded.ticket, also: 1 } });
    expect(extra.isError).toBe(true);
    expect(textOf(extra)).toContain("unknown field `also`");
  });

  it("moves the run with paybill_move, notifies tools/list_changed and lists the new state's tools", async () => {
    const before = changes;
    const bad = await client.callTool({ name: "paybill_move", arguments: { state: "done" } });
    expect(bad.isError).toBe(true);
    expect(textOf(bad)).toContain("error[PBR113]: workflow `resolve_ticket` has no edge from `triage` to `done`");
    const moved = await client.callTool({ name: "paybill_move", arguments: { state: "resolve" } });
    expect(moved.isError).toBeFalsy();
    expect(textOf(moved)).toContain("moved from `triage` to `resolve`");
    await expect.poll(() => changes).toBe(before + 1);
    const { tools } = await client.listTools();
    expect(names(tools)).toEqual(["close_ticket", "paybill_move", "paybill_status", "refund", "reply"]);
    expect(tools.find((t) => t.name === "refund")?.inputSchema).toMatchObject({
      required: ["ticket", "amount", "reason"],
      properties: { amount: { type: ["number", "string"] }, reason: { type: "string", maxLength: 500 } },
    });
  });

  it("returns a policy denial as a tool error carrying the rule and its condition", async () => {
    const refund = await client.callTool({ name: "refund", arguments: { ticket: seeded.ticket, amount: 250, reason: "broken" } });
    expect(refund.isError).toBe(true);
    expect(textOf(refund)).toMatch(/^denied: `refund` was not performed\n/);
    expect(textOf(refund)).toContain("forbidden by policy `refunds_need_finance_over_100` (rule `refunds_need_finance_over_100#0`) when input.amount > 100.0");
    const structured = refund.structuredContent as { decision: string; reasons: { kind: string; rule?: string }[] };
    expect(structured.decision).toBe("deny");
    expect(structured.reasons).toContainEqual(expect.objectContaining({ kind: "forbid", rule: "refunds_need_finance_over_100#0" }));
    const small = await client.callTool({ name: "refund", arguments: { ticket: seeded.ticket, amount: "80.00", reason: "broken" } });
    expect(small.isError).toBeFalsy();
    expect(JSON.parse(textOf(small))).toMatchObject({ ticket: seeded.ticket });
  });

  it("says an action awaits approval, with the group and the approval id, without an error", async () => {
    await client.callTool({ name: "paybill_move", arguments: { state: "escalate" } });
    // In `escalate` an amount the bots' permit covers waits for finance (250 would have no permit at all).
    const refund = await client.callTool({ name: "refund", arguments: { ticket: seeded.ticket, amount: 50, reason: "broken" } });
    expect(refund.isError).toBeFalsy();
    expect(textOf(refund)).toMatch(/^pending: `refund` awaits approval from group `finance` \(approval [0-9a-f-]{36}\)/);
    expect(refund.structuredContent).toMatchObject({ decision: "pending", group: "finance" });
  });

  it("reports the run's state, budget left and allowed actions with paybill_status", async () => {
    const status = await client.callTool({ name: "paybill_status", arguments: {} });
    expect(status.isError).toBeFalsy();
    // Steps in the run: read, lookup, refund in triage, wire_money, bad uuid, unknown field, refund 250, refund 80,
    // refund pending (9 acts, decided as in process) and the two moves (the refused one to `done` is no step).
    expect(status.structuredContent).toMatchObject({
      tenant: "initech",
      agent: "support_bot",
      run: { workflow: "resolve_ticket", state: "escalate", steps: 11, writes: 1 },
      budgetLeft: { steps: 9, writes: 4 },
      actions: ["refund"],
      next: ["done", "resolve"],
    });
    expect(textOf(status)).toContain("budget left: 9 steps, 4 writes");
  });

  it("ends the run in a final state: no actions and no paybill_move", async () => {
    await client.callTool({ name: "paybill_move", arguments: { state: "done" } });
    const { tools } = await client.listTools();
    expect(names(tools)).toEqual(["paybill_status"]);
  });

  it("audited every decision in the tenant's chain (checked after the server exits)", async () => {
    await client.close();
    const runtime = await seeded.open();
    try {
      const records = await runtime.audit.query({ tenant: "initech" });
      const refunds = records.filter((r) => r.action === "refund").map((r) => r.decision);
      // The refund refused in `triage` and the unknown tool are audited like any denial; the agent's moves too.
      expect(refunds.sort()).toEqual(["allow", "deny", "deny", "pending"]);
      expect(records.filter((r) => r.action === "wire_money").map((r) => r.decision)).toEqual(["deny"]);
      const moves = records.filter((r) => r.action === "workflow.move");
      expect(moves.length).toBeGreaterThan(0);
      expect(moves.every((r) => r.agent === "support_bot" && r.input["by"] === "agent")).toBe(true);
      expect((await runtime.audit.verify("initech")).ok).toBe(true);
    } finally {
      await runtime.close();
    }
  });
});

describe("serve --mcp refusals", () => {
  it("exits 2 with a coded message and no stack trace for an unknown tenant, agent or workflow (those the bundle refutes before a database is opened)", async () => {
    const base = ["serve", "--mcp", "--bundle", example.bundle];
    const tenant = await paybillc([...base, "--tenant", "nobody", "--agent", "support_bot"], example.dir);
    expect(tenant.code).toBe(2);
    expect(tenant.stderr).toContain("error[PB9202]: there is no tenant `nobody`");
    const workflow = await paybillc([...base, "--tenant", "initech", "--agent", "triage_bot", "--workflow", "resolve_ticket"], example.dir);
    expect(workflow.code).toBe(2);
    expect(workflow.stderr).toContain("error[PB9202]: workflow `resolve_ticket` is run by agent `support_bot`, not `triage_bot`");
    const missing = await paybillc(["serve", "--mcp", "--bundle", "nope.json", "--tenant", "initech", "--agent", "support_bot"], example.dir);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("error[PBR007]");
    // Names the bundle alone refutes are refused before any database is opened: here one that cannot be.
    const nowhere = ["--database", "postgres://nobody@127.0.0.1:1/none"];
    const agent = await paybillc([...base, "--tenant", "initech", "--agent", "nobody_bot", ...nowhere], example.dir);
    expect([agent.code, agent.stderr.split("\n")[0]]).toEqual([2, "error[PB9202]: there is no agent `nobody_bot` in the bundle"]);
    const elsewhere = await paybillc([...base, "--tenant", "initech", "--agent", "triage_bot", "--workflow", "resolve_ticket", ...nowhere], example.dir);
    expect(elsewhere.stderr).toContain("error[PB9202]: workflow `resolve_ticket` is run by agent `support_bot`, not `triage_bot`");
    for (const run of [tenant, workflow, missing, agent, elsewhere]) {
      expect(run.stderr).not.toMatch(STACK_LINE);
      expect(run.stdout).toBe("");
    }
  });
});
