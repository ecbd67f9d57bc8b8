// Benchmark evaluate-job: the whole evaluation job (read inventory, evaluate, write changed verdicts and daily
// aggregates) for 100,000 servers against 50 rules, in the real worker process. Bounds: 20 s when every verdict
// changes (each rule's revision bumped), 8 s when nothing changed since the last run. Medians of 3.
import { median, reportFigure } from "./harness";
import { startScanBenchStack, timedScan } from "./scan-support";

const stack = await startScanBenchStack("evaluate-job", { servers: 100_000, subscriptions: 200 }, ["--limits", "off"]);
process.exitCode = 1;
try {
  const { db } = await import("@/core/db/client");
  const { requestEvaluation } = await import("@/core/evaluation/request-evaluation");
  const { waitForEvaluation } = await import("@/core/evaluation/wait-for-evaluation");
  const { protectionRuleSchema } = await import("@/core/rules/schemas");

  const regions = ["westeurope", "northeurope", "eastus", "eastus2", "westus2", "uksouth", "francecentral", "japaneast", "canadacentral", "australiaeast"];
  const environments = ["prod", "staging", "dev", "test"];
  for (let n = 0; n < 50; n++) {
    const last = n === 49;
    const scope = last
      ? {}
      : n % 3 === 0
        ? { regions: [regions[n % regions.length]!], tags: [{ key: "environment", operator: "equals", value: environments[n % 4] }] }
        : n % 3 === 1
          ? { resourceGroups: [`rg-*-${environments[n % 4]}-*`], postgresVersions: ["14", "15", "16"] }
          : { serverNames: [`psql-*-${environments[n % 4]}-*`], tags: [{ key: "dataClassification", operator: "in", values: ["Confidential", "Highly Confidential"] }] };
    const definition = protectionRuleSchema.parse({
      name: last ? "Default" : `rule-${n}`,
      order: last ? 100_000 : n * 10,
      mode: "enforce",
      scope,
      exclusions: n % 5 === 0 && !last ? [{ tags: [{ key: "environment", operator: "equals", value: "test" }] }] : [],
      requirement: {
        vault: { kind: "matchInRegion", nameGlob: "*" },
        policy: { kind: "constraints", minRetention: n % 4 === 0 ? "P6M" : "P3M", maxBackupInterval: "P1W" },
        roleAssignment: n % 2 === 0 ? "assign" : "templateOnly",
      },
    });
    await db().protectionRule.create({ data: { name: definition.name, order: definition.order, mode: definition.mode, definition, updatedBy: "bench" } });
  }

  const scan = await timedScan();
  if (scan.status !== "SUCCEEDED") throw new Error(`scan ended ${scan.status}: ${scan.error}`);
  console.log(`scan: ${scan.seconds.toFixed(1)} s, ${JSON.stringify(scan.counts)}`);
  const seconds = async (runId: string) => {
    const run = await waitForEvaluation(runId, { timeoutMs: 10 * 60_000, intervalMs: 100 });
    if (run.status !== "SUCCEEDED") throw new Error(`evaluation ${run.id} ${run.status}: ${run.error}`);
    // The worker logs where the time went (with BENCH_LOG_LEVEL=info).
    const executions = stack.worker.output.filter((l) => l.includes("evaluation phases") && l.includes(run.id));
    // More than one line means the job ran again (a stalled job is retried); the figures would not be one run's.
    if (executions.length > 1) console.log(`    WARNING: run ${run.id} was executed ${executions.length} times`);
    const phases = executions.pop();
    if (phases) console.log(`    phases: ${phases.replace(/.*"servers"/, '{"servers"')}`);
    return { s: (run.finishedAt!.getTime() - run.startedAt!.getTime()) / 1000, changed: run.changed, servers: run.servers, counts: run.counts };
  };
  // The scan's own evaluation writes every verdict for the first time.
  // The scan requests it right after it closes: wait for the row.
  let firstRun = await db().evaluationRun.findFirst({ where: { trigger: "scan" } });
  for (let i = 0; !firstRun && i < 100; i++) {
    await new Promise((r) => setTimeout(r, 100));
    firstRun = await db().evaluationRun.findFirst({ where: { trigger: "scan" } });
  }
  if (!firstRun) throw new Error("the scan did not request an evaluation");
  const first = await seconds(firstRun.id);
  console.log(`first evaluation: ${first.s.toFixed(2)} s, ${first.changed} of ${first.servers} verdicts written; states ${JSON.stringify(first.counts)}`);

  const allChanged: number[] = [];
  for (let i = 0; i < 3; i++) {
    await db().protectionRule.updateMany({ data: { revision: { increment: 1 } } });
    const r = await seconds((await requestEvaluation("bench")).runId);
    console.log(`  every rule's revision bumped: ${r.s.toFixed(2)} s, ${r.changed} verdicts rewritten`);
    if (r.changed !== r.servers) console.log(`    WARNING: expected all ${r.servers} verdicts rewritten`);
    allChanged.push(r.s);
  }
  const unchanged: number[] = [];
  for (let i = 0; i < 3; i++) {
    const r = await seconds((await requestEvaluation("bench")).runId);
    console.log(`  nothing changed: ${r.s.toFixed(2)} s, ${r.changed} verdicts rewritten`);
    unchanged.push(r.s);
  }
  const a = reportFigure({ name: "evaluate-job", metric: "allVerdictsChanged", unit: "s", bound: 20, value: median(allChanged), lowerIsBetter: true });
  const b = reportFigure({ name: "evaluate-job", metric: "nothingChanged", unit: "s", bound: 8, value: median(unchanged), lowerIsBetter: true });
  process.exitCode = a && b ? 0 : 1;
} finally {
  await stack.teardown();
}
process.exit();
