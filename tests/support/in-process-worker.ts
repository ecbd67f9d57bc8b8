// Core modules loaded lazily (after a test has pointed the configuration at its own emulator) and the real scan
// and evaluation processors run in the test process, with one call to close them and every connection again.
import type { Worker } from "bullmq";

export const loadCore = async () => ({
  ...(await import("@/core/db/client")),
  ...(await import("@/core/inventory/request-scan")),
  ...(await import("@/core/inventory/get-scan")),
  ...(await import("@/core/evaluation/request-evaluation")),
  ...(await import("@/core/evaluation/wait-for-evaluation")),
  ...(await import("@/core/evaluation/fleet-status")),
  ...(await import("@/core/auth/actor")),
  ...(await import("@/core/azure/call-log")),
  ...(await import("@/core/queues")),
});

export interface InProcessWorker {
  stop(): Promise<void>;
}

/** Starts the scan processors (and the evaluation one when asked), as the worker process would. */
export async function startInProcessWorker({ evaluate = false } = {}): Promise<InProcessWorker> {
  const scan = await import("@/worker/processors/scan");
  const workers: Worker[] = [scan.startScanProcessor(), scan.startScanPartProcessor()];
  if (evaluate) workers.push((await import("@/worker/processors/evaluate")).startEvaluateProcessor());
  return {
    async stop() {
      const core = await loadCore();
      await Promise.all(workers.map((w) => w.close()));
      await core.closeProducers();
      await core.disconnectDb();
    },
  };
}
