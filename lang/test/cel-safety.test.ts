/**
 * The evaluation bounds of a condition: `matches` patterns (literal, valid RE2), the size
 * limit, and the static cost bound from the lists' `max` caps.
 */
import type { CelExpr } from "@paybill/lang";
import { describe, expect, it } from "vitest";
import {
  type CelEnv,
  checkCondition,
  checkSafety,
  estimateCost,
  MAX_CONDITION_COST,
  MAX_CONDITION_NODES,
  T,
} from "../src/3-check/cel/index.js";
import { columnOf, ENV, located, parseCondition, VARIABLES } from "../src/3-check/cel/test-support/cel-fixture.js";

/** Safety problems of a condition that type-checks, with their text and position. */
function safetyOf(cel: string, env: CelEnv = ENV) {
  const { source, expr } = parseCondition(cel);
  const checked = checkCondition(expr, env);
  expect(checked.problems).toEqual([]);
  return checkSafety(expr, checked.types).map((p) => ({ kind: p.kind, ...located(source, p.span), message: p.message, help: p.help }));
}

function costOf(cel: string, env: CelEnv = ENV): ReturnType<typeof estimateCost> {
  const { expr } = parseCondition(cel);
  return estimateCost(expr, checkCondition(expr, env).types);
}

describe("matches", () => {
  it.each([
    'resource.status.matches("^[a-z]+$")',
    'resource.status.matches(r"\\d+")',
    'resource.status.matches("\\\\d+")',
    'matches(resource.status, "^(open|closed)$")',
    // Catastrophic for a backtracking engine, linear in RE2.
    'resource.status.matches("(a+)+$")',
  ])("accepts %s", (cel) => {
    expect(safetyOf(cel)).toEqual([]);
  });

  const SYNTAX = "patterns use RE2 syntax (as Go's `regexp`); check brackets, parentheses and escapes";
  const NO_PERL = "patterns use RE2 syntax, which has no backreferences or lookaround";
  it.each([
    ['resource.status.matches("(a+")', '"(a+"', "invalid pattern: missing closing ) in `(a+`", SYNTAX],
    ['matches(resource.status, "[z-a]")', '"[z-a]"', "invalid pattern: invalid character class range in `z-a`", SYNTAX],
    ['resource.status.matches("(?<=a)b")', '"(?<=a)b"', "invalid pattern: invalid named capture in `(?<=a)b`", NO_PERL],
    ['resource.status.matches("(a)\\\\1")', '"(a)\\\\1"', "invalid pattern: invalid escape sequence in `\\1`", NO_PERL],
  ])("reports %s at the pattern with RE2's message", (cel, at, message, help) => {
    expect(safetyOf(cel)).toEqual([
      {
        kind: "invalidRegex",
        text: at,
        line: 2,
        column: columnOf(cel, at),
        message,
        help,
      },
    ]);
  });

  it.each([
    ["resource.status.matches(resource.status)", "resource.status", 2],
    ['resource.status.matches("^" + principal.id)', '"^" + principal.id', 1],
    ["matches(resource.status, input.tags[0])", "input.tags[0]", 1],
  ] as const)("requires a literal pattern: %s", (cel, at, nth) => {
    const [problem, ...rest] = safetyOf(cel);
    expect(rest).toEqual([]);
    expect(problem).toMatchObject({
      kind: "matchesNeedsLiteral",
      text: at,
      line: 2,
      column: columnOf(cel, at, nth),
      message: "the pattern of `matches` must be a string literal",
    });
  });
});

describe("size", () => {
  const list = (n: number): string => `[${Array.from({ length: n }, () => "1").join(", ")}].size() > 0`;

  it(`allows ${MAX_CONDITION_NODES} nodes`, () => {
    // n literals + the list + the call + `0` + `>`.
    expect(safetyOf(list(MAX_CONDITION_NODES - 4))).toEqual([]);
  });

  it("reports a larger condition at its whole span", () => {
    const cel = list(MAX_CONDITION_NODES - 3);
    expect(safetyOf(cel)).toEqual([
      {
        kind: "expressionTooLarge",
        text: cel,
        line: 2,
        column: columnOf(cel, cel),
        message: `the condition has ${MAX_CONDITION_NODES + 1} operations and values, more than ${MAX_CONDITION_NODES}`,
        help: "split it into several policies",
      },
    ]);
  });
});

const HELP =
  "lower the `max:` of the lists and strings it goes through (declare one where there is none), or simplify it: fewer nested comprehensions, `matches` and `in` over smaller values";

describe("cost", () => {
  it("counts one step per node without comprehensions", () => {
    expect(costOf('resource.status == "open" && input.amount > 1.0')).toMatchObject({ cost: 9 });
  });

  it("multiplies a comprehension's body by its range's max", () => {
    // 1 (call) + 2 (`input.tags`) + 20 × (3 (`t == "x"`) + 1)
    expect(costOf('input.tags.exists(t, t == "x")')).toMatchObject({ cost: 83 });
  });

  it("multiplies nested comprehensions over two capped lists", () => {
    // inner: 1 + 2 + 10 × (4 + 1) = 53; outer: 1 + 2 + 20 × (53 + 1) = 1083
    expect(costOf("input.tags.exists(t, context.approvals.exists(a, a.group == t))")).toMatchObject({ cost: 1083 });
  });

  it("bounds ranges derived from capped lists", () => {
    expect(costOf("[1, 2, 3].all(x, x > 0)")).toMatchObject({ cost: 1 + 4 + 3 * 4 });
    // The concatenation itself costs the sum of the sizes (40).
    expect(costOf('(input.tags + input.tags).exists(t, t == "x")')).toMatchObject({ cost: 1 + 5 + 40 + 40 * 4 });
    expect(costOf('input.tags.filter(t, t != "").exists(u, u == "x")')).toMatchObject({ cost: 1 + (1 + 2 + 20 * 4) + 20 * 4 });
    // `>`, `0` and `size()`, then the map: 1 + 2 + 20 × (1 + 3 (`t != ""`) + 1 (`1`))
    expect(costOf('input.tags.map(t, t != "", 1).size() > 0')).toMatchObject({ cost: 3 + (1 + 2 + 20 * 5) });
  });

  it("reports a comprehension over a list with no max, at the list", () => {
    const cel = 'principal.roles.exists(r, r == "admin")';
    expect(safetyOf(cel)).toEqual([
      {
        kind: "costTooHigh",
        text: "principal.roles",
        line: 2,
        column: columnOf(cel, "principal.roles"),
        message: "`principal.roles` (a `list(string)`) has no size limit, so the cost of going through it has no bound",
        help: "declare a `max:` on the list where it is declared, e.g. `tags: list(string, max: 20)`",
      },
    ]);
  });

  it.each([
    ['resource.tags.all(t, t != "")', "resource.tags"],
    ['tenant.limits.exists(k, k == "seats")', "tenant.limits"],
    ["input.tags.exists(t, principal.roles.exists(r, r == t))", "principal.roles"],
    ["principal.roles.map(r, r).exists(r, true)", "principal.roles"],
  ])("reports %s as unbounded at %s", (cel, at) => {
    const problems = safetyOf(cel);
    expect(problems.map((p) => [p.kind, p.text, p.column])).toEqual([["costTooHigh", at, columnOf(cel, at)]]);
  });

  it("treats a range of unknown type as unbounded", () => {
    const { expr } = parseCondition("input.tags.exists(t, true)");
    const range = expr.kind === "CelCall" ? expr.target : undefined;
    expect(estimateCost(expr, new Map<CelExpr, never>())).toEqual({ unbounded: range });
  });

  it(`reports a bound over ${MAX_CONDITION_COST} at the whole condition`, () => {
    const env: CelEnv = { variables: new Map([...VARIABLES, ["big", T.list(T.string, 1000)]]) };
    expect(safetyOf('big.all(a, a != "")', env)).toEqual([]);
    const cel = "big.exists(a, big.exists(b, a == b))";
    // inner: 1 + 1 + 1000 × 4 = 4002; outer: 1 + 1 + 1000 × 4003
    expect(costOf(cel, env)).toMatchObject({ cost: 4_003_002, dominantCost: 4_003_002 });
    expect(safetyOf(cel, env)).toEqual([
      {
        kind: "costTooHigh",
        text: cel,
        line: 2,
        column: columnOf(cel, cel),
        message: "the condition may take up to 4,003,002 steps to evaluate, more than 100,000",
        help: HELP,
      },
    ]);
  });

  it("passes the design's example", () => {
    expect(safetyOf('input.amount > 100.0 && !context.approvals.exists(a, a.group == "finance")')).toEqual([]);
  });
});
