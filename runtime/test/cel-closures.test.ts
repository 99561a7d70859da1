/**
 * The closures of cel/closures.ts as the decider uses them: expressions that differ only in
 * literals share one closure tree and keep their own literals; where the closures cannot
 * answer, `run` gives cel-js's value or error (error absorption in `&&`/`||`, overflow,
 * missing keys); timestamps and durations compute as on cel-js; the helpdesk example's
 * conditions run on closures.
 */
import { describe, expect, it } from "vitest";
import { celEnvironment } from "../src/cel/environment.js";
import { type CelProgram, compileCel } from "../src/cel/program.js";
import { compileRule } from "../src/decide/rules.js";
import { policies } from "./support/helpdesk.js";

const env = celEnvironment({ input: "dyn", context: "dyn", tenant: "dyn", principal: "dyn", resource: "dyn" });

function program(source: string): CelProgram {
  const compiled = compileCel(env, source);
  if (!compiled.ok) throw new Error(`\`${source}\` did not compile: ${compiled.message}`);
  return compiled.program;
}

function outcome(run: () => unknown): unknown {
  try {
    return run();
  } catch {
    return "error";
  }
}

describe("CEL closures", () => {
  it("share one closure tree between expressions that differ only in literals, each with its own literals", () => {
    const a = program("input.amount > 101.0 && !context.approvals.exists(a, a.group == 'finance')");
    const b = program("input.amount > 102.0 && !context.approvals.exists(a, a.group == 'finance')");
    const c = program("input.amount > 101.0 && !context.approvals.exists(a, a.group == 'legal')");
    expect(a.fast && b.fast && c.fast).toBe(true);
    expect(a.closure).toBe(b.closure);
    expect(a.closure).toBe(c.closure);
    expect(a.constants).toEqual([101, "finance"]);
    expect(b.constants).toEqual([102, "finance"]);
    const scope = { input: { amount: 101.5 }, context: { approvals: [{ group: "legal" }] } };
    expect([a.runFast(scope), b.runFast(scope), c.runFast(scope)]).toEqual([true, false, false]);
  });

  it("keep literals of another type apart; negative zero stays negative", () => {
    const int = program("input.n == 1");
    const double = program("input.n == 1.0");
    expect(int.closure).not.toBe(double.closure);
    expect(int.run({ input: { n: 1n } })).toBe(true);
    expect(outcome(() => double.run({ input: { n: 1n } }))).toEqual(outcome(() => double.runCelJs({ input: { n: 1n } })));
    const plus = program("1.0 / input.x == 1.0 / 0.0");
    const minus = program("1.0 / input.x == 1.0 / -0.0");
    expect(plus.run({ input: { x: 0 } })).toBe(true);
    expect(minus.run({ input: { x: 0 } })).toBe(false);
  });

  it("leave errors and what cel-js absorbs to cel-js", () => {
    const cases: readonly [string, Record<string, unknown>][] = [
      ["input.missing > 1 || true", { input: {} }],
      ["true || input.missing > 1", { input: {} }],
      ["input.missing > 1 && false", { input: {} }],
      ["input.missing > 1 && true", { input: {} }],
      ["input.n + 1 > 0", { input: { n: 2n ** 63n - 1n } }],
      ["input.n / 0 > 0", { input: { n: 1n } }],
      ["[1, 2][input.i] == 2", { input: { i: 5n } }],
      ["input.n > 1", { input: { n: "x" } }],
      ["input.n == 1", { input: { n: 1 } }],
      ["input.s", { input: { s: null } }],
      ["[input.a].exists(x, x > 1) ", { input: { a: null } }],
      ["resource.status in ['open']", { input: {} }],
    ];
    for (const [source, scope] of cases) {
      const p = program(source);
      expect({ source, value: outcome(() => p.run(scope)) }).toEqual({ source, value: outcome(() => p.runCelJs(scope)) });
    }
    // The first cases prove absorption really happened (a value, not an error).
    expect(program("input.missing > 1 || true").run({ input: {} })).toBe(true);
    expect(program("input.missing > 1 && false").run({ input: {} })).toBe(false);
    expect(outcome(() => program("input.n + 1 > 0").run({ input: { n: 2n ** 63n - 1n } }))).toBe("error");
  });

  it("compute timestamps and durations as cel-js does", () => {
    const cases = [
      "context.time - resource.updated_at < duration('1h')",
      "context.time - resource.updated_at >= duration('1h30m')",
      "resource.updated_at + duration('90m') > context.time",
      "context.time - duration('1.5s') > timestamp('2026-01-05T09:59:58.499Z')",
      "duration('1h') + duration('-0.25s') < duration('3600s')",
      "duration('1h') - duration('30m') == duration('30m')",
    ];
    const times = ["2026-01-05T10:00:00Z", "2026-01-05T09:00:00Z", "2026-01-05T08:59:59.999Z", "2026-01-05T10:00:00.001Z"];
    let answered = 0;
    for (const source of cases) {
      const p = program(source);
      for (const updated of times) {
        const scope = { context: { time: new Date("2026-01-05T10:00:00Z") }, resource: { updated_at: new Date(updated) } };
        const expected = outcome(() => p.runCelJs(scope));
        expect({ source, updated, value: outcome(() => p.run(scope)) }).toEqual({ source, updated, value: expected });
        const fast = outcome(() => p.runFast(scope));
        if (fast !== "error") {
          answered++;
          expect({ source, updated, value: fast }).toEqual({ source, updated, value: expected });
        }
      }
    }
    expect(answered).toBeGreaterThanOrEqual(20); // all but `==` on durations, which goes to cel-js
  });

  it("cover every condition of the helpdesk example", () => {
    const slow: string[] = [];
    for (const p of policies) {
      for (const spec of p.rules) {
        const rule = compileRule(env, p.name, spec);
        if (spec.when !== undefined && rule.closure === undefined) slow.push(p.name);
      }
    }
    expect(slow).toEqual([]);
  });
});
