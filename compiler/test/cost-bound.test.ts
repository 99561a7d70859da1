/**
 * The check's cost bound and the runtime's budget agree (spec/language.md §8.7,
 * spec/runtime.md §Budget): on a request at a condition's declared caps (lists full,
 * strings at their `max`), the runtime's bound is within the check's limit whenever the
 * check passes it — so such a condition never reaches the runtime's budget — over generated
 * expensive conditions and caps; and a condition the check refuses is refused for its cost
 * only.
 */
import fc from "fast-check";
import { MAX_CONDITION_COST } from "@paybill/lang";
import { Decider } from "@paybill/runtime";
import { describe, expect, it } from "vitest";
import { patternWeight as checkedWeight } from "../../lang/src/3-check/cel/cost.js";
import { compileCost, patternWeight as runtimeWeight } from "../../runtime/src/cel/cost.js";
import { celEnvironment } from "../../runtime/src/cel/environment.js";
import { emit } from "./support/bundle.js";

const env = celEnvironment({ input: "dyn", principal: "dyn", action: "dyn", tenant: "dyn", context: "dyn", resource: "dyn" });

const HEADER = `import std.isolation.{pooled}
cloud aws primary { region = "eu-west-1" }
plan free { price = 0, isolation = pooled on primary }
agent bot { roles = [support] }
`;

interface Caps {
  readonly n1: number;
  readonly s1: number;
  readonly n2: number;
  readonly s2: number;
  readonly t: number;
}

/** Boolean conditions over `input.a`, `input.b` (lists of strings) and `input.t` (a string), with comprehension variables in scope. */
function conditionArb(depth: number, vars: readonly string[]): fc.Arbitrary<string> {
  const strings = ["input.t", ...vars];
  const s = fc.constantFrom(...strings);
  const leaves = fc.oneof(
    s.map((x) => `${x} == "q"`),
    s.map((x) => `${x}.matches("^(a|b)+c{3}$")`),
    s.map((x) => `${x}.contains("z")`),
    fc.tuple(s, s).map(([x, y]) => `${x} + ${y} == "q"`),
    s.map((x) => `${x} in input.b`),
    s.map((x) => `size(${x}) > 3`),
    s.map((x) => `${x}.lowerAscii().startsWith("b")`),
  );
  if (depth === 0) return leaves;
  const v = `v${vars.length}`;
  const inner = conditionArb(depth - 1, [...vars, v]);
  const same = conditionArb(depth - 1, vars);
  return fc.oneof(
    { weight: 2, arbitrary: leaves },
    fc.tuple(fc.constantFrom("input.a", "input.b"), fc.constantFrom("exists", "all", "exists_one"), inner).map(([l, m, body]) => `${l}.${m}(${v}, ${body})`),
    fc.tuple(fc.constantFrom("input.a", "input.b"), inner).map(([l, body]) => `${l}.filter(${v}, ${body}).size() > 0`),
    fc.tuple(same, same).map(([x, y]) => `(${x} && ${y})`),
    fc.tuple(same, same).map(([x, y]) => `(${x} || ${y})`),
  );
}

const capsArb: fc.Arbitrary<Caps> = fc.record({
  n1: fc.integer({ min: 1, max: 400 }),
  s1: fc.integer({ min: 1, max: 300 }),
  n2: fc.integer({ min: 1, max: 400 }),
  s2: fc.integer({ min: 1, max: 300 }),
  t: fc.integer({ min: 1, max: 20_000 }),
});

function project(caps: Caps, when: string): string {
  return `${HEADER}
action go { input { a: list(string(max: ${caps.s1}), max: ${caps.n1}), b: list(string(max: ${caps.s2}), max: ${caps.n2}), t: string(max: ${caps.t}) } }
policy worst { permit bot to go when ${when} }
`;
}

/** A request at the caps: every list full, every string at its `max`, nothing that matches early. */
function atCaps(caps: Caps) {
  const input = {
    a: Array.from({ length: caps.n1 }, () => "a".repeat(caps.s1)),
    b: Array.from({ length: caps.n2 }, () => "a".repeat(caps.s2)),
    t: "a".repeat(caps.t),
  };
  return { tenant: { id: "t1", plan: "free", state: "active" as const }, agent: "bot", action: "go", input };
}

describe("the check's bound and the runtime's budget", () => {
  it("a condition that passes check is never over the budget at its caps", () => {
    let passed = 0;
    let refused = 0;
    fc.assert(
      fc.property(capsArb, conditionArb(2, []), (caps, when) => {
        const result = emit({ "main.paybill": project(caps, when) });
        if (!result.ok) {
          // Only the cost bound may refuse these conditions.
          expect(result.diagnostics.map((d) => d.code)).toEqual(["PB4033"]);
          refused++;
          return;
        }
        passed++;
        const request = atCaps(caps);
        const cel = result.bundle.policies[0]?.rules[0]?.when?.cel ?? "true";
        const steps = compileCost(env.parse(cel).ast)?.({ input: request.input }) ?? 0;
        expect({ cel, steps: steps <= MAX_CONDITION_COST }).toEqual({ cel, steps: true });
        const decision = new Decider(result.bundle).decide(request);
        expect(decision.reasons.filter((r) => r.kind === "cost" || r.kind === "input")).toEqual([]);
      }),
      { numRuns: 120 },
    );
    // Both sides of the limit were exercised.
    expect(passed).toBeGreaterThan(10);
    expect(refused).toBeGreaterThan(10);
  });

  it("weigh a pattern alike (the runtime keeps its own copy of the weight)", () => {
    const piece = fc.constantFrom("a", ".", "\\d", "[a-z]", "[^]x]", "(", ")", "|", "*", "+", "?", "{3}", "{2,5}", "{4,}", "^", "$", "{", "}", "\\");
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 20 }), (pieces) => {
        const pattern = pieces.join("");
        expect(runtimeWeight(pattern)).toBe(checkedWeight(pattern));
      }),
      { numRuns: 500 },
    );
  });
});
