import { z } from "zod";
import { defineQueue } from "./define-queue";

/**
 * Executes one remediation item. The job id carries the item's dispatch count, so a re-dispatch after a retry is a
 * new job while the reconciler's re-enqueue of a lost job is the same one (dropped if the job is still in Redis).
 * Finished jobs are removed: Postgres keeps the history, and a kept job would block a later re-enqueue.
 */
export const remediateItemQueue = defineQueue({
  name: "remediate-item",
  payload: z.strictObject({ planId: z.uuid(), itemId: z.uuid(), dispatch: z.number().int().min(1) }),
  jobId: ({ itemId, dispatch }) => `item-${itemId}-${dispatch}`,
  // Failures are recorded on the item by the processor; a thrown error means Postgres or Redis was unreachable.
  jobOptions: { attempts: 5, backoff: { type: "exponential", delay: 2_000 }, removeOnComplete: true, removeOnFail: true },
  // Items mostly wait on Azure; the plan's own concurrency (up to 500) is what limits them.
  concurrency: 500,
});
export type RemediateItemJob = z.infer<typeof remediateItemQueue.payload>;

/** Fired every REMEDIATION_RECONCILE_SECONDS and at worker start: rebuilds lost work of running plans from Postgres. */
export const remediationReconcileQueue = defineQueue({
  name: "remediation-reconcile",
  payload: z.strictObject({}),
  jobId: () => "remediation-reconcile",
  jobOptions: { attempts: 1, removeOnComplete: true, removeOnFail: true },
  concurrency: 1,
});
