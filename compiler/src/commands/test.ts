/**
 * `paybillc test [paths...]`: run the project's `test` blocks through the runtime's decider
 * and say, per test, whether the decision is the one expected. Exit 0 when every test
 * passes, 1 when one fails or the project has errors, 2 for a usage error.
 */
import { Decider } from "@paybill/runtime";
import type { Io } from "../io.js";
import { displayPath, type OutputFormat, plural, printFrames, printJson } from "../output/report.js";
import { testCases } from "../testing/cases.js";
import { decidingPolicies, runTests, TEST_TIME, type TestResult } from "../testing/run.js";
import { compileProject } from "./compile-project.js";

export interface TestOptions {
  readonly format: OutputFormat;
  /** Only tests whose name contains this text. */
  readonly filter?: string;
}

export async function test(paths: readonly string[], options: TestOptions, io: Io): Promise<number> {
  const checked = await compileProject(paths, options.format, io);
  if (!checked.ok) return checked.status;
  const { bundle } = checked;
  if (options.format === "text") printFrames(checked.diagnostics, io);
  const decider = new Decider(bundle);
  const filter = options.filter;
  const cases = testCases(checked.model).filter((t) => filter === undefined || t.name.includes(filter));
  const results = runTests(bundle, decider, cases);
  const failed = results.filter((r) => !r.passed);
  if (options.format === "json") {
    printJson({ passed: results.length - failed.length, failed: failed.length, time: TEST_TIME, tests: results.map((r) => toJson(r, io)) }, io);
  } else {
    printText(results, io, filter);
  }
  return failed.length > 0 ? 1 : 0;
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
