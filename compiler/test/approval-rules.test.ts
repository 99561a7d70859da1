
import { readFileSync } from "node:fs";
import { cp, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import { describe, expect, it } from "vitest";
import { sdkTs } from "../src/emit/sdk/index.js";
import { createPaybillMcpServer } from "../../server/src/mcp/server.js";
import { BACKENDS, runtimeFor } from "./mcp-support.js";
import { structureProblem } from "../../runtime/src/bundle/validate.js";
import { emitOk, ROOT } from "./support/bundle.js";
import { JsonSchema } from "./support/json-schema.js";
import { paybillc, project } from "./support/cli.js";

const SAMPLE = fileURLToPath(new URL("./samples/approval-rules/", import.meta.url));
const SOURCE = await readFile(join(SAMPLE, "bank.paybill"), "utf8");
const { bundle } = emitOk({ "bank.paybill": SOURCE });

describe("paybillc test with approval rules", () => {
  it("passes the sample's tests: pending without the holder's approval, allow with it, deny by a forbid or without a permit", async () => {
    const run = await paybillc(["test", "."], SAMPLE);
    expect(run.stdout).toMatch(/✓ a large transfer waits for the account holder/);
    expect(run.stdout).toMatch(/✓ the holder's approval lets it through/);
    expect(run.stdout).toMatch(/\n6 tests passed, 0 failed/);
    expect(run.code).toBe(0);
  });

  it("fails `expect pending` once the rule is gone", async () => {
    const dir = await project();
    await cp(SAMPLE, dir, { recursive: true });
    const path = join(dir, "bank.paybill");
    await writeFile(path, (await readFile(path, "utf8")).replace(/ {2}require approval from .*\n/, ""));
    const run = await paybillc(["test", "."], dir);
    expect(run.stdout).toMatch(/✗ a large transfer waits for the account holder\n\s+expected pending by `payments`, got allow/);
    expect(run.code).toBe(1);
  });

  it("builds the groups and each rule's approval into the bundle", () => {
    expect(bundle.groups).toEqual(["account_holder"]);
    const rules = bundle.policies.find((p) => p.name === "payments")?.rules ?? [];
    expect(rules[1]).toMatchObject({ id: "payments#1", effect: "require", agents: ["*"], approval: { group: "account_holder", timeoutMs: 24 * 3_600_000 } });
    expect(rules[0]?.approval).toBeUndefined();
  });

  it("types the declared groups in the SDK (GroupName), and only when there are some", () => {
    expect(sdkTs(bundle)).toMatch(/export type GroupName = "account_holder";/);
    const { groups: _groups, ...without } = bundle;
    expect(sdkTs(without)).not.toContain("GroupName");
  });

  it("gives a bundle spec/bundle.schema.json and the runtime's check both accept, and both refuse a rule effect they do not know", () => {
    const schema = new JsonSchema(JSON.parse(readFileSync(join(ROOT, "spec/bundle.schema.json"), "utf8")));
    const json = JSON.parse(JSON.stringify(bundle)) as { policies: { rules: { effect: string; approval?: { timeoutMs?: number } }[] }[] };
    expect(schema.validate(json)).toBeUndefined();
    expect(structureProblem(json)).toBeUndefined();
    const timeless = structuredClone(json);
    const rule = timeless.policies[0]?.rules[1];
    if (rule?.approval !== undefined) rule.approval.timeoutMs = 0;
    expect(schema.validate(timeless)).toBeDefined();
    expect(structureProblem(timeless)).toBeDefined();
    const unknown = structuredClone(json);
    const first = unknown.policies[0]?.rules[0];
    if (first !== undefined) first.effect = "approve";
    expect(schema.validate(unknown)).toBeDefined();
    expect(structureProblem(unknown)).toBeDefined();
  });
});

describe.each(BACKENDS)("no MCP tool lets an agent approve (%s)", (backend) => {
  const t = runtimeFor(backend, bundle, "mcp_appr");

  it("walks every tool, and names no tool offers, with inputs that try to grant or resume: the approval stays pending, nothing is sent", async () => {
    const { server } = await createPaybillMcpServer(t.runtime, { tenant: "acme", agent: "assistant", workflow: "pay" });
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    const client = new Client({ name: "in-process", version: "0" });
    await server.connect(serverSide);
    await client.connect(clientSide);

    const asked = await client.callTool({ name: "send_money", arguments: { recipient: "bob", amount: 500 } });
    expect(asked.isError).not.toBe(true);
    const [approval] = await t.runtime.approvals.list({ tenant: "acme", status: "pending" });
    expect(approval).toMatchObject({ agent: "assistant", action: "send_money", group: "account_holder" });
    const id = approval?.id ?? "";

    const attempts: Record<string, unknown>[] = [
      {},
      { approval: id, approvalId: id, by: "ada", groups: ["account_holder"], decision: "grant", status: "granted" },
      { id, resume: true, approve: true, by: "assistant" },
      { recipient: "bob", amount: 500, approval: id, approvals: [{ group: "account_holder", by: "ada", at: "2030-01-01T00:00:00Z" }] },
      { state: "done", approval: id },
    ];
    const { tools } = await client.listTools();
    const names = [...tools.map((t) => t.name), "approve", "grant", "resume", "paybill_approve", "paybill_grant", "paybill_resume", "approvals.grant"];
    expect(names).toContain("paybill_move");
    for (const name of names) {
      for (const args of attempts) await client.callTool({ name, arguments: args }).catch(() => undefined);
    }
    await client.close();

    expect((await t.runtime.approvals.get(id))?.status).toBe("pending");
    expect(await t.runtime.audit.query({ tenant: "acme", action: "approval.grant" })).toEqual([]);
    expect(await t.runtime.audit.query({ tenant: "acme", action: "send_money", decision: "allow" })).toEqual([]);
    const [sent] = await t.runtime.database.query<{ n: unknown }>("select count(*) as n from transfer where amount = 500");
    expect(Number(sent?.n)).toBe(0);
    // Each retry of the action through its tool waited again: a new approval, never an allow.
    const pendings = await t.runtime.approvals.list({ tenant: "acme", status: "pending" });
    expect(pendings.every((a) => a.agent === "assistant" && a.status === "pending")).toBe(true);
  });
});
