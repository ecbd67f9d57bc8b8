// The one place that lists Flexguard's queues; the worker runs one processor for each.
export { defineQueue, type QueueDefinition } from "./define-queue";
export { scanQueue, type ScanJob } from "./scan";
export { enqueue } from "./enqueue";
export { producer, closeProducers, workerConnection, producerConnection } from "./connection";

import { scanQueue } from "./scan";
export const allQueues = [scanQueue] as const;
