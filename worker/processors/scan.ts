// Queue "scan": inventories the configured Azure scope for one Scan row.
import { runScan } from "@/core/inventory/run-scan";
import { scanQueue } from "@/core/queues";
import { runQueue } from "../run-queue";

export const startScanProcessor = () =>
  runQueue(scanQueue, ({ scanId }, job) =>
    runScan(scanId, { attempt: job.attemptsMade + 1, maxAttempts: job.opts.attempts ?? 1 }),
  );
