// Prints the plain "N passed, N failed" line CI reads, from vitest's JSON report.
// Contract tests run inside vitest too, so this sums every test that ran.
import { existsSync, readFileSync } from "node:fs";

const file = process.argv[2] ?? "reports/vitest.json";
if (!existsSync(file)) {
  console.log("0 passed, 1 failed");
  process.exit(1);
}
const report = JSON.parse(readFileSync(file, "utf8"));
const failed = report.numFailedTests + (report.numFailedTestSuites ?? 0) - countSuitesWithFailedTests(report);
const skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
console.log(`${report.numPassedTests} passed, ${failed} failed` + (skipped ? `, ${skipped} skipped` : ""));
process.exit(failed > 0 || report.numPassedTests === 0 ? 1 : 0);

// A suite that failed to load has no failed tests of its own; count it once as a failure.
function countSuitesWithFailedTests(r) {
  return (r.testResults ?? []).filter((s) => s.status === "failed" && s.assertionResults?.some((a) => a.status === "failed")).length;
}
