/**
 * The Decider's checks one by one: unknown names, input validation with paths, errors that
 * fail closed, the rule index, redaction of reads, and prepared effects.
 */
import { describe, expect, it } from "vitest";
import { Decider, EffectError } from "../src/decide/decider.js";
import type { DecisionRequest } from "../src/decide/request.js";
import { indexRules } from "../src/decide/rule-index.js";
import { compileRule } from "../src/decide/rules.js";
import { celEnvironment } from "../src/cel/environment.js";
import { action, agent, bundle, effect, entity, field, forbid, permit, plan, policy, sel, t } from "./support/bundle-builder.js";

const ID = "00000000-0000-4000-8000-000000000001";
const person = entity("Person", [
  field("id", t.uuid, { id: true }),
  field("name", t.string(100)),
  field("email", t.string(), { pii: true }),
  field("phone", t.string(), { pii: true, optional: true }),
  field("salary", t.int),
  field("born", t.timestamp, { optional: true }),
]);
const shop = bundle({
  entities: [person],
  agents: [agent("bot", ["reader"]), agent("hr", ["hr"])],
  actions: [
    action("read_person", [field("person", t.uuid)], { effect: effect("read", "Person", "input.person") }),
    action(
      "hire",
      [field("name", t.string(5)), field("tags", t.list(t.enum("a", "b"), 2)), field("salary", t.int), field("note", t.string(), { optional: true }), field("start", t.timestamp, { optional: true })],
      { effect: effect("insert", "Person", undefined, { name: "input.name", salary: "input.salary * 2", born: "context.time" }), requires: ["hiring"] },
    ),
  ],
  policies: [
    policy("readers_read", permit(["bot", "hr"], [sel.data("read", "Person")])),
    policy("hr_sees_email", permit(["hr"], [sel.data("read", "Person", "email")])),
    policy("hr_reads_everything", permit(["hr"], [sel.data("read", "Person")])),
    policy("nobody_sees_salary", forbid("*", [sel.data("read", "Person", "salary")], 'tenant.plan != "gold"')),
    policy("phone_check_errs", forbid(["hr"], [sel.data("read", "Person", "phone")], "input.nothing == 1")),
    policy("hr_hires", permit(["hr"], ["hire"], "input.salary < 100")),
    policy("hire_bad_permit", permit(["hr"], ["hire"], "input.absent > 1")),
    policy("hire_not_bool", forbid(["hr"], ["hire"], 'has(input.note) ? input.note : false')),
  ],
  plans: [plan("basic", []), plan("pro", ["hiring"]), plan("gold", ["hiring"])],
});
const decider = new Decider(shop);
const tenant = { id: "t1", plan: "pro", state: "active" };
const hire = (input: Record<string, unknown>, extra: Partial<DecisionRequest> = {}): DecisionRequest => ({ tenant, agent: "hr", action: "hire", input, ...extra });
const good = { name: "Ann", tags: ["a"], salary: 50 };

describe("unknown names and features", () => {
  it("an unknown agent, action or plan is denied as unknown", () => {
    expect(decider.decide({ ...hire(good), agent: "ghost" }).reasons).toEqual([{ kind: "unknown", message: "unknown agent `ghost`" }]);
    expect(decider.decide({ ...hire(good), action: "fire" }).reasons).toEqual([{ kind: "unknown", message: "unknown action `fire`" }]);
    expect(decider.decide({ ...hire(good), action: "toString" }).reasons[0]?.kind).toBe("unknown");
    expect(decider.decide(hire(good, { tenant: { ...tenant, plan: "platinum" } })).reasons[0]?.kind).toBe("unknown");
  });

  it("a feature the plan lacks is denied before policies", () => {
    expect(decider.decide(hire(good, { tenant: { ...tenant, plan: "basic" } })).reasons).toEqual([
      { kind: "feature", feature: "hiring", message: "plan `basic` does not include feature `hiring`" },
    ]);
  });
});

describe("input validation", () => {
  const reason = (input: unknown) => decider.decide(hire(input as Record<string, unknown>)).reasons[0];

  it("reports the path of what is wrong", () => {
    expect(reason({ ...good, extra: 1 })).toEqual({ kind: "input", path: "input.extra", message: "unknown field `extra`; the input has the fields name, tags, salary, note, start" });
    expect(reason({ tags: [], salary: 1 })).toEqual({ kind: "input", path: "input.name", message: "missing required field `name`" });
    expect(reason({ ...good, name: null })).toMatchObject({ kind: "input", path: "input.name" });
    expect(reason({ ...good, name: "Annabel" })).toEqual({ kind: "input", path: "input.name", message: "`name`: string longer than 5 characters" });
    expect(reason({ ...good, tags: ["a", "c"] })).toEqual({ kind: "input", path: "input.tags[1]", message: "`tags`: `c` is not one of a, b" });
    expect(reason({ ...good, tags: ["a", "b", "a"] })).toMatchObject({ kind: "input", path: "input.tags" });
    expect(reason({ ...good, salary: "50" })).toMatchObject({ kind: "input", path: "input.salary" });
    expect(reason({ ...good, start: "soon" })).toMatchObject({ kind: "input", path: "input.start" });
    expect(reason([good])).toEqual({ kind: "input", path: "input", message: "the input must be an object" });
    expect(reason(JSON.parse('{"__proto__": {"x": 1}, "name": "a", "tags": [], "salary": 1}'))).toMatchObject({ kind: "input", path: "input.__proto__" });
  });

  it("optional fields may be absent or null (then has() is false)", () => {
    expect(decider.decide(hire({ ...good, note: null, start: null })).decision).toBe("allow");
  });

  it("a time or approval that is not a timestamp is an input error", () => {
    expect(decider.decide(hire(good, { time: "noon" })).reasons[0]).toMatchObject({ kind: "input", path: "time" });
    const approvals = [{ group: "g", by: "x", at: "2025-01-01T00:00:00Z" }, { group: "g", by: "y", at: "later" }];
    expect(decider.decide(hire(good, { approvals })).reasons[0]).toMatchObject({ kind: "input", path: "approvals[1].at" });
  });
});

describe("errors fail closed and are reported", () => {
  it("an erring permit does not apply; it is reported after the permits that decided", () => {
    const d = decider.decide(hire(good));
    expect(d.decision).toBe("allow");
    expect(d.reasons).toEqual([
      { kind: "permit", policy: "hr_hires", rule: "hr_hires#0" },
      { kind: "error", policy: "hire_bad_permit", rule: "hire_bad_permit#0", effect: "permit", message: expect.stringContaining("absent") },
    ]);
  });

  it("a forbid whose condition is not a bool denies, as an error", () => {
    const d = decider.decide(hire({ ...good, note: "hello" }));
    expect(d.decision).toBe("deny");
    expect(d.reasons[0]).toMatchObject({ kind: "error", rule: "hire_not_bool#0", effect: "forbid", message: "condition gave a string, not a bool" });
  });

  it("when nothing permits, no-permit comes first and the erring permits after", () => {
    const d = decider.decide(hire({ ...good, salary: 500 }));
    expect(d.reasons.map((r) => r.kind)).toEqual(["no-permit", "error"]);
  });

  it("a condition cel-js refuses at load is a load problem and errs at every evaluation", () => {
    const broken = bundle({
      entities: [person],
      agents: Object.values(shop.agents),
      actions: Object.values(shop.actions),
      plans: Object.values(shop.plans),
      policies: [policy("broken", permit(["hr"], ["hire"], "input.salary <"))],
    });
    const d = new Decider(broken);
    expect(d.problems).toEqual([{ where: "policy broken rule broken#0", message: expect.any(String) }]);
    expect(d.decide(hire(good)).reasons.map((r) => r.kind)).toEqual(["no-permit", "error"]);
  });
});

describe("the rule index", () => {
  it("keeps for a pair only the rules that can apply, whatever else the bundle holds", () => {
    const many = Array.from({ length: 1000 }, (_, i) => policy(`other_${String(i).padStart(4, "0")}`, permit(["bot"], [`act_${i}`], "true")));
    const env = celEnvironment({ input: "dyn", tenant: "dyn" });
    const rules = [...shop.policies, ...many].flatMap((p) => p.rules.map((r) => compileRule(env, p.name, r)));
    const index = indexRules(shop, rules);
    const hr = index.get("hire")?.get("hr");
    expect(hr?.permits.map((r) => r.id)).toEqual(["hire_bad_permit#0", "hr_hires#0"]);
    expect(hr?.forbids.map((r) => r.id)).toEqual(["hire_not_bool#0"]);
    expect(index.get("hire")?.get("bot")?.permits).toEqual([]);
    const read = index.get("read_person")?.get("hr");
    expect(read?.permits.map((r) => r.id)).toEqual(["hr_reads_everything#0", "readers_read#0"]); // field selectors are not here
    expect(read?.fields?.map((f) => [f.field, f.permits.map((r) => r.id), f.forbids.map((r) => r.id)])).toEqual([
      ["email", ["hr_sees_email#0"], []],
      ["phone", [], ["phone_check_errs#0"]],
      ["salary", [], ["nobody_sees_salary#0"]],
    ]);
  });
});

describe("redaction of reads", () => {
  const read = (agentName: string, plan = "pro") => decider.decide({ tenant: { ...tenant, plan }, agent: agentName, action: "read_person", input: { person: ID } });

  it("a @pii field needs a permit naming exactly that field; a forbidden field is hidden", () => {
    expect(read("bot").redact).toEqual(["email", "phone", "salary"]);
    expect(read("hr").redact).toEqual(["phone", "salary"]); // email permitted; phone's forbid errs: hidden
    expect(read("hr", "gold").redact).toEqual(["phone"]);
  });

  it("an erring field rule is reported with the allow", () => {
    expect(read("hr").reasons).toContainEqual(expect.objectContaining({ kind: "error", rule: "phone_check_errs#0", effect: "forbid" }));
  });
});

describe("effects", () => {
  it("the resource key of a read, and none for an insert or an invalid input", () => {
    expect(decider.resourceKey({ tenant, agent: "bot", action: "read_person", input: { person: ID } })).toEqual({ entity: "Person", key: ID });
    expect(decider.resourceKey({ tenant, agent: "bot", action: "read_person", input: { person: "nope" } })).toBeUndefined();
    expect(decider.resourceKey(hire(good))).toBeUndefined();
  });

  it("an insert's values evaluated and converted for SQL", () => {
    const time = new Date("2025-03-01T10:00:00Z");
    expect(decider.effect(hire(good, { time }))).toEqual({
      op: "insert",
      entity: "Person",
      table: "person",
      keyColumn: "id",
      values: { name: "Ann", salary: 100, born: time },
    });
  });

  it("an invalid input is an EffectError with a path", () => {
    expect(() => decider.effect(hire({ ...good, salary: "x" }))).toThrow(EffectError);
    try {
      decider.effect(hire({ ...good, salary: "x" }));
    } catch (e) {
      expect(e).toMatchObject({ code: "invalid_input", path: "input.salary" });
    }
  });
});
