/**
 * The evaluation budget (spec/runtime.md §Budget): a condition whose cost bound on the
 * request exceeds the budget is not evaluated and fails closed with reason `cost` — a
 * forbid denies, a permit does not apply — for one condition past its own budget and for
 * conditions past the decision's budget together. The bound counts the units of the
 * checker's cost model with the request's actual sizes.
 */
import { describe, expect, it } from "vitest";
import type { Bundle } from "../src/bundle/format.js";
import { CONDITION_BUDGET, compileCost, DECISION_BUDGET } from "../src/cel/cost.js";
import { celEnvironment } from "../src/cel/environment.js";
import { Decider } from "../src/decide/decider.js";
import type { DecisionRequest } from "../src/decide/request.js";
import { action, agent, bundle, field, forbid, permit, plan, policy, t } from "./support/bundle-builder.js";

const env = celEnvironment({ input: "dyn" });

function bound(source: string, input: Record<string, unknown>): number | undefined {
  const cost = compileCost(env.parse(source).ast);
  return cost?.({ input });
}

// `text` and `tags` have no cap: nothing but the budget bounds what a condition does with them.
const FIELDS = [field("text", t.string(), { optional: true }), field("tags", t.list(t.string()), { optional: true })];

function bundleOf(...rules: ReturnType<typeof permit>[]): Bundle {
  return bundle({
    agents: [agent("bot")],
    actions: [action("post", FIELDS)],
    policies: rules.map((r, i) => policy(`p${i}`, r)),
    plans: [plan("basic", [])],
  });
}

function request(input: Record<string, unknown>): DecisionRequest {
  return { tenant: { id: "t1", plan: "basic", state: "active" }, agent: "bot", action: "post", input };
}

const PATTERN = "^(a|b)+c$"; // weight 9
const LONG = "a".repeat(200_000); // ⌈200,000 × 9 / 4⌉ = 450,000 steps for `matches`
const TAGS = Array.from({ length: 1000 }, (_, i) => `t${i}`); // 1,000 × 1,000 pairs

describe("the cost bound of a request", () => {
  it("counts the units of the static model with the actual sizes", () => {
    // call 1 + `input.text` 2 + pattern 1 + ⌈16 × 9 / 4⌉
    expect(bound(`input.text.matches("${PATTERN}")`, { text: "a".repeat(16) })).toBe(4 + 36);
    // 1 + 2 + 3 × (body (1 + 1 + 1) + 1)
    expect(bound('input.tags.exists(t, t == "x")', { tags: ["a", "b", "c"] })).toBe(3 + 3 * 4);
    // nested: the inner range is each element's own list, the largest counts
    expect(bound("input.rows.all(r, r.exists(c, c > 0))", { rows: [[1n], [1n, 2n, 3n]] })).toBe(3 + 2 * (1 + (1 + 1 + 3 * 4)));
    // `in` inside a comprehension: the list's size per element
    expect(bound("input.tags.all(t, t in input.tags)", { tags: ["a", "b"] })).toBe(3 + 2 * (1 + 1 + 2 + 2 + 1));
  });

  it("meters only conditions with a comprehension or `matches`", () => {
    expect(compileCost(env.parse('input.text == "x" && size(input.tags) > 2').ast)).toBeUndefined();
    expect(compileCost(env.parse('"x" in input.tags').ast)).toBeUndefined();
    expect(compileCost(env.parse('input.text.matches("a")').ast)).toBeDefined();
  });
});

describe("a condition past the budget", () => {
  it("`matches` over a long text: a permit does not apply, reason `cost`", () => {
    const decider = new Decider(bundleOf(permit("*", ["post"], `input.text.matches("${PATTERN}")`)));
    expect(decider.decide(request({ text: "aac" })).decision).toBe("allow");
    const d = decider.decide(request({ text: LONG }));
    expect(d.decision).toBe("deny");
    expect(d.reasons).toEqual([
      { kind: "no-permit", message: "no policy permits this action" },
      {
        kind: "cost",
        policy: "p0",
        rule: "p0#0",
        effect: "permit",
        message: `the condition may take 450,004 steps on this request, more than its budget of ${CONDITION_BUDGET.toLocaleString("en-US")}`,
      },
    ]);
  });

  it("nested comprehensions over a long list: a forbid denies, reason `cost`", () => {
    const decider = new Decider(bundleOf(permit("*", ["post"]), forbid("*", ["post"], "input.tags.exists(a, input.tags.exists(b, a == b + 'x'))")));
    expect(decider.decide(request({ tags: ["a", "b"] })).decision).toBe("allow");
    const d = decider.decide(request({ tags: TAGS }));
    expect(d.decision).toBe("deny");
    expect(d.reasons.map((r) => [r.kind, "effect" in r ? r.effect : undefined])).toEqual([["cost", "forbid"]]);
  });

  it("the decision's budget: conditions each under their own budget, past it together", () => {
    // Each: ⌈80,000 × 9 / 4⌉ + 4 = 180,004 steps; six of them exceed 1,000,000.
    const text = "a".repeat(80_000);
    const each = Math.ceil((80_000 * 9) / 4) + 4;
    expect(each).toBeLessThan(CONDITION_BUDGET);
    const rules = Array.from({ length: 7 }, () => permit("*", ["post"], `input.text.matches("${PATTERN}")`));
    const d = new Decider(bundleOf(...rules)).decide(request({ text }));
    const within = Math.floor(DECISION_BUDGET / each);
    expect(d.decision).toBe("deny"); // `aaa…` has no `c`: no permit matches
    const costs = d.reasons.filter((r) => r.kind === "cost");
    expect(costs).toHaveLength(7 - within);
    expect(costs[0]?.message).toBe(
      `the condition may take ${each.toLocaleString("en-US")} steps on this request, more than the ${(DECISION_BUDGET - within * each).toLocaleString("en-US")} left of the decision's budget`,
    );
  });

  it("fails closed for a forbid that would not have matched", () => {
    const decider = new Decider(bundleOf(permit("*", ["post"]), forbid("*", ["post"], `input.text.matches("${PATTERN}")`)));
    // `aaa…` does not match (no `c`): evaluated, the forbid would not apply.
    expect(decider.decide(request({ text: "aaaa" })).decision).toBe("allow");
    expect(decider.decide(request({ text: LONG })).decision).toBe("deny");
  });
});
