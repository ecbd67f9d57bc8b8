// Webhook administration (admins only, every change audited): the secret is shown once, at creation or rotation.
import { randomBytes } from "node:crypto";
import { recordAudit } from "../audit/record-audit";
import { authorize, type Actor } from "../auth/actor";
import { db } from "../db/client";
import type { Webhook } from "../db/generated/client";
import { AppError } from "../errors";
import { deliverWebhook } from "./deliver-webhook";
import { dedupeKey, type WebhookTestEvent } from "./events";
import type { NotificationEnvelope } from "./notify";
import { createWebhookSchema, listDeliveriesSchema, updateWebhookSchema, type CreateWebhookInput, type UpdateWebhookInput } from "./schemas";
import type { Prisma } from "../db/client";

const newSecret = () => `whsec_${randomBytes(32).toString("base64url")}`;

/** A webhook as the API shows it: never the secret, and the URL without its path (Slack and Teams URLs carry a key there). */
export interface WebhookView {
  id: string;
  name: string;
  urlPreview: string;
  format: string;
  events: string[];
  enabled: boolean;
  createdBy: string;
  createdAt: Date;
  lastDelivery: { status: string; at: Date; lastStatusCode: number | null; lastError: string | null } | null;
}

export function previewUrl(url: string): string {
  const u = new URL(url);
  return `${u.protocol}//${u.host}${u.pathname === "/" ? "/" : "/…"}`;
}

function view(w: Webhook, last?: { status: string; createdAt: Date; lastStatusCode: number | null; lastError: string | null } | null): WebhookView {
  return {
    id: w.id,
    name: w.name,
    urlPreview: previewUrl(w.url),
    format: w.format,
    events: w.events,
    enabled: w.enabled,
    createdBy: w.createdBy,
    createdAt: w.createdAt,
    lastDelivery: last ? { status: last.status, at: last.createdAt, lastStatusCode: last.lastStatusCode, lastError: last.lastError } : null,
  };
}

const audited = (w: Webhook) => ({ name: w.name, url: previewUrl(w.url), format: w.format, events: w.events, enabled: w.enabled });

async function findOrThrow(id: string): Promise<Webhook> {
  const w = await db().webhook.findUnique({ where: { id } });
  if (!w) throw new AppError("NOT_FOUND", `Webhook ${id} does not exist`);
  return w;
}

const uniqueName = (err: unknown, name: string | undefined) => {
  if ((err as { code?: string }).code === "P2002") return new AppError("CONFLICT", `A webhook named "${name}" already exists`);
  return err;
};

export async function listWebhooks(actor: Actor): Promise<WebhookView[]> {
  authorize(actor, "settings:write");
  const hooks = await db().webhook.findMany({ orderBy: { name: "asc" }, include: { deliveries: { orderBy: { createdAt: "desc" }, take: 1 } } });
  return hooks.map((h) => view(h, h.deliveries[0]));
}

export async function getWebhook(actor: Actor, id: string): Promise<WebhookView> {
  authorize(actor, "settings:write");
  const w = await findOrThrow(id);
  const last = await db().webhookDelivery.findFirst({ where: { webhookId: id }, orderBy: { createdAt: "desc" } });
  return view(w, last);
}

/** Creates a webhook; the answer carries its signing secret, the only time it is shown. */
export async function createWebhook(actor: Actor, input: CreateWebhookInput): Promise<WebhookView & { secret: string }> {
  authorize(actor, "settings:write");
  const data = createWebhookSchema.parse(input);
  const secret = newSecret();
  try {
    const w = await db().$transaction(async (tx) => {
      const created = await tx.webhook.create({ data: { ...data, secret, createdBy: actor.label } });
      await recordAudit(actor, { action: "webhook.create", targetType: "webhook", targetId: created.id, after: audited(created) }, tx);
      return created;
    });
    return { ...view(w), secret };
  } catch (err) {
    throw uniqueName(err, data.name);
  }
}

/** Changes a webhook; with rotateSecret, a new secret is made and returned this once. */
export async function updateWebhook(actor: Actor, id: string, input: UpdateWebhookInput): Promise<WebhookView & { secret?: string }> {
  authorize(actor, "settings:write");
  const { rotateSecret, ...changes } = updateWebhookSchema.parse(input);
  const secret = rotateSecret ? newSecret() : undefined;
  try {
    const w = await db().$transaction(async (tx) => {
      const before = await tx.webhook.findUnique({ where: { id } });
      if (!before) throw new AppError("NOT_FOUND", `Webhook ${id} does not exist`);
      const after = await tx.webhook.update({ where: { id }, data: { ...changes, ...(secret ? { secret } : {}) } });
      await recordAudit(actor, { action: "webhook.update", targetType: "webhook", targetId: id, before: audited(before), after: { ...audited(after), ...(secret ? { secret: "(rotated)" } : {}) } }, tx);
      return after;
    });
    return { ...view(w), ...(secret ? { secret } : {}) };
  } catch (err) {
    throw uniqueName(err, changes.name);
  }
}

export async function deleteWebhook(actor: Actor, id: string): Promise<void> {
  authorize(actor, "settings:write");
  await db().$transaction(async (tx) => {
    const before = await tx.webhook.findUnique({ where: { id } });
    if (!before) throw new AppError("NOT_FOUND", `Webhook ${id} does not exist`);
    await tx.webhook.delete({ where: { id } });
    await recordAudit(actor, { action: "webhook.delete", targetType: "webhook", targetId: id, before: audited(before) }, tx);
  });
}

/** Sends a test notification now (one attempt, not queued) and answers what the endpoint said. */
export async function testWebhook(actor: Actor, id: string): Promise<{ delivered: boolean; statusCode: number | null; error: string | null; deliveryId: string }> {
  authorize(actor, "settings:write");
  const w = await findOrThrow(id);
  const event: WebhookTestEvent = { type: "webhook.test", webhookName: w.name, requestedBy: actor.label };
  const envelope: NotificationEnvelope = { id: crypto.randomUUID(), event: event.type, occurredAt: new Date().toISOString(), data: event };
  const delivery = await db().webhookDelivery.create({ data: { webhookId: id, event: event.type, dedupeKey: dedupeKey(event), payload: envelope as unknown as Prisma.InputJsonValue } });
  await recordAudit(actor, { action: "webhook.test", targetType: "webhook", targetId: id, details: { deliveryId: delivery.id } });
  // A test must reach the endpoint even when the webhook is disabled: that is how an admin checks it before enabling.
  await deliverWebhook(delivery.id, { attempt: 1, maxAttempts: 1 }, { ignoreDisabled: true }).catch(() => undefined);
  const after = await db().webhookDelivery.findUniqueOrThrow({ where: { id: delivery.id } });
  return { delivered: after.status === "delivered", statusCode: after.lastStatusCode, error: after.lastError, deliveryId: delivery.id };
}

/** The webhook's recent deliveries, newest first, each with its attempts. */
export async function listWebhookDeliveries(actor: Actor, id: string, input: { status?: string; limit?: number | string } = {}) {
  authorize(actor, "settings:write");
  const { status, limit } = listDeliveriesSchema.parse(input);
  await findOrThrow(id);
  const rows = await db().webhookDelivery.findMany({
    where: { webhookId: id, ...(status ? { status } : {}) },
    orderBy: { createdAt: "desc" },
    take: limit,
    include: { attemptLog: { orderBy: { attempt: "asc" }, select: { attempt: true, at: true, statusCode: true, error: true, durationMs: true } } },
  });
  return rows.map((d) => ({
    id: d.id,
    event: d.event,
    status: d.status,
    attempts: d.attempts,
    lastStatusCode: d.lastStatusCode,
    lastError: d.lastError,
    createdAt: d.createdAt,
    deliveredAt: d.deliveredAt,
    attemptLog: d.attemptLog,
  }));
}
