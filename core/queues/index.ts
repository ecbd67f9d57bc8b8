// The one place that lists Flexguard's queues; the worker runs one processor for each.
export { defineQueue, retryAfterBackoff, type QueueDefinition } from "./define-queue";
export { scanQueue, scanPartQueue, scanScheduleQueue, type ScanJob, type ScanPartJob } from "./scan";
export { evaluateQueue, type EvaluateJob } from "./evaluate";
export { webhookDeliveryQueue, notificationScheduleQueue, type WebhookDeliveryJob } from "./webhook-delivery";
export { remediateItemQueue, remediationReconcileQueue, type RemediateItemJob } from "./remediation";
export { enqueue, enqueueMany } from "./enqueue";
export { producer, closeProducers, workerConnection, producerConnection } from "./connection";

import { scanQueue, scanPartQueue, scanScheduleQueue } from "./scan";
import { evaluateQueue } from "./evaluate";
import { webhookDeliveryQueue, notificationScheduleQueue } from "./webhook-delivery";
import { remediateItemQueue, remediationReconcileQueue } from "./remediation";
export const allQueues = [scanQueue, scanPartQueue, scanScheduleQueue, evaluateQueue, webhookDeliveryQueue, notificationScheduleQueue, remediateItemQueue, remediationReconcileQueue] as const;
