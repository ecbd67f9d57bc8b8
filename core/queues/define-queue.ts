import type { BackoffStrategy, JobsOptions } from "bullmq";
import type { z } from "zod";

/** Everything about one queue, in one place: its name, payload contract, dedup rule, retry policy and concurrency. */
export interface QueueDefinition<Name extends string, Payload extends z.ZodType> {
  /** A Redis key segment: kebab-case, never ":". */
  name: Name;
  /** Checked on enqueue and again on dequeue. Payloads carry our row ids only, never secrets. */
  payload: Payload;
  /** Same work, same id: BullMQ drops the duplicate while the first is still in Redis. */
  jobId: (payload: z.infer<Payload>) => string;
  jobOptions: JobsOptions;
  /** Jobs one worker process runs at once for this queue. */
  concurrency: number;
}

export const defineQueue = <N extends string, P extends z.ZodType>(q: QueueDefinition<N, P>): QueueDefinition<N, P> => q;

/**
 * Backoff type "retryAfter": exponential from the queue's delay, but never sooner than the failed attempt was told to
 * wait (an error whose opts.details.retryAfterMs carries a Retry-After). Queues opt in with
 * `backoff: { type: "retryAfter", delay }`; the one Worker builder (worker/run-queue.ts) installs it.
 */
export const retryAfterBackoff: BackoffStrategy = (attemptsMade, type, err, job) => {
  const backoff = job?.opts.backoff;
  const delay = typeof backoff === "object" ? (backoff.delay ?? 0) : (backoff ?? 0);
  const exponential = Math.round(2 ** Math.max(0, attemptsMade - 1) * delay);
  if (type !== "retryAfter") return exponential;
  const asked = (err as { opts?: { details?: { retryAfterMs?: unknown } } } | undefined)?.opts?.details?.retryAfterMs;
  return typeof asked === "number" && Number.isFinite(asked) ? Math.max(exponential, asked) : exponential;
};
