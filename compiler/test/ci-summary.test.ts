/**
 * `.ci/summary.mjs`, the closing line `.ci/run` prints from vitest's JSON report: failed tests
 * are counted once (not once more for the file they are in), a test file that failed
 * without a failed test (it did not load) is one failure, and no report is a failure.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ROOT } from "./support/bundle.js";

const dir = mkdtempSync(join(tmpdir(), "paybill-ci-summary-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type File = { name: string; status: "passed" | "failed"; message?: string; assertionResults: { status: "passed" | "failed" | "pending" }[] };

/** vitest's JSON report (the members summary.mjs reads) for these files. */
function report(files: File[]): Record<string, unknown> {
  const tests = files.flatMap((f) => f.assertionResults);
  return {
    numFailedTestSuites: files.filter((f) => f.status === "failed").length,
    numPassedTests: tests.filter((t) => t.status === "passed").length,
    numFailedTests: tests.filter((t) => t.status === "failed").length,
    numPendingTests: tests.filter((t) => t.status === "pending").length,
    numTodoTests: 0,
    testResults: files,
  };
}

function summary(value: unknown, name = "results.json"): { line: string; code: number | null } {
  const path = join(dir, name);
  if (value !== undefined) writeFileSync(path, JSON.stringify(value));
  const run = spawnSync(process.execPath, [join(ROOT, ".ci/summary.mjs"), path], { encoding: "utf8" });
  return { line: run.stdout.trim(), code: run.status };
}

const passed = (n: number) => Array.from({ length: n }, () => ({ status: "passed" as const }));

describe(".ci/summary.mjs", () => {
  it("counts a failed test once, not again for its file", () => {
    const files: File[] = [
      { name: "a.test.ts", status: "failed", assertionResults: [...passed(3), { status: "failed" }] },
      { name: "b.test.ts", status: "passed", assertionResults: [...passed(2), { status: "pending" }] },
    ];
    expect(summary(report(files))).toEqual({ line: "5 passed, 1 failed, 1 skipped", code: 1 });
  });

  it("counts a file that failed to load (no test ran in it) as one failure", () => {
    const files: File[] = [
      { name: "a.test.ts", status: "passed", assertionResults: passed(4) },
      { name: "broken.test.ts", status: "failed", message: "Failed to load url ./missing.js", assertionResults: [] },
    ];
    expect(summary(report(files))).toEqual({ line: "4 passed, 1 failed", code: 1 });
  });

  it("passes a clean run, and fails an empty one or a missing report", () => {
    expect(summary(report([{ name: "a.test.ts", status: "passed", assertionResults: passed(2) }]))).toEqual({ line: "2 passed, 0 failed", code: 0 });
    expect(summary(report([]))).toEqual({ line: "0 passed, 0 failed", code: 1 });
    expect(summary(undefined, "missing.json")).toEqual({ line: "0 passed, 1 failed", code: 1 });
  });
});
