/**
 * `paybillc test --coverage`: which policy rules no test exercised. On the helpdesk example
 * (whose tests leave four rules untouched) as a user runs it, and as a law on generated
 * projects: the rules the runtime reports evaluated for a test are exactly those whose
 * agent and action match it, a chain's operands are reached left to right up to the one
 * that decides it, and coverage is 100% iff every rule was evaluated by some test.
 */
import { checkProject, hasErrors, SourceFile } from "@paybill/lang";
import { Decider } from "@paybill/runtime";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fileURLToPath } from "node:url";
import { tryEmitBundle } from "../src/emit/bundle/index.js";
import { testCases } from "../src/testing/cases.js";
import { coverage, operandChains, ruleSites } from "../src/testing/coverage.js";
import { runTests } from "../src/testing/run.js";
import { paybillc } from "./support/cli.js";

const root = fileURLToPath(new URL("../../", import.meta.url));

const UNCOVERED = [
  "  examples/helpdesk/policies.paybill:10:3  permit in policy `support_reads_tickets` (support_reads_tickets#0)",
  "  examples/helpdesk/policies.paybill:14:3  permit in policy `billing_reads_refunds` (billing_reads_refunds#0)",
  "  examples/helpdesk/policies.paybill:19:3  forbid in policy `no_pii_to_agents` (no_pii_to_agents#0)",
  "  examples/helpdesk/policies.paybill:25:3  permit in policy `triage_opens_tickets` (triage_opens_tickets#0)",
];

describe("paybillc test --coverage on examples/helpdesk", () => {
  it("lists the rules no test exercised, with file:line, and the share exercised", async () => {
    const run = await paybillc(["test", "examples/helpdesk", "--coverage"], root);
    expect(run.code).toBe(0);
    const after = run.stdout.slice(run.stdout.indexOf("\ncoverage:") + 1).split("\n");
    expect(after).toEqual([
      "coverage: 12 of 16 rules exercised (75%)",
      "not exercised by any test:",
      ...UNCOVERED,
      // `!input.tags.all(…) || input.tags.size() > 5`: the one test's tags are off the vocabulary.
      "conditions no test reached (an earlier operand always decided):",
      "  examples/helpdesk/policies.paybill:41:8  operand 2 of `||` in tags_from_vocabulary#0: input.tags.size() > 5",
      "",
    ]);
  });

  it("--min fails the run below the share and passes at it; a bad --min is a usage error", async () => {
    const below = await paybillc(["test", "examples/helpdesk", "--min", "80"], root);
    expect(below.code).toBe(1);
    expect(below.stdout).toContain("coverage 75% is below --min 80%\n");
    expect(below.stdout).toContain("16 tests passed, 0 failed");
    const at = await paybillc(["test", "examples/helpdesk", "--min", "75"], root);
    expect(at.code).toBe(0);
    expect(at.stdout).toContain("coverage: 12 of 16 rules exercised (75%)");
    const bad = await paybillc(["test", "examples/helpdesk", "--min", "120"], root);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe("error: --min takes a percentage from 0 to 100, such as `--min 80`, not `120`\n");
  });

  it("--format json gives every rule with where it is, whether it was exercised and what its condition gave", async () => {
    const run = await paybillc(["test", "examples/helpdesk", "--coverage", "--min", "90", "--format", "json"], root);
    expect(run.code).toBe(1);
    const json = JSON.parse(run.stdout) as {
      passed: number;
      coverage: { exercised: number; total: number; percent: number; min: number; met: boolean; rules: { rule: string; at: string; exercised: boolean; effect: string; outcomes: (boolean | string)[] }[] };
    };
    expect(json.passed).toBe(16);
    expect(json.coverage).toMatchObject({ exercised: 12, total: 16, percent: 75, min: 90, met: false });
    expect(json.coverage.rules.filter((r) => !r.exercised).map((r) => `${r.at} ${r.rule}`)).toEqual(
      UNCOVERED.map((line) => {
        const [at, , , , , id] = line.trim().split(/\s+/);
        return `${at} ${(id ?? "").slice(1, -1)}`;
      }),
    );
    // Unexercised rules saw no outcome; the small-refund permit was seen both ways, the suspension forbid never true.
    expect(json.coverage.rules.filter((r) => !r.exercised).every((r) => r.outcomes.length === 0)).toBe(true);
    expect(json.coverage.rules.filter((r) => r.exercised).every((r) => r.outcomes.length > 0)).toBe(true);
    const outcomes = (id: string): unknown => json.coverage.rules.find((r) => r.rule === id)?.outcomes;
    expect(outcomes("bots_refund_small_amounts#0")).toEqual([false, true]);
    expect(outcomes("nothing_while_suspended#0")).toEqual([false]);
    // A chain's operands, each where it is written and with what it gave.
    const chain = (json.coverage.rules as { rule: string; chain?: unknown }[]).find((r) => r.rule === "priority_changes_are_small#0")?.chain;
    expect(chain).toEqual({
      op: "||",
      operands: [
        { cel: "input.priority < 1", at: "examples/helpdesk/policies.paybill:47:5", outcomes: [false] },
        { cel: "input.priority > 5", at: "examples/helpdesk/policies.paybill:48:8", outcomes: [false] },
        { cel: "resource.priority - input.priority > 2", at: "examples/helpdesk/policies.paybill:49:8", outcomes: [true] },
      ],
    });
  });
});

// ---- the law, on generated projects ----

const AGENTS = ["g0", "g1", "g2"];
const ACTIONS = ["a0", "a1", "a2"];

interface GenRule {
  readonly effect: "permit" | "forbid";
  readonly agents: readonly string[] | "any";
  readonly actions: readonly string[];
  /** `input.n > 3 && input.n < 7`: comparisons joined by one operator; none: no condition. */
  readonly when: { readonly op: "&&" | "||"; readonly parts: readonly { readonly cmp: ">" | "<"; readonly k: number }[] } | undefined;
}
interface GenTest {
  readonly agent: string;
  readonly action: string;
  readonly n: number;
}

const genRule = fc.record({
  effect: fc.constantFrom("permit" as const, "forbid" as const),
  agents: fc.oneof(fc.constant("any" as const), fc.subarray(AGENTS, { minLength: 1 })),
  actions: fc.subarray(ACTIONS, { minLength: 1 }),
  when: fc.option(
    fc.record({
      op: fc.constantFrom("&&" as const, "||" as const),
      parts: fc.array(fc.record({ cmp: fc.constantFrom(">" as const, "<" as const), k: fc.integer({ min: 0, max: 9 }) }), { minLength: 1, maxLength: 3 }),
    }),
    { nil: undefined },
  ),
});
const genTest = fc.record({ agent: fc.constantFrom(...AGENTS), action: fc.constantFrom(...ACTIONS), n: fc.integer({ min: 0, max: 9 }) });

function projectText(policies: readonly (readonly GenRule[])[], tests: readonly GenTest[]): string {
  const lines = ["import std.isolation.{pooled}", "plan free { price = 0, isolation = pooled }", "tenant acme { plan = free }"];
  for (const a of AGENTS) lines.push(`agent ${a} {}`);
  for (const a of ACTIONS) lines.push(`action ${a} { input { n: int } }`);
  policies.forEach((rules, p) => {
    const body = rules.map((r) => `  ${r.effect} ${r.agents === "any" ? "any agent" : r.agents.join(", ")} to ${r.actions.join(", ")}${r.when === undefined ? "" : ` when ${r.when.parts.map((p) => `input.n ${p.cmp} ${p.k}`).join(` ${r.when.op} `)}`}`);
    lines.push(`policy p${p} {`, ...body, "}");
  });
  tests.forEach((t, i) => {
    lines.push(`test "t${i}" {`, `  as ${t.agent}`, "  tenant acme", `  do ${t.action} { n: ${t.n} }`, "  expect allow", "}");
  });
  return `${lines.join("\n")}\n`;
}

describe("coverage (law)", () => {
  it("a test evaluates exactly the rules whose agent and action match it, and a chain's operands up to the deciding one; 100% iff every rule was evaluated by some test", () => {
    let full = 0;
    let partial = 0;
    let cut = 0;
    fc.assert(
      fc.property(fc.array(fc.array(genRule, { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 3 }), fc.array(genTest, { maxLength: 6 }), (policies, tests) => {
        const checked = checkProject([new SourceFile("gen.paybill", projectText(policies, tests))]);
        expect(hasErrors(checked.diagnostics), checked.diagnostics.map((d) => d.message).join("\n")).toBe(false);
        const model = checked.model;
        if (model === undefined) throw new Error("no model");
        const emitted = tryEmitBundle(model);
        if (!emitted.ok) throw new Error("no bundle");
        const applies = (r: GenRule, t: GenTest): boolean => (r.agents === "any" || r.agents.includes(t.agent)) && r.actions.includes(t.action);
        // The operands reached, left to right, up to the first that decides the chain.
        const reached = (r: GenRule, n: number): boolean[] => {
          const out: boolean[] = [];
          for (const p of r.when?.parts ?? []) {
            const v = p.cmp === ">" ? n > p.k : n < p.k;
            out.push(v);
            if ((r.when?.op === "&&" && !v) || (r.when?.op === "||" && v)) break;
          }
          return out;
        };
        const chained = (r: GenRule): boolean => (r.when?.parts.length ?? 0) > 1;
        const sites = ruleSites(model, emitted.bundle);
        const results = runTests(emitted.bundle, new Decider(emitted.bundle), testCases(model), { trace: true, operands: operandChains(sites) });
        results.forEach((result, i) => {
          const t = tests[i] as GenTest;
          const want = policies.flatMap((rules, p) => rules.flatMap((r, k) => (applies(r, t) ? [`p${p}#${k}`] : [])));
          expect([...new Set(result.evaluated?.map((e) => e.rule))].sort()).toEqual(want.sort());
          for (const e of result.evaluated ?? []) {
            const [p, k] = e.rule.slice(1).split("#").map(Number);
            const r = policies[p ?? -1]?.[k ?? -1] as GenRule;
            expect(e.operands).toEqual(chained(r) ? reached(r, t.n) : undefined);
            if (e.operands !== undefined && e.operands.length < (r.when?.parts.length ?? 0)) cut++;
          }
        });
        const report = coverage(sites, results.flatMap((r) => r.evaluated ?? []));
        // An operand is reported reached iff some test the rule applied to reached it.
        for (const rc of report.rules) {
          const [p, k] = rc.rule.id.slice(1).split("#").map(Number);
          const r = policies[p ?? -1]?.[k ?? -1] as GenRule;
          if (!chained(r)) continue;
          const reachedBy = (r.when?.parts ?? []).map((_, j) => tests.some((t) => applies(r, t) && reached(r, t.n).length > j));
          expect(rc.operands?.map((o) => o.length > 0)).toEqual(reachedBy);
        }
        const every = policies.every((rules) => rules.every((r) => tests.some((t) => applies(r, t))));
        expect(report.percent === 100).toBe(every);
        expect(report.rules.filter((r) => !r.exercised).map((r) => r.rule.id)).toEqual(
          policies.flatMap((rules, p) => rules.flatMap((r, k) => (tests.some((t) => applies(r, t)) ? [] : [`p${p}#${k}`]))),
        );
        if (every) full++;
        else partial++;
      }),
      { numRuns: 40 },
    );
    expect(full).toBeGreaterThan(0);
    expect(partial).toBeGreaterThan(0);
    // Some chains were cut short by an operand that decided them.
    expect(cut).toBeGreaterThan(0);
  });
});
