import { UnrecoverableError, Worker, type Job } from "bullmq";
import type { z } from "zod";
import { env } from "@/core/config/env";
import { AppError } from "@/core/errors";
import { log, withLogContext } from "@/core/log";
import { metrics } from "@/core/metrics/registry";
import { retryAfterBackoff, workerConnection, type QueueDefinition } from "@/core/queues";
import { withKeyedSpan, withSpan } from "@/core/tracing/tracing";

// Payload fields that name the work a job belongs to; every log line of the job carries them.
const ID_FIELDS = ["scanId", "partId", "runId", "planId", "itemId", "deliveryId"] as const;

// Queues whose jobs are one trace per row: the queue whose job starts the trace, keyed by which payload id.
const TRACE_KEYS: Record<string, { key: string; root: boolean }> = {
  scan: { key: "scanId", root: true },
  "scan-part": { key: "scanId", root: false },
  "remediate-item": { key: "itemId", root: true },
};

// Only the first run of the job that starts a trace is its root; retries and re-dispatches become children.
const isFirstRun = (job: Job, payload: Record<string, unknown>) => job.attemptsMade === 0 && (payload.dispatch === undefined || payload.dispatch === 1);

/** The only place that builds a BullMQ Worker: payload checks, retry classification, logging, metrics and spans for every queue. */
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
      const payload = parsed.data as Record<string, unknown>;
      const ids = Object.fromEntries(ID_FIELDS.filter((f) => typeof payload[f] === "string").map((f) => [f, payload[f]]));
      const attempt = job.attemptsMade + 1;
      const started = performance.now();
      let outcome = "failed";
      try {
        const traced = TRACE_KEYS[q.name];
        const key = traced ? (payload[traced.key] as string | undefined) : undefined;
        const attributes = { "flexguard.queue": q.name, "flexguard.job_id": job.id, "flexguard.attempt": attempt, ...ids };
        const run = () => handle(parsed.data, job);
        const result = await withLogContext({ queue: q.name, jobId: job.id, attempt, ...ids }, () =>
          key ? withKeyedSpan(key, traced!.root && isFirstRun(job, payload), `${q.name} job`, attributes, run) : withSpan(`${q.name} job`, attributes, run),
        );
        outcome = "completed";
        return result;
      } catch (err) {
        if (err instanceof AppError && !err.retryable) throw new UnrecoverableError(`${err.code}: ${err.message}`);
        throw err; // transient (throttling, 5xx, lost connection): BullMQ retries with the queue's backoff
      } finally {
        metrics().jobDuration.observe({ queue: q.name, outcome }, (performance.now() - started) / 1000);
      }
    },
    { connection: workerConnection(), prefix: env().QUEUE_PREFIX, concurrency: q.concurrency, settings: { backoffStrategy: retryAfterBackoff } },
  );
  worker.on("failed", (job, err) => log().warn({ queue: q.name, jobId: job?.id, attempt: job?.attemptsMade, err: err.message }, "job failed"));
  worker.on("error", (err) => log().error({ queue: q.name, err: err.message }, "worker error"));
  return worker;
}
