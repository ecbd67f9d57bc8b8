// Benchmark scan-100k: a full inventory scan of 100,000 servers in 200 subscriptions against the emulator with
// its limits off, from request to committed rows. Bounds: 30 s (median of 3 scans) and worker peak RSS 400 MiB.
// The worker runs as production starts it (worker/launch.ts: the default WORKER_HEAP_MB heap limit, 512 MiB).
import { reportFigure, runBench } from "./harness";
import { startScanBenchStack } from "./scan-support";
import { timedScan } from "./scan-support";

const stack = await startScanBenchStack("scan-100k", { servers: 100_000, subscriptions: 200 }, ["--limits", "off"], { queues: "scan,scan-part" });
process.exitCode = 1;
try {
  let lastCounts: Record<string, number> = {};
  const result = await runBench({
    name: "scan-100k",
    metric: "scan",
    unit: "s",
    bound: 30,
    lowerIsBetter: true,
    repeats: 3,
    async sample(i) {
      const scan = await timedScan();
      if (scan.status !== "SUCCEEDED") throw new Error(`scan ${i + 1} ended ${scan.status}: ${scan.error}`);
      lastCounts = scan.counts;
      console.log(`  scan ${i + 1} (${i === 0 ? "empty database: inserts" : "unchanged fleet: updates"}): ${JSON.stringify(scan.counts)}`);
      return scan.seconds;
    },
    extra: () => ({ servers: lastCounts.servers ?? 0, backupInstances: lastCounts.backupInstances ?? 0, roleAssignments: lastCounts.roleAssignments ?? 0 }),
  });
  const rssOk = reportFigure({ name: "scan-100k", metric: "workerPeakRss", unit: "MiB", bound: 400, value: stack.worker.peakRssMiB(), lowerIsBetter: true });
  process.exitCode = result.ok && rssOk ? 0 : 1;
} finally {
  await stack.teardown();
}
process.exit();
