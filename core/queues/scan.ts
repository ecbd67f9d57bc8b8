import { z } from "zod";
import { defineQueue } from "./define-queue";

/** Inventories the configured Azure scope for one Scan row. */
export const scanQueue = defineQueue({
  name: "scan",
  payload: z.strictObject({ scanId: z.uuid() }),
  jobId: ({ scanId }) => `scan-${scanId}`,
  jobOptions: {
    attempts: 3,
    backoff: { type: "exponential", delay: 5_000 },
    removeOnComplete: { count: 1_000 },
    removeOnFail: { count: 10_000 },
  },
  // Two scans never run at once: the scan itself also takes a Postgres advisory lock.
  concurrency: 1,
});
export type ScanJob = z.infer<typeof scanQueue.payload>;
