// Queues "webhook-delivery" and "notification-schedule": sends recorded webhook deliveries (retried with backoff),
// and hourly announces expiring exemptions and re-enqueues deliveries Redis lost.
import { deliverWebhook } from "@/core/notifications/deliver-webhook";
import { runNotificationSchedule } from "@/core/notifications/run-notification-schedule";
import { notificationScheduleQueue, webhookDeliveryQueue } from "@/core/queues";
import { runQueue } from "../run-queue";

export const startWebhookDeliveryProcessor = () =>
  runQueue(webhookDeliveryQueue, ({ deliveryId }, job) => deliverWebhook(deliveryId, { attempt: job.attemptsMade + 1, maxAttempts: job.opts.attempts ?? 1 }));

export const startNotificationScheduleProcessor = () => runQueue(notificationScheduleQueue, () => runNotificationSchedule());
