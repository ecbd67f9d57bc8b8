import { z } from "zod";
import { defineQueue } from "./define-queue";
import { env } from "../config/env";

/** Delivers one recorded webhook_delivery row; every attempt is recorded, failures retry with exponential backoff (longer when the endpoint sent Retry-After). */
export const webhookDeliveryQueue = defineQueue({
  name: "webhook-delivery",
  payload: z.strictObject({ deliveryId: z.uuid() }),
  jobId: ({ deliveryId }) => `webhook-delivery-${deliveryId}`,
  get jobOptions() {
    return {
      attempts: env().WEBHOOK_MAX_ATTEMPTS,
      backoff: { type: "retryAfter", delay: env().WEBHOOK_RETRY_BASE_MS },
      removeOnComplete: { count: 1_000 },
      removeOnFail: { count: 10_000 },
    };
  },
  concurrency: 8,
});
export type WebhookDeliveryJob = z.infer<typeof webhookDeliveryQueue.payload>;

/** Fired hourly by the BullMQ job scheduler: warns about expiring exemptions and re-enqueues deliveries Redis lost. */
export const notificationScheduleQueue = defineQueue({
  name: "notification-schedule",
  payload: z.strictObject({}),
  jobId: () => "notification-schedule",
  jobOptions: { attempts: 1, removeOnComplete: { count: 100 }, removeOnFail: { count: 1_000 } },
  concurrency: 1,
});
