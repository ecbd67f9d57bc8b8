// Records a webhook_delivery per enabled webhook that wants the event, then queues the deliveries.
import { randomUUID } from "node:crypto";
import { db, type Prisma } from "../db/client";
import { log } from "../log";
import { enqueueMany } from "../queues/enqueue";
import { webhookDeliveryQueue } from "../queues/webhook-delivery";
import { dedupeKey, type DeliveredEvent, type NotificationEvent } from "./events";

export type { NotificationEvent, NotificationType } from "./events";

/** The JSON body of a `json` webhook, stored with the delivery so every retry sends the same thing. */
export interface NotificationEnvelope {
  id: string;
  event: DeliveredEvent["type"];
  occurredAt: string;
  data: DeliveredEvent;
}

/**
 * Records one delivery per matching enabled webhook (once per dedupe key) and enqueues them.
 * Never throws: a notification must not fail the plan submission or run that sends it. Rows are written
 * first, so a delivery whose enqueue failed (Redis down) is picked up by the notification schedule.
 */
export async function notify(event: NotificationEvent): Promise<void> {
  try {
    const hooks = await db().webhook.findMany({
      where: { enabled: true, OR: [{ events: { isEmpty: true } }, { events: { has: event.type } }] },
      select: { id: true },
    });
    if (hooks.length === 0) return;
    const key = dedupeKey(event);
    const envelope: NotificationEnvelope = { id: randomUUID(), event: event.type, occurredAt: new Date().toISOString(), data: event };
    const created = await db().webhookDelivery.createManyAndReturn({
      data: hooks.map((h) => ({ webhookId: h.id, event: event.type, dedupeKey: key, payload: envelope as unknown as Prisma.InputJsonValue })),
      skipDuplicates: true,
      select: { id: true },
    });
    await enqueueMany(webhookDeliveryQueue, created.map((d) => ({ deliveryId: d.id })));
    log().info({ event: event.type, dedupeKey: key, deliveries: created.length }, "notification queued");
  } catch (err) {
    log().error({ event: event.type, err: (err as Error).message }, "notification not queued");
  }
}
