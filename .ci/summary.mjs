// Prints vitest's JSON report as the plain closing line CI reads: `N passed, N failed`
// (and `, N skipped`). A missing or empty report is a failure, never "0 passed, 0 failed".
import { readFileSync } from "node:fs";

let report;
try {
  report = JSON.parse(readFileSync(process.argv[2] ?? ".ci/results.json", "utf8"));
} catch (error) {
  console.error(`ci: no test report (${error.message})`);
  console.log("0 passed, 1 failed");
  process.exit(1);
}
const passed = report.numPassedTests ?? 0;
const failed = (report.numFailedTests ?? 0) + (report.numFailedTestSuites ?? 0);
const skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
console.log(`${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ""}`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
