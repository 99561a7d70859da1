/**
 * The error path: a condition that reads an optional input the client omitted (or
 * `resource` without a row) errs with cel-js's own message, but the closures know that
 * error without cel-js building it (cel/closures.ts, `Absent`). The law: decisions with
 * this short-circuit equal decisions without it (every condition on cel-js alone), over
 * generated conditions and requests with optional fields present and absent.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Bundle } from "../src/bundle/format.js";
import { Absent, BAIL } from "../src/cel/closures.js";
import { celEnvironment } from "../src/cel/environment.js";
import { compileCel } from "../src/cel/program.js";
import { Decider } from "../src/decide/decider.js";
import type { DecisionRequest } from "../src/decide/request.js";
import { action, agent, bundle, field, forbid, permit, plan, policy, t } from "./support/bundle-builder.js";

const env = celEnvironment({ input: "dyn", resource: "dyn", principal: "dyn", action: "dyn", tenant: "dyn", context: "dyn" });

/** What the closures alone throw or give. */
function fastOutcome(source: string, scope: Record<string, unknown>): unknown {
  const compiled = compileCel(env, source);
  if (!compiled.ok) throw new Error(compiled.message);
  try {
    return compiled.program.runFast(scope);
  } catch (e) {
    return e;
  }
}

describe("absent fields on the closures", () => {
  it("give cel-js's error message without cel-js", () => {
    const cases: readonly [string, Record<string, unknown>, string][] = [
      ['input.note == "x"', { input: {} }, "no such key: note"],
      ['input["note"] == "x"', { input: {} }, "no such key: note"],
      ["input.a.b > 1", { input: { a: {} } }, "no such key: b"],
      ['resource.status == "open"', { input: {}, resource: undefined }, "unknown variable: resource"],
      // Both sides absent: cel-js reports the right one.
      ['input.x == 1 && input.y == "z"', { input: {} }, "no such key: y"],
      ["input.x == 1 && true", { input: {} }, "no such key: x"],
      ["input.x == 1 || false", { input: {} }, "no such key: x"],
      ["size(input.tags) > 1", { input: {} }, "no such key: tags"],
      // cel-js evaluates a list literal and a method's arguments last to first.
      ["size([input.x, input.y]) == 2", { input: {} }, "no such key: y"],
      ["input.x.contains(input.y)", { input: {} }, "no such key: y"],
      // An int division or modulo by zero: cel-js's error too, as a value.
      ["10 / (input.n - input.n) > 1", { input: { n: 3n } }, "division by zero"],
      ["input.n % 0 == 1", { input: { n: 3n } }, "modulo by zero"],
      ["input.x / 0 == 1", { input: {} }, "no such key: x"],
      ["1 / 0 == 1 && input.x == 2", { input: {} }, "no such key: x"],
    ];
    for (const [source, scope, message] of cases) {
      const outcome = fastOutcome(source, scope);
      expect({ source, absent: outcome instanceof Absent }).toEqual({ source, absent: true });
      expect((outcome as Absent).message).toBe(message);
      const compiled = compileCel(env, source);
      if (!compiled.ok) throw new Error(compiled.message);
      expect(() => compiled.program.runCelJs(scope)).toThrow();
    }
  });

  it("follow cel-js where it absorbs the error, and leave comprehensions and `has` to it", () => {
    expect(fastOutcome("input.x == 1 && false", { input: {} })).toBe(false);
    expect(fastOutcome("input.x == 1 || true", { input: {} })).toBe(true);
    expect(fastOutcome('["a"].exists(t, input.x == t)', { input: {} })).toBe(BAIL);
    expect(fastOutcome("has(input.a.b)", { input: {} })).toBe(BAIL);
  });
});

// ---- the law ----

/** Atoms over the optional fields `a` (int), `b` and `c` (strings) and `tags` (list), the required `n`, and `resource`. */
const ATOMS = [
  "true",
  "false",
  "input.n > 3",
  "input.a > 2",
  'input.b == "x"',
  "has(input.a)",
  "has(input.b)",
  'input.tags.exists(t, t == "x")',
  'input.tags.all(t, t != input.b)',
  "size(input.b) > 1",
  'input.b.startsWith("x")',
  '"x" in input.tags',
  'resource.status == "open"',
  "input.a",
  "input.a + 1 > input.n",
  "input.b.contains(input.c)",
  'input.c.endsWith("y")',
  "size([input.b, input.c]) == 2",
  '[input.c, input.b].exists(s, s == "x")',
  'input.b + input.c == "xy"',
  '(input.a > 1 ? input.b : "x") == "x"',
  'input.tags[0] == "x"',
  'string(input.a) == "1"',
  "input.a in [1, 2]",
  "input.b in input.tags",
  "-input.a < 0",
  "input.tags.map(t, t + input.c).exists(u, u == \"xx\")",
] as const;

const condition: fc.Arbitrary<string> = fc.letrec<{ cond: string }>((tie) => ({
  cond: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.constantFrom(...ATOMS),
    fc.tuple(tie("cond"), tie("cond")).map(([l, r]) => `(${l} && ${r})`),
    fc.tuple(tie("cond"), tie("cond")).map(([l, r]) => `(${l} || ${r})`),
    tie("cond").map((c) => `!(${c})`),
    fc.tuple(tie("cond"), tie("cond"), tie("cond")).map(([c, a, b]) => `(${c} ? ${a} : ${b})`),
    fc.tuple(tie("cond"), tie("cond")).map(([l, r]) => `[${l}, ${r}].exists(v, v)`),
  ),
})).cond;

const rulesArb = fc.array(fc.record({ effect: fc.constantFrom("permit" as const, "forbid" as const), when: condition }), { minLength: 1, maxLength: 4 });

const requestArb = fc.record({
  n: fc.integer({ min: 0, max: 6 }),
  a: fc.option(fc.integer({ min: 0, max: 5 }), { nil: undefined }),
  b: fc.option(fc.constantFrom("x", "xy", "y", ""), { nil: undefined }),
  c: fc.option(fc.constantFrom("x", "y", ""), { nil: undefined }),
  tags: fc.option(fc.array(fc.constantFrom("x", "y"), { maxLength: 3 }), { nil: undefined }),
});

function bundleOf(rules: readonly { effect: "permit" | "forbid"; when: string }[], wrap: (cel: string) => string): Bundle {
  const fields = [
    field("n", t.int),
    field("a", t.int, { optional: true }),
    field("b", t.string(10), { optional: true }),
    field("c", t.string(10), { optional: true }),
    field("tags", t.list(t.string(10), 10), { optional: true }),
  ];
  return bundle({
    agents: [agent("bot")],
    actions: [action("go", fields)],
    policies: rules.map((r, i) => policy(`p${i}`, (r.effect === "permit" ? permit : forbid)("*", ["go"], wrap(r.when)))),
    plans: [plan("basic", [])],
  });
}

function requestOf(r: { n: number; a?: number; b?: string; c?: string; tags?: string[] }): DecisionRequest {
  const input: Record<string, unknown> = { n: r.n };
  if (r.a !== undefined) input.a = r.a;
  if (r.b !== undefined) input.b = r.b;
  if (r.c !== undefined) input.c = r.c;
  if (r.tags !== undefined) input.tags = r.tags;
  return { tenant: { id: "t1", plan: "basic", state: "active" }, agent: "bot", action: "go", input };
}

describe("the short-circuit law", () => {
  it("decisions with the closures' absent-field short-circuit equal decisions on cel-js alone", () => {
    fc.assert(
      fc.property(rulesArb, fc.array(requestArb, { minLength: 1, maxLength: 6 }), (rules, requests) => {
        const fast = new Decider(bundleOf(rules, (cel) => cel));
        // `dyn(…)` is the identity, but the closures do not take it: every condition runs on cel-js.
        const reference = new Decider(bundleOf(rules, (cel) => `dyn(${cel})`));
        expect(fast.problems).toEqual([]);
        for (const r of requests) {
          const request = requestOf(r);
          expect(fast.decide(request)).toEqual(reference.decide(request));
        }
      }),
      { numRuns: 300 },
    );
  });
});
