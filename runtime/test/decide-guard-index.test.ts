/**
 * The guard index (decide/guard-index.ts) is an accelerator, never a second semantics: for
 * random rule sets whose conditions carry `tenant.id == "…"`, `tenant.plan == "…"` and
 * `input.kind == "…"` conjuncts (beside erring, metered, non-bool and `||` conditions), the
 * indexed decider gives the decision — reasons included — of a plain scan of every rule.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Bundle } from "../src/bundle/format.js";
import { celEnvironment } from "../src/cel/environment.js";
import { compileCel } from "../src/cel/program.js";
import { Decider } from "../src/decide/decider.js";
import type { DecisionRequest } from "../src/decide/request.js";
import { action, agent, bundle, field, forbid, permit, plan, policy, sel, t } from "./support/bundle-builder.js";

const TENANTS = ["t0", "t1", "t2"] as const;
const PLANS = ["basic", "pro"] as const;
const KINDS = ["k0", "k1", "k2"] as const;

const guardArb = fc.oneof(
  fc.constantFrom(...TENANTS).map((v) => `tenant.id == "${v}"`),
  fc.constantFrom(...PLANS).map((v) => `tenant.plan == "${v}"`),
  fc.constantFrom(...KINDS).map((v) => `input.kind == "${v}"`),
  fc.constantFrom(...KINDS).map((v) => `"${v}" == input.kind`),
);

/** The rest of a condition: true, false, data-dependent, erring (absent key, division by zero, not a bool), metered. */
const restArb = fc.constantFrom(
  "true",
  "false",
  "input.n > 3",
  "input.n % 2 == 0",
  "input.s == \"x\"",
  "10 / (input.n - input.n) > 1",
  "input.n",
  "[1, 2, 3].exists(x, x == input.n)",
);

const conditionArb: fc.Arbitrary<string | undefined> = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(fc.array(guardArb, { minLength: 1, maxLength: 2 }), restArb, fc.boolean()).map(([guards, rest, first]) => (first ? [rest, ...guards] : [...guards, rest]).join(" && ")) },
  { weight: 1, arbitrary: fc.tuple(guardArb, restArb).map(([g, rest]) => `${g} || ${rest}`) },
  { weight: 1, arbitrary: fc.tuple(guardArb, restArb).map(([g, rest]) => `(${g} && ${rest}) || false`) },
  { weight: 1, arbitrary: restArb },
  { weight: 1, arbitrary: fc.constant(undefined) },
);

const ruleArb = fc.record({
  effect: fc.constantFrom("permit" as const, "forbid" as const),
  agents: fc.constantFrom<readonly string[] | "*">("*", ["a1"], ["a2"]),
  action: fc.constantFrom("act1", "act2", "*"),
  condition: conditionArb,
});

const requestArb = fc.record({
  tenant: fc.constantFrom(...TENANTS, "t9"),
  plan: fc.constantFrom(...PLANS),
  agent: fc.constantFrom("a1", "a2"),
  action: fc.constantFrom("act1", "act2"),
  n: fc.integer({ min: -2, max: 6 }),
  kind: fc.option(fc.constantFrom(...KINDS, "k9"), { nil: undefined }),
  s: fc.option(fc.constantFrom("x", "y"), { nil: undefined }),
});

type Rule = typeof ruleArb extends fc.Arbitrary<infer R> ? R : never;

function bundleOf(rules: readonly Rule[]): Bundle {
  const input = [field("n", t.int), field("kind", t.string(10), { optional: true }), field("s", t.string(10), { optional: true })];
  return bundle({
    agents: [agent("a1", ["ops"]), agent("a2")],
    actions: [action("act1", input), action("act2", input)],
    plans: PLANS.map((p) => plan(p, [])),
    policies: rules.map((r, i) => {
      const selectors = [r.action === "*" ? sel.any : sel.action(r.action)];
      return policy(`p${String(i).padStart(3, "0")}`, r.effect === "permit" ? permit(r.agents, selectors, r.condition) : forbid(r.agents, selectors, r.condition));
    }),
  });
}

function requestOf(r: typeof requestArb extends fc.Arbitrary<infer R> ? R : never): DecisionRequest {
  const input: Record<string, unknown> = { n: r.n };
  if (r.kind !== undefined) input.kind = r.kind;
  if (r.s !== undefined) input.s = r.s;
  return { tenant: { id: r.tenant, plan: r.plan, state: "active" }, agent: r.agent, action: r.action, input };
}

describe("the guard index", () => {
  it("decides every request as a plain scan of every applicable rule, reasons included", () => {
    fc.assert(
      fc.property(fc.array(ruleArb, { minLength: 16, maxLength: 60 }), fc.array(requestArb, { minLength: 1, maxLength: 12 }), (rules, requests) => {
        const b = bundleOf(rules);
        const indexed = new Decider(b);
        const scan = new Decider(b, { index: "scan" });
        expect(indexed.problems).toEqual([]);
        for (const r of requests) {
          const q = requestOf(r);
          expect(indexed.decide(q)).toEqual(scan.decide(q));
          // A traced decision checks every rule: its trace is the scan's.
          expect(indexed.decideTraced(q)).toEqual(scan.decideTraced(q));
        }
      }),
      { numRuns: 300 },
    );
  });

  it("finds the guards of a condition: its top-level conjuncts comparing a field with a string literal", () => {
    const env = celEnvironment({ tenant: "dyn", input: "dyn", principal: "dyn" });
    const guards = (cel: string) => {
      const compiled = compileCel(env, cel);
      if (!compiled.ok) throw new Error(compiled.message);
      return compiled.program.guards.map((g) => `${g.variable}.${g.field}=${g.value}`);
    };
    expect(guards('tenant.id == "acme" && (input.n > 1 && "refund" == input.kind)')).toEqual(["tenant.id=acme", "input.kind=refund"]);
    expect(guards('tenant.plan == "pro"')).toEqual(["tenant.plan=pro"]);
    // Not conjuncts of the whole condition, or not a string literal: no guard.
    expect(guards('tenant.id == "acme" || input.n > 1')).toEqual([]);
    expect(guards('!(tenant.id == "acme") && input.n > 1')).toEqual([]);
    expect(guards("input.n == 1 && tenant.id == input.kind")).toEqual([]);
    expect(guards('[1].exists(x, tenant.id == "acme")')).toEqual([]);
  });
});
