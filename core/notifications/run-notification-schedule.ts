// The hourly notification job: announces exemptions about to expire, and re-enqueues deliveries whose job Redis lost.
import { env } from "../config/env";
import { db } from "../db/client";
import { toExemptionView } from "../exemptions/exemption-store";
import { listExpiringExemptions } from "../exemptions/list-expiring-exemptions";
import type { ExemptionTarget } from "../exemptions/schemas";
import { log } from "../log";
import { enqueueMany } from "../queues/enqueue";
import { webhookDeliveryQueue } from "../queues/webhook-delivery";
import { MAX_LISTED } from "./events";
import { notify } from "./notify";

const describeTarget = (t: ExemptionTarget): string =>
  t.kind === "server"
    ? `server ${t.serverArmId.split("/").pop()}`
    : t.kind === "resourceGroup"
      ? `resource group ${t.resourceGroup} (${t.subscriptionId})`
      : t.kind === "subscription"
        ? `subscription ${t.subscriptionId}`
        : `tag ${t.key}${t.value === undefined ? "" : `=${t.value}`}`;

/** Announces the exemptions in force that expire within EXEMPTION_EXPIRY_WARNING (once per set, see dedupeKey). */
export async function notifyExpiringExemptions(now = new Date()): Promise<number> {
  const within = env().EXEMPTION_EXPIRY_WARNING;
  const rows = await db().exemption.findMany({ where: { revokedAt: null, expiresAt: { gt: now } }, orderBy: [{ expiresAt: "asc" }, { id: "asc" }] });
  const expiring = listExpiringExemptions({ exemptions: rows.map((r) => toExemptionView(r, now)), now, within });
  if (expiring.length === 0) return 0;
  await notify({
    type: "exemptions.expiring",
    within,
    count: expiring.length,
    exemptions: expiring.slice(0, MAX_LISTED).map((e) => ({ id: e.id, target: describeTarget(e.target), reason: e.justification.slice(0, 200), expiresAt: e.expiresAt.toISOString() })),
  });
  return expiring.length;
}

/** Pending deliveries older than a few minutes whose job is gone (Redis lost it, or the enqueue failed) are queued again. */
export async function requeueStrandedDeliveries(olderThanMs = 5 * 60_000): Promise<number> {
  const stranded = await db().webhookDelivery.findMany({
    where: { status: "pending", createdAt: { lt: new Date(Date.now() - olderThanMs) } },
    select: { id: true },
    take: 1_000,
  });
  // Same job id as the first enqueue: a delivery whose job is still waiting or retrying is not queued twice.
  await enqueueMany(webhookDeliveryQueue, stranded.map((d) => ({ deliveryId: d.id })));
  return stranded.length;
}

export async function runNotificationSchedule(): Promise<{ expiring: number; requeued: number }> {
  const expiring = await notifyExpiringExemptions();
  const requeued = await requeueStrandedDeliveries();
  log().info({ expiring, requeued }, "notification schedule ran");
  return { expiring, requeued };
}
