import { z } from "zod";
import { defineQueue } from "./define-queue";

/** Evaluates the whole fleet against the rules for one EvaluationRun row. */
export const evaluateQueue = defineQueue({
  name: "evaluate",
  payload: z.strictObject({ runId: z.uuid() }),
  jobId: ({ runId }) => `evaluate-${runId}`,
  jobOptions: { attempts: 3, backoff: { type: "exponential", delay: 5_000 }, removeOnComplete: { count: 1_000 }, removeOnFail: { count: 10_000 } },
  // One evaluation at a time per worker; the run rows keep two workers from doing the same run.
  concurrency: 1,
});
export type EvaluateJob = z.infer<typeof evaluateQueue.payload>;
