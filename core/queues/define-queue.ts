import type { JobsOptions } from "bullmq";
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
