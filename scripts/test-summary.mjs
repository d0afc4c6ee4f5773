// Prints the plain "N passed, N failed" line CI reads, from vitest's JSON report.
// Contract tests run inside vitest too, so this sums every test that ran.
import { existsSync, readFileSync } from "node:fs";

const file = process.argv[2] ?? "reports/vitest.json";
if (!existsSync(file)) {
  console.log("0 passed, 1 failed");
  process.exit(1);
}
const report = JSON.parse(readFileSync(file, "utf8"));
// Counted per test file, not from the report's suite totals (those count every describe block too):
// a file that failed to load has no failed tests of its own, so it counts once as a failure.
let failed = 0;
for (const f of report.testResults ?? []) {
  const failedTests = (f.assertionResults ?? []).filter((a) => a.status === "failed").length;
  failed += failedTests > 0 ? failedTests : f.status === "failed" ? 1 : 0;
}
const skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
console.log(`${report.numPassedTests} passed, ${failed} failed` + (skipped ? `, ${skipped} skipped` : ""));
process.exit(failed > 0 || report.numPassedTests === 0 ? 1 : 0);
