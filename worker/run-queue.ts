import { UnrecoverableError, Worker, type Job } from "bullmq";
import type { z } from "zod";
import { env } from "@/core/config/env";
import { AppError } from "@/core/errors";
import { log } from "@/core/log";
import { workerConnection, type QueueDefinition } from "@/core/queues";

/** The only place that builds a BullMQ Worker: payload checks, retry classification and logging for every queue. */
export function runQueue<N extends string, P extends z.ZodType>(
  q: QueueDefinition<N, P>,
  handle: (payload: z.infer<P>, job: Job) => Promise<unknown>,
): Worker {
  const worker = new Worker(
    q.name,
    async (job) => {
      const parsed = q.payload.safeParse(job.data);
      // Bad data is still bad on every retry, so fail now instead of using up the attempts.
      if (!parsed.success) throw new UnrecoverableError(`${q.name}: invalid payload: ${parsed.error.message}`);
      try {
        return await handle(parsed.data, job);
      } catch (err) {
        if (err instanceof AppError && !err.retryable) throw new UnrecoverableError(`${err.code}: ${err.message}`);
        throw err; // transient (throttling, 5xx, lost connection): BullMQ retries with the queue's backoff
      }
    },
    { connection: workerConnection(), prefix: env().QUEUE_PREFIX, concurrency: q.concurrency },
  );
  worker.on("failed", (job, err) => log().warn({ queue: q.name, jobId: job?.id, attempt: job?.attemptsMade, err: err.message }, "job failed"));
  worker.on("error", (err) => log().error({ queue: q.name, err: err.message }, "worker error"));
  return worker;
}
