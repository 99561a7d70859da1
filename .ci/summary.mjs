// Prints vitest's JSON report as the plain closing line CI reads: `N passed, N failed`
// (and `, N skipped`). A missing or empty report is a failure, never "0 passed, 0 failed".
// Failed counts tests, not tests plus the files they are in: a file that failed with no
// failed test in it (it did not load, or a hook failed) counts as one failure, so a run
// where nothing could even start still fails.
import { readFileSync } from "node:fs";

let report;
try {
  report = JSON.parse(readFileSync(process.argv[2] ?? ".ci/results.json", "utf8"));
} catch (error) {
  console.error(`ci: no test report (${error.message})`);
  console.log("0 passed, 1 failed");
  process.exit(1);
}
const files = Array.isArray(report.testResults) ? report.testResults : [];
const brokenFiles = files.filter((file) => file.status === "failed" && !(file.assertionResults ?? []).some((test) => test.status === "failed"));
for (const file of brokenFiles) console.error(`ci: ${file.name ?? "a test file"} failed outside its tests${file.message ? `: ${String(file.message).split("\n")[0]}` : ""}`);
// A report without the file list still counts its failed files, as before.
const unlisted = files.length === 0 ? Math.max(0, (report.numFailedTestSuites ?? 0) - (report.numFailedTests ?? 0)) : 0;
const passed = report.numPassedTests ?? 0;
const failed = (report.numFailedTests ?? 0) + brokenFiles.length + unlisted;
const skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
console.log(`${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ""}`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
