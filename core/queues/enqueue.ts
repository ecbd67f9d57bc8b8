import type { JobsOptions } from "bullmq";
import type { z } from "zod";
import type { QueueDefinition } from "./define-queue";
import { producer } from "./connection";

/** Validates a payload and adds it as a job with the queue's options (plus `extra`, e.g. a delay) and deduplicating job id. */
export async function enqueue<N extends string, P extends z.ZodType>(q: QueueDefinition<N, P>, input: z.input<P>, extra: Pick<JobsOptions, "delay" | "priority"> = {}) {
  const data = q.payload.parse(input) as z.infer<P>;
  return producer(q).add(q.name, data, { ...q.jobOptions, ...extra, jobId: q.jobId(data) });
}

/** Validates and adds many jobs in one round trip. */
export async function enqueueMany<N extends string, P extends z.ZodType>(q: QueueDefinition<N, P>, inputs: z.input<P>[]) {
  if (inputs.length === 0) return [];
  const jobs = inputs.map((input) => {
    const data = q.payload.parse(input) as z.infer<P>;
    return { name: q.name, data, opts: { ...q.jobOptions, jobId: q.jobId(data) } };
  });
  return producer(q).addBulk(jobs);
}
