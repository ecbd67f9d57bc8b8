import { Queue, type ConnectionOptions } from "bullmq";
import { env } from "../config/env";
import type { QueueDefinition } from "./define-queue";
import type { z } from "zod";

/** Connection options for producers: fail fast so that an HTTP request errors instead of hanging when Redis is down. */
export function producerConnection(): ConnectionOptions {
  return { url: env().REDIS_URL, enableOfflineQueue: false, maxRetriesPerRequest: 1 };
}

/** Connection options for workers: wait for Redis to come back rather than give up. */
export function workerConnection(): ConnectionOptions {
  return { url: env().REDIS_URL, maxRetriesPerRequest: null };
}

const cache = globalThis as typeof globalThis & { flexguardQueues?: Map<string, Queue> };

/** One cached producer Queue per queue name. */
export function producer<N extends string, P extends z.ZodType>(q: QueueDefinition<N, P>): Queue {
  const queues = (cache.flexguardQueues ??= new Map());
  let queue = queues.get(q.name);
  if (!queue) {
    queue = new Queue(q.name, { connection: producerConnection(), prefix: env().QUEUE_PREFIX });
    // Without a listener an unreachable Redis is an unhandled 'error' event; callers see the failure on add().
    queue.on("error", () => {});
    queues.set(q.name, queue);
  }
  return queue;
}

/** Closes every producer queue this process opened. */
export async function closeProducers(): Promise<void> {
  const queues = cache.flexguardQueues;
  cache.flexguardQueues = undefined;
  await Promise.all([...(queues?.values() ?? [])].map((q) => q.close()));
}
