// Benchmark scan-quota: the scan-100k fleet with the emulator's Resource Graph quota on (Azure's default: 15
// queries per principal per 5-second window). The scan should take no more than 1.15x the time the quota itself
// allows for the queries it sends, and receive no 429: it paces itself by the quota headers instead of retrying.
import { reportFigure, runBench } from "./harness";
import { emulatorStats, resetEmulatorStats, startScanBenchStack, timedScan } from "./scan-support";

const QUERIES_PER_WINDOW = 15;
const WINDOW_SECONDS = 5;
/** The least time N queries take under the quota: the first window's queries go at once, then one window per 15. */
const quotaAllows = (queries: number) => Math.max(0, Math.ceil(queries / QUERIES_PER_WINDOW) - 1) * WINDOW_SECONDS;

const stack = await startScanBenchStack("scan-quota", { servers: 100_000, subscriptions: 200 }, ["--limits", "on"], { queues: "scan,scan-part" });
process.exitCode = 1;
try {
  const throttled: number[] = [];
  const queries: number[] = [];
  const result = await runBench({
    name: "scan-quota",
    metric: "timeOverQuotaBound",
    unit: "x",
    bound: 1.15,
    lowerIsBetter: true,
    repeats: 3,
    async sample(i) {
      await resetEmulatorStats(stack.target);
      const scan = await timedScan();
      if (scan.status !== "SUCCEEDED") throw new Error(`scan ${i + 1} ended ${scan.status}: ${scan.error}`);
      const stats = await emulatorStats(stack.target);
      const graphQueries = stats.requests.byOperation["ResourceGraph.Resources"] ?? 0;
      const allowed = quotaAllows(graphQueries);
      throttled.push(stats.requests.throttled);
      queries.push(graphQueries);
      console.log(`  scan ${i + 1}: ${scan.seconds.toFixed(1)} s for ${graphQueries} Resource Graph queries; the quota allows ${allowed} s; 429s received: ${stats.requests.throttled}`);
      return scan.seconds / allowed;
    },
    extra: () => ({ queriesPerScan: queries.join("/"), throttledPerScan: throttled.join("/") }),
  });
  const no429 = reportFigure({ name: "scan-quota", metric: "responses429", unit: "", bound: 0, value: Math.max(...throttled), lowerIsBetter: true });
  process.exitCode = result.ok && no429 ? 0 : 1;
} finally {
  await stack.teardown();
}
process.exit();
