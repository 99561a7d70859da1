/**
 * `paybillc test [paths...]`: run the project's `test` blocks through the runtime's decider
 * and say, per test, whether the decision is the one expected. With `--coverage` (or
 * `--min`), also which policy rules no test exercised (testing/coverage.ts). Exit 0 when
 * every test passes (and coverage reaches `--min`), 1 when one fails, coverage is below
 * `--min` or the project has errors, 2 for a usage error.
 */
import { Decider } from "@paybill/runtime";
import type { Io } from "../io.js";
import { displayPath, type OutputFormat, plural, printFrames, printJson } from "../output/report.js";
import { testCases } from "../testing/cases.js";
import { type CoverageReport, coverage, formatPercent, operandChains, type RuleSite, ruleSites } from "../testing/coverage.js";
import { decidingPolicies, runTests, TEST_TIME, type TestResult } from "../testing/run.js";
import { compileProject } from "./compile-project.js";

export interface TestOptions {
  readonly format: OutputFormat;
  /** Only tests whose name contains this text. */
  readonly filter?: string;
  /** Report which policy rules no test exercised. */
  readonly coverage?: boolean;
  /** The least coverage, in percent, that passes (implies `coverage`); as given on the command line. */
  readonly min?: string;
}

export async function test(paths: readonly string[], options: TestOptions, io: Io): Promise<number> {
  const min = options.min === undefined ? undefined : readPercent(options.min);
  if (min === null) {
    io.err(`error: --min takes a percentage from 0 to 100, such as \`--min 80\`, not \`${options.min}\`\n`);
    return 2;
  }
  const checked = await compileProject(paths, options.format, io);
  if (!checked.ok) return checked.status;
  const { bundle } = checked;
  if (options.format === "text") printFrames(checked.diagnostics, io);
  const decider = new Decider(bundle);
  const filter = options.filter;
  const cases = testCases(checked.model).filter((t) => filter === undefined || t.name.includes(filter));
  const measure = options.coverage === true || min !== undefined;
  const sites = measure ? ruleSites(checked.model, bundle) : [];
  const results = runTests(bundle, decider, cases, measure ? { trace: true, operands: operandChains(sites) } : {});
  const failed = results.filter((r) => !r.passed);
  const report = measure ? coverage(sites, results.flatMap((r) => r.evaluated ?? [])) : undefined;
  const below = report !== undefined && min !== undefined && report.percent < min;
  if (options.format === "json") {
    const summary = { passed: results.length - failed.length, failed: failed.length, time: TEST_TIME, tests: results.map((r) => toJson(r, io)) };
    printJson(report === undefined ? summary : { ...summary, coverage: coverageJson(report, min, io) }, io);
  } else {
    printText(results, io, filter);
    if (report !== undefined) printCoverage(report, min, io);
  }
  return failed.length > 0 || below ? 1 : 0;
}

/** A percentage from 0 to 100 as written on the command line; null when it is not one. */
function readPercent(text: string): number | null {
  const trimmed = text.trim().replace(/%$/, "");
  if (!/^\d+(\.\d+)?$/.test(trimmed)) return null;
  const value = Number(trimmed);
  return value <= 100 ? value : null;
}

function site(rule: RuleSite, io: Io, offset = rule.offset): string {
  if (rule.file === undefined || offset === undefined) return rule.id;
  const { line, column } = rule.file.position(offset);
  return `${displayPath(io.cwd, rule.file.name)}:${line}:${column}`;
}

/** The operands of exercised rules' chains that no test reached. */
function unreached(report: CoverageReport): { rule: RuleSite; index: number }[] {
  return report.rules.flatMap((r) => (r.exercised ? (r.operands ?? []).flatMap((seen, index) => (seen.length === 0 ? [{ rule: r.rule, index }] : [])) : []));
}

function printCoverage(report: CoverageReport, min: number | undefined, io: Io): void {
  const missed = report.rules.filter((r) => !r.exercised);
  io.out(`\ncoverage: ${report.exercised} of ${plural(report.total, "rule")} exercised (${formatPercent(report.percent)})\n`);
  if (missed.length > 0) {
    io.out("not exercised by any test:\n");
    for (const r of missed) io.out(`  ${site(r.rule, io)}  ${r.rule.effect} in policy \`${r.rule.policy}\` (${r.rule.id})\n`);
  }
  const parts = unreached(report);
  if (parts.length > 0) {
    io.out("conditions no test reached (an earlier operand always decided):\n");
    for (const { rule, index } of parts) {
      const operand = rule.chain?.operands[index];
      io.out(`  ${site(rule, io, operand?.offset ?? rule.offset)}  operand ${index + 1} of \`${rule.chain?.op}\` in ${rule.id}: ${operand?.cel}\n`);
    }
  }
  if (min !== undefined && report.percent < min) io.out(`coverage ${formatPercent(report.percent)} is below --min ${min}%\n`);
}

function coverageJson(report: CoverageReport, min: number | undefined, io: Io): unknown {
  return {
    exercised: report.exercised,
    total: report.total,
    percent: report.percent,
    ...(min === undefined ? {} : { min, met: report.percent >= min }),
    rules: report.rules.map((r) => ({
      rule: r.rule.id,
      policy: r.rule.policy,
      effect: r.rule.effect,
      at: site(r.rule, io),
      exercised: r.exercised,
      outcomes: r.outcomes,
      ...(r.rule.chain === undefined
        ? {}
        : {
            chain: {
              op: r.rule.chain.op,
              operands: r.rule.chain.operands.map((o, i) => ({ cel: o.cel, at: site(r.rule, io, o.offset ?? r.rule.offset), outcomes: r.operands?.[i] ?? [] })),
            },
          }),
    })),
  };
}

function where(r: TestResult, offset: number, io: Io): string {
  const { line, column } = r.test.file.position(offset);
  return `${displayPath(io.cwd, r.test.file.name)}:${line}:${column}`;
}

function printText(results: readonly TestResult[], io: Io, filter: string | undefined): void {
  if (results.length === 0) {
    io.err(filter === undefined ? "no tests: the project has no `test` blocks\n" : `no test name contains \`${filter}\`\n`);
    return;
  }
  let file = "";
  for (const r of results) {
    const name = displayPath(io.cwd, r.test.file.name);
    if (name !== file) {
      io.out(`${file === "" ? "" : "\n"}${name}\n`);
      file = name;
    }
    io.out(`  ${r.passed ? "✓" : "✗"} ${r.test.name}\n`);
    if (!r.passed) {
      io.out(`      ${r.problem}\n`);
      io.out(`      at ${where(r, r.test.expect.offset, io)}\n`);
    }
  }
  const failed = results.filter((r) => !r.passed).length;
  io.out(`\n${plural(results.length - failed, "test")} passed, ${failed} failed (clock ${TEST_TIME})\n`);
}

function toJson(r: TestResult, io: Io): unknown {
  return {
    name: r.test.name,
    at: where(r, r.test.offset, io),
    passed: r.passed,
    expected: { decision: r.test.expect.decision, by: r.test.expect.by },
    got: r.decision === undefined ? null : { decision: r.decision.decision, by: decidingPolicies(r.decision), reasons: r.decision.reasons },
    ...(r.problem === undefined ? {} : { problem: r.problem }),
  };
}
