/**
 * The cost model per construct (spec/language.md §8.7): what each operation costs beyond
 * one step per node, from the caps of the strings and lists it reads, and the part of a
 * condition the diagnostic names when the bound is over the limit.
 */
import { describe, expect, it } from "vitest";
import { type CelEnv, type CelType, checkCondition, checkSafety, estimateCost, T } from "../src/3-check/cel/index.js";
import { NOMINAL_STRING, patternWeight } from "../src/3-check/cel/cost.js";
import { celTypeOf } from "../src/3-check/field-types.js";
import { parseCondition, VARIABLES } from "../src/3-check/cel/test-support/cel-fixture.js";

const ORDER = T.message("order", { items: T.list(T.cappedString(40), 10) });
const INPUT = T.message("input", {
  amount: T.double,
  note: T.cappedString(100),
  free: T.string,
  code: T.cappedString(10),
  codes: T.list(T.cappedString(10), 50),
  orders: T.list(ORDER, 20),
});
const ENV: CelEnv = { variables: new Map<string, CelType>([...VARIABLES, ["input", INPUT]]) };

function cost(cel: string): number {
  const { expr } = parseCondition(cel);
  const checked = checkCondition(expr, ENV);
  expect(checked.problems).toEqual([]);
  const estimate = estimateCost(expr, checked.types);
  if (!("cost" in estimate)) throw new Error("unbounded");
  return estimate.cost;
}

describe("the cost of each construct", () => {
  it("`in` over a list costs the list's size", () => {
    // `in` 1 + `input.code` 2 + `input.codes` 2 + 50 elements
    expect(cost("input.code in input.codes")).toBe(55);
  });

  it("`in` over a list with no cap has no bound", () => {
    const { expr } = parseCondition('"admin" in principal.roles');
    const estimate = estimateCost(expr, checkCondition(expr, ENV).types);
    expect("unbounded" in estimate).toBe(true);
  });

  it("`matches` costs the text's cap times the pattern's weight, over 8", () => {
    // call 1 + receiver 2 + pattern 1 + ⌈100 × 4 / 8⌉
    expect(cost('input.note.matches("^a+$")')).toBe(4 + 50);
    // `a{50}` unrolls: weight 7 + 50
    expect(cost('input.note.matches("^a{50}$")')).toBe(4 + Math.ceil((100 * 57) / 8));
    // A string with no `max` counts its nominal length.
    expect(cost('input.free.matches("^a+$")')).toBe(4 + Math.ceil((NOMINAL_STRING * 4) / 8));
  });

  it("weighs a pattern by its length and its counted repetitions", () => {
    expect(patternWeight("abc")).toBe(3);
    expect(patternWeight("[0-9]{3,40}")).toBe(11 + 40);
    expect(patternWeight("")).toBe(1);
  });

  it("native string functions cost the characters they read, over 16", () => {
    // call 1 + receiver 2 + argument 1 + ⌈(100 + 4 (the literal `"ab"`)) / 16⌉
    expect(cost('input.note.contains("ab")')).toBe(4 + 7);
    expect(cost('input.note.startsWith("ab")')).toBe(4 + 7);
    // `>` 1 + `size` 1 + receiver 2 + ⌈100 / 16⌉ + `3` 1
    expect(cost("size(input.note) > 3")).toBe(5 + 7);
    expect(cost('input.note.lowerAscii() == ""')).toBe(5 + 7);
  });

  it("string `+` costs both lengths; the result's length is their sum", () => {
    // `==` 1 + (`+` 1 + 2 + 2 + ⌈200 / 16⌉) + `""` 1
    expect(cost('input.note + input.note == ""')).toBe(6 + 13 + 1);
    // `.contains` reads the concatenation: ⌈(200 + 2) / 16⌉ more
    expect(cost('(input.note + input.note).contains("")')).toBe(1 + (5 + 13) + 1 + 13);
  });

  it("list `+` costs the sum of the sizes, list `==` the smaller size", () => {
    expect(cost("size(input.codes + input.codes) > 0")).toBe(1 + 1 + (5 + 100) + 1);
    expect(cost("input.codes == input.codes")).toBe(5 + 50);
  });

  it("multiplies per-element work by every enclosing range", () => {
    // inner: 1 + 2 + 10 × ((1 + 1 + 1 + ⌈40 × 2 / 8⌉) + 1) = 143; outer: 1 + 2 + 20 × (143 + 1)
    expect(cost('input.orders.exists(o, o.items.exists(i, i.matches("^x")))')).toBe(2883);
    // an `in` inside a comprehension: 1 + 2 + 20 × ((1 + 2 + 1 + 50) + 1)
    expect(cost("input.orders.all(o, input.code in input.codes)")).toBe(3 + 20 * (55 + 1));
  });

  it("a uuid is 36 characters, an enum its longest value", () => {
    expect(celTypeOf({ kind: "scalar", name: "uuid" })).toEqual(T.cappedString(36));
    expect(celTypeOf({ kind: "enum", values: ["open", "pending"] })).toEqual(T.cappedString(7));
    expect(celTypeOf({ kind: "scalar", name: "string", max: 80 }, true)).toEqual(T.nullable(T.cappedString(80)));
  });
});

describe("a bound over the limit", () => {
  it("names the bound, the limit and the part that dominates", () => {
    const cel = 'input.amount > 1.0 && input.codes.exists(c, input.free.matches("^(a|b|c)+[0-9]{100}$"))';
    const { expr } = parseCondition(cel);
    const checked = checkCondition(expr, ENV);
    // matches: ⌈256 × (20 + 100) / 8⌉ = 3,840; body 3,844; exists 1 + 2 + 50 × 3,845
    const problems = checkSafety(expr, checked.types);
    expect(problems.map((p) => [p.kind, p.message])).toEqual([
      [
        "costTooHigh",
        "the condition may take up to 192,258 steps to evaluate, more than 100,000; most of it is the part starting `input.codes.exists(c, input.fr…` (192,253 steps)",
      ],
    ]);
  });

  it("quotes a short dominant part whole", () => {
    const cel = 'input.amount > 1.0 && input.codes.exists(c, input.free.matches("^[a-z]{999}$"))';
    const { expr } = parseCondition(cel);
    const problems = checkSafety(expr, checkCondition(expr, ENV).types);
    const weight = 12 + 999;
    const each = 1 + 2 + 1 + Math.ceil((NOMINAL_STRING * weight) / 8);
    const exists = 1 + 2 + 50 * (each + 1);
    expect(problems[0]?.message).toContain(`more than 100,000; most of it is`);
    expect(problems[0]?.message).toContain(`(${exists.toLocaleString("en-US")} steps)`);
  });
});
