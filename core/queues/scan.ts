import { z } from "zod";
import { defineQueue } from "./define-queue";
import { env } from "../config/env";

const retention = { removeOnComplete: { count: 1_000 }, removeOnFail: { count: 10_000 } };

/** Starts one Scan: resolves the subscriptions in scope and fans out one scan-part job per group. */
export const scanQueue = defineQueue({
  name: "scan",
  payload: z.strictObject({ scanId: z.uuid() }),
  jobId: ({ scanId }) => `scan-${scanId}`,
  jobOptions: { attempts: 3, backoff: { type: "exponential", delay: 5_000 }, ...retention },
  concurrency: 1,
});
export type ScanJob = z.infer<typeof scanQueue.payload>;

/** Inventories one group of subscriptions of a scan. */
export const scanPartQueue = defineQueue({
  name: "scan-part",
  payload: z.strictObject({ scanId: z.uuid(), partId: z.uuid() }),
  jobId: ({ partId }) => `scan-part-${partId}`,
  jobOptions: { attempts: 3, backoff: { type: "exponential", delay: 5_000 }, ...retention },
  get concurrency() {
    return env().SCAN_CONCURRENCY;
  },
});
export type ScanPartJob = z.infer<typeof scanPartQueue.payload>;

/** Fired by the BullMQ job scheduler every SCAN_INTERVAL_MINUTES; its processor requests a scan. */
export const scanScheduleQueue = defineQueue({
  name: "scan-schedule",
  payload: z.strictObject({}),
  jobId: () => "scan-schedule",
  jobOptions: { attempts: 1, ...retention },
  concurrency: 1,
});
