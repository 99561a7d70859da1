/**
 * Host effects, updates keeping omitted fields and list reads from `.paybill` to the
 * runtime: the bundle carries `host`, `keep` and `many` only where they are used; over MCP
 * (`createPaybillMcpServer` in process) an allowed host tool says it was approved and is
 * being performed by the host, the host then reports once through the runtime; a list
 * read's tool returns the tenant's rows its `where` selects. On PGlite, and on PostgreSQL
 * when PAYBILL_TEST_DATABASE_URL is set.
 */
import { randomUUID } from "node:crypto";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import { PaybillRuntimeError, } from "@paybill/runtime";
import { describe, expect, it } from "vitest";
import { createPaybillMcpServer } from "../../server/src/mcp/server.js";
import { BACKENDS, textOf, runtimeFor } from "./mcp-support.js";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { structureProblem } from "../../runtime/src/bundle/validate.js";
import { emitOk, ROOT } from "./support/bundle.js";
import { JsonSchema } from "./support/json-schema.js";

const SOURCE = `import std.isolation.{pooled}

cloud aws primary { region = "eu-west-1" }
plan basic { price = 0, isolation = pooled on primary }
tenant bank { plan = basic }
agent assistant { roles = [banking] }

entity Payee {
  id    uuid @id
  name  string(max: 100)
  iban  string(max: 34)
  limit decimal
  email string(max: 200) @pii
}

action send_money {
  input { iban: string(max: 34), amount: decimal, note: string(max: 140)? }
  effect host
}
action edit_payee {
  input { payee: Payee.id, name: string(max: 100)?, limit: decimal? }
  effect update Payee(input.payee) set { name = input.name, limit = input.limit }
}
action find_payees {
  input { name: string(max: 100), min: decimal }
  effect read many Payee where row.name == input.name || row.limit >= input.min limit 2
}

policy banking {
  permit assistant to send_money when input.amount <= 500.0
  permit assistant to edit_payee, find_payees
}
`;

const { bundle } = emitOk({ "bank.paybill": SOURCE });

describe("the bundle", () => {
  it("carries host, keep and many where they are used", () => {
    expect(bundle.actions["send_money"]).toMatchObject({ host: true });
    expect(bundle.actions["send_money"]?.effect).toBeUndefined();
    expect(bundle.actions["edit_payee"]?.effect?.set).toEqual([
      { field: "name", value: { cel: "input.name" }, keep: ["name"] },
      { field: "limit", value: { cel: "input.limit" }, keep: ["limit"] },
    ]);
    expect(bundle.actions["find_payees"]?.effect).toEqual({
      op: "read",
      entity: "Payee",
      many: {
        where: {
          any: [
            { field: "name", op: "==", value: { cel: "input.name" } },
            { field: "limit", op: ">=", value: { cel: "input.min" } },
          ],
        },
        limit: 2,
      },
    });
    expect(bundle.actions["edit_payee"]).not.toHaveProperty("host");
  });

  it("satisfies spec/bundle.schema.json, and the schema and the runtime refuse the same broken members", () => {
    const schema = new JsonSchema(JSON.parse(readFileSync(join(ROOT, "spec/bundle.schema.json"), "utf8")));
    expect(schema.validate(bundle)).toBeUndefined();
    expect(structureProblem(bundle)).toBeUndefined();
    type Actions = { actions: Record<string, Record<string, unknown>> };
    /** The bundle with `value` at `path` (action, then member names), as the schema and the runtime judge it. */
    const judged = (path: (string | number)[], value: unknown) => {
      const copy = structuredClone(bundle) as unknown as Actions;
      let node: Record<string | number, unknown> = copy.actions;
      for (const step of path.slice(0, -1)) node = node[step] as Record<string | number, unknown>;
      node[path[path.length - 1] as string | number] = value;
      return { schema: schema.validate(copy) === undefined, runtime: structureProblem(copy) === undefined };
    };
    const limit = ["find_payees", "effect", "many", "limit"];
    const where = ["find_payees", "effect", "many", "where"];
    for (const [path, value] of [
      [limit, 101],
      [limit, 0],
      [where, { all: [], any: [] }],
      [where, { field: "name", op: "~", value: { cel: "1" } }],
      [["send_money", "host"], false],
      [["edit_payee", "effect", "set", 0, "keep"], "name"],
    ] as [(string | number)[], unknown][]) {
      expect(judged(path, value)).toEqual({ schema: false, runtime: false });
    }
    expect(judged(limit, 100)).toEqual({ schema: true, runtime: true });
  });

  it("writes a comparison with the row on the right as one with the row on the left", () => {
    const flipped = emitOk({ "bank.paybill": SOURCE.replace("row.limit >= input.min", "input.min < row.limit") }).bundle;
    expect(flipped.actions["find_payees"]?.effect?.many?.where).toEqual({
      any: [
        { field: "name", op: "==", value: { cel: "input.name" } },
        { field: "limit", op: ">", value: { cel: "input.min" } },
      ],
    });
  });
});

describe.each(BACKENDS)("host effects and list reads over MCP (%s)", (backend) => {
  const t = runtimeFor(backend, bundle, "host_effects");

  async function client(): Promise<Client> {
    const { server } = await createPaybillMcpServer(t.runtime, { tenant: "bank", agent: "assistant" });
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    const c = new Client({ name: "in-process", version: "0" });
    await server.connect(serverSide);
    await c.connect(clientSide);
    return c;
  }

  it("a host tool answers that it was approved and is being performed by the host; the host reports once", async () => {
    const c = await client();
    const { tools } = await c.listTools();
    expect(tools.find((t) => t.name === "send_money")?.description).toContain("performed by the host");
    const answer = await c.callTool({ name: "send_money", arguments: { iban: "DE89370400440532013000", amount: 120 } });
    expect(answer.isError).toBeFalsy();
    expect(textOf(answer)).toMatch(/^approved: `send_money` is being performed by the host \(performance [0-9a-f-]{36}\)/);
    const structured = answer.structuredContent as { performance: string; auditId: string; performedBy: string };
    expect(structured.performedBy).toBe("host");
    expect(structured.performance).toBe(structured.auditId);
    const pending = await t.runtime.performances.pending("bank");
    expect(pending.map((p) => p.id)).toContain(structured.performance);
    expect(pending.find((p) => p.id === structured.performance)?.input).toEqual({ iban: "DE89370400440532013000", amount: 120 });
    await t.runtime.report("bank", structured.performance, { ok: true, result: { reference: "R-7" } });
    const again = await t.runtime.report("bank", structured.performance, { ok: true }).catch((e: unknown) => e);
    expect(again).toBeInstanceOf(PaybillRuntimeError);
    expect((again as PaybillRuntimeError).code).toBe("PBR241");
    const records = await t.runtime.audit.query({ tenant: "bank", action: "host.report" });
    expect(records.filter((r) => (r.input as { performance?: string }).performance === structured.performance)).toHaveLength(1);
    await c.close();
  });

  it("a host tool the policy denies is denied as any tool, with nothing to perform", async () => {
    const c = await client();
    const before = (await t.runtime.performances.pending("bank")).length;
    const answer = await c.callTool({ name: "send_money", arguments: { iban: "DE89370400440532013000", amount: 5000 } });
    expect(answer.isError).toBe(true);
    expect(textOf(answer)).toContain("denied: `send_money` was not performed");
    expect(await t.runtime.performances.pending("bank")).toHaveLength(before);
    await c.close();
  });

  it("an update keeps the fields whose optional inputs the agent left out; a list read returns the selected rows, redacted", async () => {
    const ids = [randomUUID(), randomUUID(), randomUUID()].sort();
    const [a, b, c3] = ids as [string, string, string];
    for (const [id, name, limit] of [
      [a, "Ada", 10],
      [b, "Bob", 900],
      [c3, "Cy", 5],
    ] as const) {
      await t.runtime.database.query("insert into payee (tenant_id, id, name, iban, \"limit\", email) values ($1, $2, $3, $4, $5, $6)", ["bank", id, name, "DE00", limit, `${name}@example.com`]);
    }
    const c = await client();
    const edited = await c.callTool({ name: "edit_payee", arguments: { payee: a, limit: 20 } });
    expect(edited.isError).toBeFalsy();
    const [row] = await t.runtime.database.query("select name, \"limit\"::float8 as l from payee where id = $1", [a]);
    expect(row).toEqual({ name: "Ada", l: 20 });
    const found = await c.callTool({ name: "find_payees", arguments: { name: "Cy", min: 100 } });
    const rows = (JSON.parse(textOf(found)) as { rows: Record<string, unknown>[] }).rows;
    expect(rows.map((r) => r["id"])).toEqual([b, c3]);
    expect(rows.every((r) => !("email" in r))).toBe(true);
    await c.close();
  });
});
