/**
 * The same call, the same decision (spec/runtime.md, Moves): a table of requests — allowed,
 * a tool the state does not allow, an unknown tool, a bad input, a forbid, moves along
 * `by agent` and host-only edges, a false guard, no edge — run in process (`runtime.act`,
 * `runtime.runs.next(…, { by: agent })`) for one tenant and through `createPaybillMcpServer`
 * (MCP's client over the in-memory transport) for another. Decisions, reasons, refusal codes
 * and messages, and the audit records written must be the same; every refusal over MCP is
 * in the chain, which still verifies. Also an agent with `runs = required` outside a run, and
 * `paybill_move` in a session with no run (PB9204, audited as act's denial).
 */
import { randomUUID } from "node:crypto";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import { type AuditRecord, PaybillRuntimeError, } from "@paybill/runtime";
import { describe, expect, it } from "vitest";
import { createPaybillMcpServer } from "../../server/src/mcp/server.js";
import { BACKENDS, runtimeFor } from "./mcp-support.js";
import { emitOk } from "./support/bundle.js";

const PROJECT = `
import std.isolation.{pooled}
plan free { price = 0, isolation = pooled }
plan gold { price = 10 usd per month, isolation = pooled }
agent clerk { roles = [clerk] }
agent auditor { runs = required }
action note { input { text: string(max: 50) } }
action pay { input { amount: int } }
action look { input { n: int } }
policy clerk_works { permit clerk to note, pay, look }
policy no_secrets { forbid clerk to note when input.text == "secret" }
policy auditor_looks { permit auditor to look }
workflow desk {
  agent = clerk
  budget { steps = 30 }
  start intake
  state intake { allow note, look next pay_out by agent when tenant.plan == "gold", review by agent, approve }
  state review { allow look next done by agent }
  state approve { allow pay next done }
  state pay_out { allow pay next done by agent }
  state done { final }
}
workflow watch {
  agent = auditor
  start watching
  state watching { allow look next over by agent }
  state over { final }
}
`;

type Step = { readonly act: string; readonly input: Record<string, unknown> } | { readonly move: string };

const TABLE: readonly Step[] = [
  { act: "note", input: { text: "hello" } },
  { act: "pay", input: { amount: 5 } },
  { act: "wire_money", input: { to: "x" } },
  { act: "note", input: { text: 5 } },
  { act: "note", input: { text: "secret" } },
  { move: "approve" },
  { move: "pay_out" },
  { move: "nowhere" },
  { move: "review" },
  { act: "pay", input: { amount: 500 } },
  { act: "look", input: { n: 1 } },
  { move: "done" },
  { act: "look", input: { n: 2 } },
];

type Outcome = { decision: unknown; reasons: unknown } | { moved: unknown } | { error: unknown; message: unknown };

const { bundle } = emitOk({ "desk.paybill": PROJECT });

describe.each(BACKENDS)("in process and over MCP, the same decisions (%s)", (backend) => {
  const t = runtimeFor(backend, bundle, "mcp_parity", { entityTables: false });

  const tenant = async (): Promise<string> => {
    const id = `t_${randomUUID().slice(0, 8)}`;
    await t.runtime.tenants.put({ id, plan: "free", state: "active" });
    return id;
  };

  async function mcp(options: { tenant: string; agent: string; workflow?: string }): Promise<{ client: Client; run: string | undefined }> {
    const { server, session } = await createPaybillMcpServer(t.runtime, options);
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    const client = new Client({ name: "parity", version: "0" });
    await server.connect(serverSide);
    await client.connect(clientSide);
    return { client, run: session.runId };
  }

  async function inProcess(step: Step, request: { tenant: string; agent: string; run?: string }): Promise<Outcome> {
    if ("act" in step) {
      const result = await t.runtime.act({ ...request, action: step.act, input: step.input });
      return { decision: result.decision, reasons: result.reasons };
    }
    try {
      return { moved: (await t.runtime.runs.next(request.run ?? "", step.move, { by: request.agent })).state };
    } catch (error) {
      if (!(error instanceof PaybillRuntimeError)) throw error;
      return { error: error.code, message: error.message };
    }
  }

  async function overMcp(step: Step, client: Client): Promise<Outcome> {
    const answer = "act" in step ? await client.callTool({ name: step.act, arguments: step.input }) : await client.callTool({ name: "paybill_move", arguments: { state: step.move } });
    const structured = answer.structuredContent as Record<string, unknown>;
    if ("error" in structured) {
      const error = structured["error"] as { code: unknown; message: unknown };
      return { error: error.code, message: error.message };
    }
    if ("act" in step) {
      const reasons = (structured["reasons"] as Record<string, unknown>[]).map(({ text: _text, ...reason }) => reason);
      return { decision: structured["decision"], reasons };
    }
    return { moved: structured["state"] };
  }

  /** What a record says, with the run's id and the tenant's replaced so two runs compare. */
  const said = (records: readonly AuditRecord[], run: string | undefined, id: string): string[] =>
    records.map((r) => JSON.stringify([r.agent, r.action, r.decision, r.reasons, r.input, r.run === run]).replaceAll(run ?? "\0", "<run>").replaceAll(id, "<tenant>"));
  const normal = (outcome: Outcome, run: string | undefined): string => JSON.stringify(outcome).replaceAll(run ?? "\0", "<run>");

  it("a table of calls in a run: same decisions, reasons, refusals and audit records; every MCP refusal audited", async () => {
    const [local, remote] = [await tenant(), await tenant()];
    const localRun = (await t.runtime.runs.start({ workflow: "desk", tenant: local })).id;
    const { client, run: remoteRun } = await mcp({ tenant: remote, agent: "clerk", workflow: "desk" });
    try {
      const outcomes: [string, string][] = [];
      for (const step of TABLE) {
        const a = normal(await inProcess(step, { tenant: local, agent: "clerk", run: localRun }), localRun);
        const b = normal(await overMcp(step, client), remoteRun);
        outcomes.push([a, b]);
      }
      for (const [i, [a, b]] of outcomes.entries()) expect(b, `step ${i + 1}: ${JSON.stringify(TABLE[i])}`).toBe(a);
      // The table exercised what it claims (so equal answers are not equal nothings).
      const kinds = outcomes.map(([a]) => JSON.parse(a) as Record<string, unknown>).map((o) => String(o["decision"] ?? o["error"] ?? `moved ${String(o["moved"])}`));
      expect(kinds).toEqual(["allow", "deny", "deny", "deny", "deny", "PBR235", "PBR236", "PBR113", "moved review", "deny", "allow", "moved done", "deny"]);

      const localRecords = await t.runtime.audit.query({ tenant: local });
      const remoteRecords = await t.runtime.audit.query({ tenant: remote });
      expect(said(remoteRecords, remoteRun, remote)).toEqual(said(localRecords, localRun, local));
      // One record per call: every refusal over MCP (the unknown tool and the state's refusal included) is in the chain.
      expect(remoteRecords).toHaveLength(TABLE.length);
      expect(remoteRecords.find((r) => r.action === "wire_money")).toMatchObject({ decision: "deny", reasons: [{ kind: "unknown" }] });
      expect(remoteRecords.filter((r) => r.action === "workflow.move").map((r) => [r.decision, r.input["to"]])).toEqual([
        ["deny", "approve"],
        ["deny", "pay_out"],
        ["deny", "nowhere"],
        ["allow", "review"],
        ["allow", "done"],
      ]);
      expect((await t.runtime.audit.verify(remote)).ok).toBe(true);
    } finally {
      await client.close();
    }
  });

  it("only `by agent` edges are offered to the agent as paybill_move's states", async () => {
    const { client } = await mcp({ tenant: await tenant(), agent: "clerk", workflow: "desk" });
    try {
      const { tools } = await client.listTools();
      expect(tools.find((t) => t.name === "paybill_move")?.inputSchema).toMatchObject({ properties: { state: { enum: ["pay_out", "review"] } } });
    } finally {
      await client.close();
    }
  });

  it("paybill_move in a session with no run: PB9204, audited as act's denial of that name in process would be, and the chain verifies", async () => {
    const [local, remote] = [await tenant(), await tenant()];
    const { client } = await mcp({ tenant: remote, agent: "clerk" });
    try {
      const inProcess = await t.runtime.act({ tenant: local, agent: "clerk", action: "paybill_move", input: { state: "review" } });
      expect(inProcess).toMatchObject({ decision: "deny", reasons: [{ kind: "unknown", message: "unknown action `paybill_move`" }] });
      const answer = await client.callTool({ name: "paybill_move", arguments: { state: "review" } });
      expect(answer.isError).toBe(true);
      const error = (answer.structuredContent as { error: Record<string, unknown> }).error;
      expect(error).toMatchObject({ code: "PB9204", message: "this session works in no workflow run, so there is no state to move", reasons: [{ kind: "unknown", text: "unknown: unknown action `paybill_move`" }] });
      const records = await t.runtime.audit.query({ tenant: remote });
      expect(records).toHaveLength(1);
      expect(records[0]).toMatchObject({ id: error["auditId"], agent: "clerk", action: "paybill_move", decision: "deny", input: { state: "review" }, reasons: [{ kind: "unknown" }] });
      expect(records[0]?.run).toBeUndefined();
      expect(said(records, undefined, remote)).toEqual(said(await t.runtime.audit.query({ tenant: local }), undefined, local));
      expect((await t.runtime.audit.verify(remote)).ok).toBe(true);
    } finally {
      await client.close();
    }
  });

  it("an agent with `runs = required` is denied outside a run, the same way, audited both ways", async () => {
    const [local, remote] = [await tenant(), await tenant()];
    const step: Step = { act: "look", input: { n: 1 } };
    const { client } = await mcp({ tenant: remote, agent: "auditor" });
    try {
      const a = await inProcess(step, { tenant: local, agent: "auditor" });
      expect(a).toEqual({ decision: "deny", reasons: [{ kind: "workflow", message: "agent `auditor` acts only inside a workflow run (`runs = required`)" }] });
      expect(await overMcp(step, client)).toEqual(a);
      expect(said(await t.runtime.audit.query({ tenant: remote }), undefined, remote)).toEqual(said(await t.runtime.audit.query({ tenant: local }), undefined, local));
      expect(await t.runtime.audit.query({ tenant: remote })).toHaveLength(1);
    } finally {
      await client.close();
    }
  });
});
