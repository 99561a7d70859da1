/**
 * The bundle emitter, in process: the example's bundle loads in the runtime, the bytes do
 * not depend on the order of files, and each rule of spec/bundle.md that turns source into
 * bundle data (names, roles, enum names, std policies, condition types, clashes).
 */
import fc from "fast-check";
import { loadBundle } from "@paybill/runtime";
import { describe, expect, it } from "vitest";
import { emit, emitOk, HELPDESK, sourcesIn } from "./support/bundle.js";

const PLAN = `
import std.isolation.{pooled}
plan free { price = 0, isolation = pooled }
`;

describe("the bundle of examples/helpdesk", () => {
  const files = Object.entries(sourcesIn(HELPDESK));
  const { bundle, text } = emitOk(files);

  it("is accepted by the runtime's loader", () => {
    expect(loadBundle(text)).toEqual(bundle);
  });

  it("is written with sorted keys, two-space indentation and a final newline", () => {
    expect(text.endsWith("}\n")).toBe(true);
    expect(text).toBe(`${JSON.stringify(JSON.parse(text), null, 2)}\n`);
    expect(Object.keys(JSON.parse(text))).toEqual(["actions", "agents", "entities", "format", "hash", "plans", "policies", "tenants", "version", "workflows"]);
  });

  it("gives the same bytes whatever order the files are read in (property)", () => {
    fc.assert(
      fc.property(fc.shuffledSubarray(files, { minLength: files.length, maxLength: files.length }), (order) => {
        expect(emitOk(order).text).toBe(text);
      }),
      { numRuns: 8 },
    );
  });

  it("gives the same bytes when files are renamed (names of files are not in the bundle)", () => {
    const renamed = files.map(([name, source], i): [string, string] => [`${String(files.length - i).padStart(2, "0")}-${name}`, source]);
    expect(emitOk(renamed).text).toBe(text);
  });
});

describe("what the emitter resolves", () => {
  it("expands roles to the sorted agents holding them, and `any agent` to *", () => {
    const { bundle } = emitOk({
      "a.paybill": `${PLAN}
agent zed { roles = [support] }
agent amy { roles = [support, billing] }
agent bob { roles = [billing] }
action ping { input { n: int } }
policy p {
  permit role support, bob to ping
  forbid any agent, amy to ping when input.n > 3
}`,
    });
    const [rule0, rule1] = bundle.policies[0]?.rules ?? [];
    expect(rule0?.agents).toEqual(["amy", "bob", "zed"]);
    expect(rule1?.agents).toEqual(["*"]);
    expect(rule1?.id).toBe("p#1");
    expect(rule1?.when).toEqual({ cel: "input.n > 3", types: { input: "action:ping", resource: "none" } });
  });

  it("writes an enum value given as a bare name in `set` as a string literal, but not a comprehension's variable", () => {
    const { bundle } = emitOk({
      "a.paybill": `${PLAN}
entity Ticket {
  id uuid @id
  status enum(open, closed)
  tags list(string, max: 5)
}
action close {
  input { ticket: Ticket.id, tags: list(string, max: 5) }
  effect update Ticket(input.ticket) set {
    status = size(input.tags) > 1 ? closed : open
    tags = input.tags.filter(open, open != "x")
  }
}`,
    });
    expect(bundle.actions.close?.effect?.set).toEqual([
      { field: "status", value: { cel: 'size(input.tags) > 1 ? "closed" : "open"' } },
      { field: "tags", value: { cel: 'input.tags.filter(open, open != "x")' } },
    ]);
  });

  it("resolves names written through a module alias to the declarations' own names", () => {
    const { bundle } = emitOk({
      "shop.paybill": `package shop\n${PLAN}\nentity Order { id uuid @id, note string? @pii }\naction ship { input { order: Order.id } effect read Order(input.order) }\nagent bot { roles = [ops] }`,
      "rules.paybill": `package rules\nimport shop.{bot, ship}\nimport shop as s\npolicy p { permit bot to ship, read s.Order, read s.Order.note when resource.id != "" }`,
    });
    const rule = bundle.policies[0]?.rules[0];
    expect(rule?.agents).toEqual(["bot"]);
    expect(rule?.actions).toEqual([
      { kind: "action", action: "ship" },
      { kind: "data", op: "read", entity: "Order" },
      { kind: "data", op: "read", entity: "Order", field: "note" },
    ]);
    expect(rule?.when?.types).toEqual({ input: "none", resource: "entity:Order" });
    expect(bundle.actions.ship?.input[0]).toEqual({ name: "order", type: { kind: "uuid" }, optional: false, pii: false, references: { entity: "Order", field: "id" } });
  });

  it("declares the condition types of §8.4 for several actions and for any action", () => {
    const { bundle } = emitOk({
      "a.paybill": `${PLAN}
agent bot { roles = [x] }
action b { input { n: int } }
action a { input { n: int } }
policy p {
  permit bot to b, a when input.n > 1
  forbid bot to any action when "n" in input
}`,
    });
    expect(bundle.policies[0]?.rules.map((r) => r.when?.types)).toEqual([
      { input: "common:a,b", resource: "none" },
      { input: "dyn", resource: "none" },
    ]);
  });

  it("includes standard-library policies only when a project file imports them", () => {
    const base = `${PLAN}\nagent bot { roles = [x] }`;
    const none = emitOk({ "a.paybill": base }).bundle;
    const one = emitOk({ "a.paybill": `import std.policies.{tenant_boundary}\n${base}` }).bundle;
    const all = emitOk({ "a.paybill": `import std.policies\n${base}` }).bundle;
    expect(none.policies.map((p) => p.name)).toEqual([]);
    expect(one.policies.map((p) => p.name)).toEqual(["tenant_boundary"]);
    expect(all.policies.map((p) => p.name)).toEqual(["active_tenants_only", "tenant_boundary"]);
    expect(one.policies[0]?.rules[0]?.when?.cel).toBe('"tenant_id" in input && input.tenant_id != tenant.id');
  });

  it("refuses two declarations of one kind with one name in two modules (PB2001), with no bundle", () => {
    const result = emit({
      "a.paybill": `package a\n${PLAN}\nagent bot { roles = [x] }`,
      "b.paybill": "package b\nagent bot { roles = [y] }",
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.diagnostics.map((d) => [d.code, d.file.name, d.message])).toEqual([
      ["PB2001", "b.paybill", "two agents are called `bot`, in `a` (a.paybill:6) and `b` (b.paybill:2), and the bundle names each by its own name"],
    ]);
  });

  it("names policies of one name in two packages `<package>.<name>`, and a project policy named like an imported standard one", () => {
    const { bundle } = emitOk({
      "a.paybill": `package a\n${PLAN}\nagent bot { roles = [x] }\naction go {}\npolicy p { permit bot to go }\npolicy only_here { permit bot to go }`,
      "b.paybill": "package b\nimport a.{bot, go}\nimport std.policies.{tenant_boundary}\npolicy p { forbid bot to go when tenant.region == \"x\" }\npolicy tenant_boundary { permit bot to go }",
    });
    expect(bundle.policies.map((p) => [p.name, p.rules.map((r) => r.id)])).toEqual([
      ["a.p", ["a.p#0"]],
      ["b.p", ["b.p#0"]],
      ["b.tenant_boundary", ["b.tenant_boundary#0"]],
      ["only_here", ["only_here#0"]],
      ["std.policies.tenant_boundary", ["std.policies.tenant_boundary#0"]],
    ]);
  });

  it("refuses an `@table` that is not a table name (PB3006)", () => {
    const result = emit({ "a.paybill": `${PLAN}\nentity Ticket @table(42) { id uuid @id }` });
    expect(result.ok ? [] : result.diagnostics.map((d) => d.code)).toEqual(["PB3006"]);
  });

  it("names tables in snake_case unless `@table` says otherwise", () => {
    const { bundle } = emitOk({ "a.paybill": `${PLAN}\nentity OrderLine { id uuid @id }\nentity HTTPLog @table("logs") { key string @id }` });
    expect([bundle.entities.OrderLine?.table, bundle.entities.HTTPLog?.table, bundle.entities.HTTPLog?.key]).toEqual(["order_line", "logs", "key"]);
  });
});

describe("a plan's retention", () => {
  it("is the number of days an offboarded tenant's data is kept (retentionDays), absent when not declared", () => {
    const { bundle, text } = emitOk({
      "a.paybill": `import std.isolation.{pooled}
plan kept { price = 0, isolation = pooled, retention = 30 days }
plan hours { price = 0, isolation = pooled, retention = 36h }
plan free { price = 0, isolation = pooled }`,
    });
    expect(bundle.plans["kept"]?.retentionDays).toBe(30);
    expect(bundle.plans["hours"]?.retentionDays).toBe(1.5);
    expect(bundle.plans["free"]).not.toHaveProperty("retentionDays");
    expect(loadBundle(text).plans["kept"]?.retentionDays).toBe(30);
  });

  it("that is not a duration is refused where it is written", () => {
    const result = emit({ "a.paybill": `import std.isolation.{pooled}\nplan kept { price = 0, isolation = pooled, retention = "forever" }` });
    expect(result.ok).toBe(false);
    const diagnostics = result.ok ? [] : result.diagnostics;
    expect(diagnostics.map((d) => [d.code, d.message])).toEqual([[expect.stringMatching(/^PB/), expect.stringContaining("retention")]]);
  });
});
