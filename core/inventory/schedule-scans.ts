import { env } from "../config/env";
import { producer, scanScheduleQueue } from "../queues";

const SCHEDULER_ID = "scheduled-scan";

/** Keeps the BullMQ job scheduler in step with SCAN_INTERVAL_MINUTES (0 removes it). Idempotent across workers. */
export async function scheduleScans(): Promise<number> {
  const minutes = env().SCAN_INTERVAL_MINUTES;
  const queue = producer(scanScheduleQueue);
  if (minutes === 0) {
    await queue.removeJobScheduler(SCHEDULER_ID);
    return 0;
  }
  await queue.upsertJobScheduler(SCHEDULER_ID, { every: minutes * 60_000 }, { name: scanScheduleQueue.name, data: {}, opts: scanScheduleQueue.jobOptions });
  return minutes;
}
