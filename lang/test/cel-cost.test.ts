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

  it("`matches` costs the text's cap times the pattern's weight, over 4", () => {
    // call 1 + receiver 2 + pattern 1 + ⌈100 × 4 / 4⌉
    expect(cost('input.note.matches("^a+$")')).toBe(4 + 100);
    // `a{50}` unrolls: weight 56
    expect(cost('input.note.matches("^a{50}$")')).toBe(4 + 100 * 14);
    // A string with no `max` counts its nominal length.
    expect(cost('input.free.matches("^a+$")')).toBe(4 + NOMINAL_STRING);
  });

  it("weighs a pattern by its length, a counted repetition adding copies of what it repeats", () => {
    expect(patternWeight("abc")).toBe(3);
    expect(patternWeight("^a{50}$")).toBe(56); // ^ a + 49 copies of `a` + `{50}` $
    expect(patternWeight("[0-9]{3,40}")).toBe(5 + 39 * 5 + 6);
    expect(patternWeight("^(.*a){30}$")).toBe(1 + 5 + 29 * 5 + 4 + 1);
    // nested repetitions multiply: `(a)` 3, `{3}` → 3 + 2 × 3 + 3 = 12 (+ the outer `(`), `{4}` adds 3 copies
    expect(patternWeight("((a){3}){4}")).toBe(59);
    expect(patternWeight("\\d{2}")).toBe(2 + 2 + 3);
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
    // inner: 1 + 2 + 10 × ((1 + 1 + 1 + ⌈40 × 2 / 4⌉) + 1) = 243; outer: 1 + 2 + 20 × (243 + 1)
    expect(cost('input.orders.exists(o, o.items.exists(i, i.matches("^x")))')).toBe(4883);
    // an `in` inside a comprehension: 1 + 2 + 20 × ((1 + 2 + 1 + 50) + 1)
    expect(cost("input.orders.all(o, input.code in input.codes)")).toBe(3 + 20 * (55 + 1));
  });

  it("a uuid is 36 characters, an enum its longest value", () => {
    expect(celTypeOf({ kind: "scalar", name: "uuid" })).toEqual(T.cappedString(36));
    expect(celTypeOf({ kind: "enum", values: ["open", "pending"] })).toEqual(T.named({ kind: "enum", values: ["open", "pending"] }, 7));
    expect(celTypeOf({ kind: "scalar", name: "string", max: 80 }, true)).toEqual(T.nullable(T.cappedString(80)));
  });
});

describe("a bound over the limit", () => {
  it("names the bound, the limit and the part that dominates", () => {
    const cel = 'input.amount > 1.0 && input.codes.exists(c, input.free.matches("^(a|b|c)+[0-9]{100}$"))';
    const { expr } = parseCondition(cel);
    const checked = checkCondition(expr, ENV);
    // weight 16 + 99 × 5 (`[0-9]`) + 4 = 515; matches: ⌈256 × 515 / 4⌉ = 32,960; body 32,964;
    // exists 1 + 2 + 50 × 32,965 = 1,648,253; with `input.amount > 1.0` and `&&`: 1,648,258
    const problems = checkSafety(expr, checked.types);
    expect(problems.map((p) => [p.kind, p.message])).toEqual([
      [
        "costTooHigh",
        "the condition may take up to 1,648,258 steps to evaluate, more than 100,000; most of it is the part starting `input.codes.exists(c, input.fr…` (1,648,253 steps)",
      ],
    ]);
  });

  it("quotes a short dominant part whole", () => {
    const cel = 'input.amount > 1.0 && input.codes.exists(c, input.free.matches("^[a-z]{999}$"))';
    const { expr } = parseCondition(cel);
    const problems = checkSafety(expr, checkCondition(expr, ENV).types);
    const weight = patternWeight("^[a-z]{999}$");
    expect(weight).toBe(1 + 5 + 998 * 5 + 5 + 1);
    const each = 1 + 2 + 1 + Math.ceil((NOMINAL_STRING * weight) / 4);
    const exists = 1 + 2 + 50 * (each + 1);
    expect(problems[0]?.message).toContain(`more than 100,000; most of it is`);
    expect(problems[0]?.message).toContain(`(${exists.toLocaleString("en-US")} steps)`);
  });
});
