// npm test: the whole suite, in order: lint, typecheck, unit, integration (real Postgres, Redis, emulator),
// end-to-end (real app in Chromium). Every stage runs even if an earlier one failed, so one run shows
// everything that is wrong; the last line counts the tests.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { openapiMissing } from "../tests/support/openapi.ts";

const bin = (name: string) => path.join("node_modules", ".bin", name);
mkdirSync("test-results", { recursive: true });

interface Stage {
  name: string;
  command: string;
  args: string[];
  report?: string;
  count?: (report: unknown) => { passed: number; failed: number };
}

const vitestCount = (r: unknown) => {
  const report = r as { numPassedTests: number; numFailedTests: number };
  return { passed: report.numPassedTests, failed: report.numFailedTests };
};
const vitest = (project: string): Stage => ({
  name: project,
  command: bin("vitest"),
  args: ["run", "--project", project, "--reporter=default", "--reporter=json", `--outputFile.json=test-results/${project}.json`],
  report: `test-results/${project}.json`,
  count: vitestCount,
});

const stages: Stage[] = [
  { name: "lint", command: bin("eslint"), args: ["."] },
  { name: "typecheck", command: bin("tsc"), args: ["--noEmit"] },
  vitest("unit"),
  vitest("integration"),
  {
    name: "e2e",
    command: bin("playwright"),
    args: ["test"],
    report: "test-results/e2e-report.json",
    count: (r) => {
      const stats = (r as { stats: { expected: number; unexpected: number; flaky: number } }).stats;
      return { passed: stats.expected + stats.flaky, failed: stats.unexpected };
    },
  },
];

const only = process.argv.slice(2);
let passed = 0;
let failed = 0;
const failedStages: string[] = [];
for (const stage of stages.filter((s) => only.length === 0 || only.includes(s.name))) {
  console.log(`\n=== ${stage.name} ===`);
  if (stage.report) rmSync(stage.report, { force: true });
  const result = spawnSync(stage.command, stage.args, { stdio: "inherit", env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" } });
  if (result.status !== 0) failedStages.push(stage.name);
  if (stage.report && stage.count) {
    if (existsSync(stage.report)) {
      const counts = stage.count(JSON.parse(readFileSync(stage.report, "utf8")));
      passed += counts.passed;
      failed += counts.failed;
    } else if (result.status !== 0) failed += 1; // the runner died before reporting: count the stage as a failure
  }
}

const notRun = openapiMissing();
if (notRun) console.log(`\nNOT RUN: ${notRun}`);
console.log(`\n${failedStages.length ? `Failed stages: ${failedStages.join(", ")}` : "All stages passed"}`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failedStages.length ? 1 : 0);
