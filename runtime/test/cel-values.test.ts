/**
 * The runtime's CEL pieces: RE2 `matches` (not the backtracking built-in), durations as
 * text, JSON → CEL by field type and CEL → SQL parameters.
 */
import { Duration } from "@marcbachmann/cel-js/evaluator";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { durationText, parseDuration } from "../src/cel/duration.js";
import { celEnvironment } from "../src/cel/environment.js";
import { compileCel } from "../src/cel/program.js";
import { fromCel, toCel, ValueError } from "../src/cel/values.js";
import { t } from "./support/bundle-builder.js";

const env = celEnvironment({ s: "dyn", p: "string" });
function evaluate(source: string, activation: Record<string, unknown> = {}): unknown {
  const compiled = compileCel(env, source);
  if (!compiled.ok) throw new Error(compiled.message);
  return compiled.program.run(activation);
}

describe("matches runs on RE2", () => {
  it("a pattern that backtracks exponentially in JavaScript answers at once", () => {
    // With the backtracking engine this test would not finish: 2^40 paths.
    expect(evaluate(`"${"a".repeat(40)}!".matches("(a+)+$")`)).toBe(false);
    expect(evaluate('s.matches("(a+)+$")', { s: `${"a".repeat(5000)}!` })).toBe(false);
    expect(evaluate('matches(s, "(a+)+$")', { s: "a".repeat(5000) })).toBe(true);
  });

  it("RE2 syntax, not JavaScript's: lookaround and backreferences are errors", () => {
    expect(() => evaluate('"aa".matches("(a)\\\\1")')).toThrow(/invalid regular expression/);
    expect(() => evaluate('"ab".matches("a(?=b)")')).toThrow(/invalid regular expression/);
  });

  it("is a partial match, as in cel-spec", () => {
    expect(evaluate('"hello".matches("ll")')).toBe(true);
    expect(evaluate('"hello".matches("^ll")')).toBe(false);
    expect(evaluate("s.matches(p)", { s: "abc", p: "b+c$" })).toBe(true);
  });

  it("a receiver that is not a string is refused (at check time, or at run time for dyn)", () => {
    const compiled = compileCel(env, "1.matches(\"a\")");
    expect(compiled.ok).toBe(false);
    expect(() => evaluate('s.matches("a")', { s: 1n })).toThrow(/not a string/);
  });
});

describe("durations", () => {
  it("parses CEL's duration text exactly", () => {
    const d = (text: string) => {
      const v = parseDuration(text);
      return v === undefined ? undefined : [v.seconds, v.nanos];
    };
    expect(d("1h30m")).toEqual([5400n, 0]);
    expect(d("1.5s")).toEqual([1n, 500_000_000]);
    expect(d("-90s")).toEqual([-90n, 0]);
    expect(d("250ms")).toEqual([0n, 250_000_000]);
    expect(d("1µs")).toEqual([0n, 1000]);
    expect(d("0")).toEqual([0n, 0]);
    for (const bad of ["", "1", "h", "1d", "1h 2m", "--1s", "1h2", "1.2.3s"]) expect(d(bad)).toBeUndefined();
  });

  it("prints what PostgreSQL reads as an interval", () => {
    expect(durationText(new Duration(5400n, 0))).toBe("5400 seconds");
    expect(durationText(new Duration(-1n, -500_000_000))).toBe("-1.5 seconds");
    expect(durationText(new Duration(0n, 1))).toBe("0.000000001 seconds");
  });
});

describe("JSON to CEL by field type", () => {
  const fails = (f: () => unknown) => {
    try {
      f();
    } catch (e) {
      return e instanceof ValueError ? e.message : `unexpected ${String(e)}`;
    }
    return undefined;
  };

  it("converts ints to bigint, decimals to double, timestamps to Date, durations to Duration", () => {
    expect(toCel(t.int, 7, "input")).toBe(7n);
    expect(toCel(t.decimal(12, 2), 250.5, "input")).toBe(250.5);
    expect(toCel(t.money, "19.99", "input")).toBe(19.99);
    expect(toCel(t.timestamp, "2025-01-06T09:00:00Z", "input")).toEqual(new Date("2025-01-06T09:00:00Z"));
    expect(toCel(t.duration, "1h", "input")).toBeInstanceOf(Duration);
    expect(toCel(t.list(t.int, 3), [1, 2], "input")).toEqual([1n, 2n]);
    expect(toCel(t.json, { a: [1] }, "input")).toEqual({ a: [1] });
  });

  it("enforces sizes, enum values, uuid format and decimal ranges on input, not on rows", () => {
    expect(fails(() => toCel(t.string(3), "abcd", "input"))).toBe("string longer than 3 characters");
    expect(fails(() => toCel(t.string(3), "ééé", "input"))).toBeUndefined(); // characters, not bytes
    expect(fails(() => toCel(t.string(1), "😀", "input"))).toBeUndefined(); // one code point, two UTF-16 units
    expect(fails(() => toCel(t.list(t.string(), 1), ["a", "b"], "input"))).toBe("list of 2 items, at most 1 allowed");
    expect(fails(() => toCel(t.enum("a", "b"), "c", "input"))).toBe("`c` is not one of a, b");
    expect(fails(() => toCel(t.uuid, "t-1", "input"))).toBe("`t-1` is not a uuid");
    expect(fails(() => toCel(t.decimal(4, 2), 100.5, "input"))).toBe("`100.5` does not fit decimal(4, 2)");
    expect(fails(() => toCel(t.decimal(12, 2), 1.005, "input"))).toBe("`1.005` has more than 2 digits after the decimal point");
    expect(fails(() => toCel(t.int, 1.5, "input"))).toBe("expected a whole number between -2^53 and 2^53, got a number");
    expect(fails(() => toCel(t.int, "12", "input"))).toBe("expected a whole number, got a string");
    expect(fails(() => toCel(t.timestamp, "yesterday", "input"))).toBe("`yesterday` is not an RFC 3339 timestamp");
    expect(toCel(t.uuid, "t-1", "row")).toBe("t-1");
    expect(toCel(t.int, "12", "row")).toBe(12n); // pg returns int8 as text
  });

  it("converts results back to SQL parameters", () => {
    expect(fromCel(5n)).toBe(5);
    expect(fromCel(2n ** 60n)).toBe("1152921504606846976");
    expect(fromCel([1n, "a", true])).toEqual([1, "a", true]);
    expect(fromCel(new Duration(90n, 0))).toBe("90 seconds");
    expect(fromCel(evaluate('{"a": 1, "b": [2]}'))).toEqual({ a: 1, b: [2] });
    const d = new Date("2025-01-01T00:00:00Z");
    expect(fromCel(d)).toBe(d);
  });
});

describe("uuid input", () => {
  const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
  const accepted = (text: string): boolean => {
    try {
      toCel(t.uuid, text, "input");
      return true;
    } catch {
      return false;
    }
  };

  it("accepts exactly the 8-4-4-4-12 hex form", () => {
    const near = fc
      .tuple(fc.uuid(), fc.nat(40), fc.constantFrom("-", "g", "G", "é", "0", "F", "", "\u0130", "\uD83D"))
      .map(([id, at, c]) => id.slice(0, at) + c + id.slice(at + 1));
    fc.assert(
      fc.property(fc.oneof(fc.uuid(), near, fc.string({ minLength: 35, maxLength: 37 })), (text) => {
        expect(accepted(text)).toBe(UUID.test(text));
      }),
      { numRuns: 2000 },
    );
    expect(accepted("6F1C1A52-3C55-4A5E-9D0B-6F1F0E0B7A11")).toBe(true);
  });
});
