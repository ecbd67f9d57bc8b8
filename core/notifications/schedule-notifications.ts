import { producer } from "../queues/connection";
import { notificationScheduleQueue } from "../queues/webhook-delivery";

const SCHEDULER_ID = "notification-schedule";

/** Keeps the hourly notification job scheduled (expiring exemptions, stranded deliveries). Idempotent across workers. */
export async function scheduleNotifications(everyMs = 60 * 60_000): Promise<void> {
  await producer(notificationScheduleQueue).upsertJobScheduler(SCHEDULER_ID, { every: everyMs }, { name: notificationScheduleQueue.name, data: {}, opts: notificationScheduleQueue.jobOptions });
}
