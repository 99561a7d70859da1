/**
 * Laws of decisions, over generated policy sets, checked against a hand-written model
 * (`model` below: default deny, forbid over permit, errors fail closed) on real cel-js.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Bundle, PolicySpec } from "../src/bundle/format.js";
import { Decider } from "../src/decide/decider.js";
import type { DecisionRequest } from "../src/decide/request.js";
import { action, agent, bundle, field, forbid, permit, plan, policy, type RuleDraft, sel, t } from "./support/bundle-builder.js";

/** Conditions with what they give for an input `n` (`"error"`: evaluation fails). */
const CONDITIONS: readonly { readonly cel: string | undefined; readonly value: (n: number) => boolean | "error" }[] = [
  { cel: undefined, value: () => true },
  { cel: "true", value: () => true },
  { cel: "false", value: () => false },
  { cel: "input.n > 3", value: (n) => n > 3 },
  { cel: "input.n % 2 == 0", value: (n) => n % 2 === 0 },
  { cel: '"ops" in principal.roles', value: () => false }, // overwritten per agent below
  { cel: "input.missing > 1", value: () => "error" }, // no such key
  { cel: "10 / (input.n - input.n) > 1", value: () => "error" }, // division by zero
  { cel: "input.n", value: () => "error" }, // not a bool
];
const AGENTS = ["a1", "a2"] as const;
const ROLES: Record<string, string[]> = { a1: ["ops"], a2: [] };
const ACTIONS = ["act1", "act2"] as const;

interface RuleShape {
  readonly effect: "permit" | "forbid";
  readonly agents: readonly string[] | "*";
  readonly actions: readonly string[]; // action names or "*" for any
  readonly condition: number;
}

const ruleShape: fc.Arbitrary<RuleShape> = fc.record({
  effect: fc.constantFrom("permit" as const, "forbid" as const),
  agents: fc.oneof(fc.constant("*" as const), fc.subarray([...AGENTS], { minLength: 1 })),
  actions: fc.subarray([...ACTIONS, "*"], { minLength: 1 }),
  condition: fc.nat(CONDITIONS.length - 1),
});

const policiesArb = fc.array(fc.array(ruleShape, { minLength: 1, maxLength: 3 }), { maxLength: 8 });

function toPolicies(shapes: readonly (readonly RuleShape[])[]): PolicySpec[] {
  return shapes.map((rules, i) =>
    policy(
      `p${String(i).padStart(2, "0")}`,
      ...rules.map((r): RuleDraft => {
        const selectors = r.actions.map((a) => (a === "*" ? sel.any : sel.action(a)));
        const cond = CONDITIONS[r.condition]?.cel;
        return r.effect === "permit" ? permit(r.agents, selectors, cond) : forbid(r.agents, selectors, cond);
      }),
    ),
  );
}

function bundleOf(policies: readonly PolicySpec[]): Bundle {
  return bundle({
    agents: AGENTS.map((a) => agent(a, ROLES[a])),
    actions: ACTIONS.map((a) => action(a, [field("n", t.int), field("s", t.string(10), { optional: true })])),
    policies: [...policies],
    plans: [plan("basic", [])],
  });
}

const requestArb = fc.record({
  agent: fc.constantFrom(...AGENTS),
  action: fc.constantFrom(...ACTIONS),
  n: fc.integer({ min: -5, max: 10 }),
});

function requestOf(r: { agent: string; action: string; n: number }): DecisionRequest {
  return { tenant: { id: "t1", plan: "basic", state: "active" }, agent: r.agent, action: r.action, input: { n: r.n } };
}

/** The model: which rules apply, what each gives, and the decision that follows. */
function model(shapes: readonly (readonly RuleShape[])[], r: { agent: string; action: string; n: number }) {
  const forbids: string[] = [];
  const permits: string[] = [];
  const errors: string[] = [];
  shapes.forEach((rules, i) => {
    rules.forEach((rule, j) => {
      const id = `p${String(i).padStart(2, "0")}#${j}`;
      if (rule.agents !== "*" && !rule.agents.includes(r.agent)) return;
      if (!rule.actions.includes(r.action) && !rule.actions.includes("*")) return;
      const c = CONDITIONS[rule.condition];
      const v = c?.cel === '"ops" in principal.roles' ? (ROLES[r.agent] ?? []).includes("ops") : c?.value(r.n);
      if (v === "error") errors.push(id);
      if (rule.effect === "forbid" && v !== false) forbids.push(id);
      if (rule.effect === "permit" && v === true) permits.push(id);
    });
  });
  const decision = forbids.length > 0 ? "deny" : permits.length > 0 ? "allow" : "deny";
  return { decision, forbids: forbids.sort(), permits: permits.sort(), errors: errors.sort() };
}

describe("decision laws", () => {
  it("decisions and their reasons agree with the model (default deny, forbid over permit, fail closed)", () => {
    fc.assert(
      fc.property(policiesArb, fc.array(requestArb, { minLength: 1, maxLength: 5 }), (shapes, requests) => {
        const decider = new Decider(bundleOf(toPolicies(shapes)));
        expect(decider.problems).toEqual([]);
        for (const r of requests) {
          const d = decider.decide(requestOf(r));
          const m = model(shapes, r);
          expect(d.decision).toBe(m.decision);
          const ids = (kind: string) => d.reasons.flatMap((x) => (x.kind === kind && "rule" in x ? [x.rule] : [])).sort();
          const erring = d.reasons.flatMap((x) => (x.kind === "error" ? [x.rule] : [])).sort();
          expect(erring).toEqual(m.errors);
          if (m.decision === "deny" && m.forbids.length > 0) {
            expect([...ids("forbid"), ...d.reasons.flatMap((x) => (x.kind === "error" && x.effect === "forbid" ? [x.rule] : []))].sort()).toEqual(m.forbids);
          } else if (m.decision === "deny") {
            expect(d.reasons[0]?.kind).toBe("no-permit");
          } else {
            expect(ids("permit")).toEqual(m.permits);
          }
        }
      }),
      { numRuns: 150 },
    );
  });

  it("no matching permit ⇒ deny", () => {
    fc.assert(
      fc.property(policiesArb, requestArb, (shapes, r) => {
        const onlyForbids = shapes.map((rules) => rules.map((rule) => ({ ...rule, effect: "forbid" as const })));
        expect(new Decider(bundleOf(toPolicies(onlyForbids))).decide(requestOf(r)).decision).toBe("deny");
      }),
      { numRuns: 100 },
    );
  });

  it("permutations and duplications of a policy set give the same decision", () => {
    fc.assert(
      fc.property(
        policiesArb.chain((shapes) => {
          const policies = toPolicies(shapes);
          return fc.tuple(fc.constant(policies), fc.shuffledSubarray(policies, { minLength: 0 }), fc.infiniteStream(fc.nat()));
        }),
        fc.array(requestArb, { minLength: 1, maxLength: 5 }),
        ([policies, extra, seeds], requests) => {
          const shuffled = [...policies, ...extra];
          // a deterministic shuffle from the generated seeds
          for (let i = shuffled.length - 1; i > 0; i--) {
            const j = (seeds.next().value as number) % (i + 1);
            [shuffled[i], shuffled[j]] = [shuffled[j] as PolicySpec, shuffled[i] as PolicySpec];
          }
          const a = new Decider(bundleOf(policies));
          const b = new Decider(bundleOf(shuffled));
          for (const r of requests) expect(b.decide(requestOf(r))).toEqual(a.decide(requestOf(r)));
        },
      ),
      { numRuns: 100 },
    );
  });

  it("an unconditional matching forbid beats any permits", () => {
    fc.assert(
      fc.property(policiesArb, requestArb, fc.constantFrom<readonly string[] | "*">("*", [...AGENTS]), (shapes, r, agents) => {
        const policies = [...toPolicies(shapes), policy("zz_stop", forbid(agents, [sel.any]))];
        const d = new Decider(bundleOf(policies)).decide(requestOf(r));
        expect(d.decision).toBe("deny");
        expect(d.reasons).toContainEqual({ kind: "forbid", policy: "zz_stop", rule: "zz_stop#0" });
      }),
      { numRuns: 100 },
    );
  });

  it("arbitrary JSON input never throws: it is denied with an input reason", () => {
    const decider = new Decider(bundleOf([policy("open", permit("*", [sel.any]))]));
    fc.assert(
      fc.property(fc.jsonValue(), fc.constantFrom(...ACTIONS), (input, act) => {
        const d = decider.decide({ tenant: { id: "t1", plan: "basic", state: "active" }, agent: "a1", action: act, input: input as Record<string, unknown> });
        expect(d.decision).toBe("deny");
        expect(d.reasons[0]?.kind).toBe("input");
      }),
      { numRuns: 300 },
    );
  });

  it("any value anywhere in a request never throws and gives a reason", () => {
    const decider = new Decider(bundleOf([policy("open", permit("*", [sel.any], "input.n > 0 && context.time.getFullYear() > 2000"))]));
    const base = requestOf({ agent: "a1", action: "act1", n: 1 });
    fc.assert(
      fc.property(fc.constantFrom("tenant", "agent", "action", "input", "resource", "workflow", "approvals", "time", "budget"), fc.anything(), (key, value) => {
        const d = decider.decide({ ...base, [key]: value } as DecisionRequest);
        expect(d.reasons.length).toBeGreaterThan(0);
      }),
      { numRuns: 300 },
    );
    const n = fc.sample(fc.anything(), 50);
    for (const v of n) expect(decider.decide({ ...base, input: { n: v } }).decision === "allow").toBe(typeof v === "number" && Number.isSafeInteger(v) && v > 0);
  });
});
