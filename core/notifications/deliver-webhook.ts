// Sends one recorded webhook delivery and records the attempt: what the endpoint answered, or why it failed.
import { env } from "../config/env";
import { db } from "../db/client";
import { AppError } from "../errors";
import { log } from "../log";
import { renderWebhookBody, type WebhookFormat } from "./format";
import type { NotificationEnvelope } from "./notify";
import { signWebhook } from "./sign";

export interface DeliveryAttempt {
  attempt: number;
  maxAttempts: number;
}

// 408 and 429 say "later"; other 4xx say the request itself is wrong, and sending it again changes nothing.
const retryableStatus = (status: number) => status === 408 || status === 429 || status >= 500;

/** Longest wait a Retry-After may impose: beyond it the queue's own backoff decides (Slack asks for seconds to minutes). */
const MAX_RETRY_AFTER_MS = 60 * 60_000;

/** Retry-After as delay-seconds or an HTTP date (RFC 9110 10.2.3), in ms from `now`; null when absent or unreadable. */
export function retryAfterMs(header: string | null, now = Date.now()): number | null {
  const text = header?.trim();
  if (!text) return null;
  // An HTTP date names its day and month in letters; anything else that is not plain digits is unreadable.
  const ms = /^\d+$/.test(text) ? Number(text) * 1000 : /^[A-Za-z]{3}, /.test(text) ? Date.parse(text) - now : NaN;
  return Number.isFinite(ms) ? Math.min(Math.max(0, ms), MAX_RETRY_AFTER_MS) : null;
}

/**
 * Delivers one webhook_delivery row. Returns when it was delivered (or has nothing left to do); throws a retryable
 * AppError for network errors, timeouts, 408, 429 and 5xx (the queue retries with backoff) and a permanent one for
 * other answers. The row always reflects the last attempt; webhook_attempt keeps each one.
 */
export async function deliverWebhook(deliveryId: string, { attempt, maxAttempts }: DeliveryAttempt, { ignoreDisabled = false } = {}): Promise<"delivered" | "skipped"> {
  const delivery = await db().webhookDelivery.findUnique({ where: { id: deliveryId }, include: { webhook: true } });
  if (!delivery || delivery.status === "delivered") return "skipped";
  const logger = log().child({ webhookId: delivery.webhookId, deliveryId, event: delivery.event, attempt });
  if (!delivery.webhook.enabled && !ignoreDisabled) {
    await db().webhookDelivery.update({ where: { id: deliveryId }, data: { status: "failed", lastError: "the webhook is disabled" } });
    return "skipped";
  }

  const body = renderWebhookBody(delivery.webhook.format as WebhookFormat, delivery.payload as unknown as NotificationEnvelope, env().AUTH_URL);
  const started = Date.now();
  let statusCode: number | null = null;
  let error: string | null = null;
  let waitMs: number | null = null;
  try {
    const res = await fetch(delivery.webhook.url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "user-agent": "Flexguard-Webhook/1",
        "x-flexguard-event": delivery.event,
        "x-flexguard-delivery": delivery.id,
        "x-flexguard-signature": signWebhook(delivery.webhook.secret, body),
      },
      body,
      // A redirect could carry the signed body somewhere the admin did not choose.
      redirect: "manual",
      signal: AbortSignal.timeout(env().WEBHOOK_TIMEOUT_SECONDS * 1000),
    });
    statusCode = res.status;
    // Slack, Teams and most gateways say when to come back on 429 and 503; the retry waits at least that long.
    if (res.status === 429 || res.status === 503) waitMs = retryAfterMs(res.headers.get("retry-after"));
    // Read (and bound) the answer so the connection is released; it is kept only as a hint in the error.
    const answer = (await res.text().catch(() => "")).slice(0, 300);
    if (res.status < 200 || res.status >= 300) error = `HTTP ${res.status}${answer ? `: ${answer}` : ""}${waitMs !== null ? ` (asked to retry after ${Math.ceil(waitMs / 1000)} s)` : ""}`;
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    error = (err as Error).name === "TimeoutError" ? `no answer within ${env().WEBHOOK_TIMEOUT_SECONDS} s` : `${cause?.code ?? (err as Error).message}${cause?.message ? `: ${cause.message}` : ""}`;
  }
  const durationMs = Date.now() - started;
  const delivered = error === null;
  const retryable = !delivered && (statusCode === null || retryableStatus(statusCode));
  const final = delivered || !retryable || attempt >= maxAttempts;

  await db().$transaction([
    db().webhookAttempt.create({ data: { deliveryId, attempt, statusCode, error, durationMs } }),
    db().webhookDelivery.update({
      where: { id: deliveryId },
      data: {
        attempts: attempt,
        lastStatusCode: statusCode,
        lastError: error,
        status: delivered ? "delivered" : final ? "failed" : "pending",
        deliveredAt: delivered ? new Date() : undefined,
      },
    }),
  ]);
  if (delivered) {
    logger.info({ statusCode, durationMs }, "webhook delivered");
    return "delivered";
  }
  logger.warn({ statusCode, durationMs, error, final }, "webhook attempt failed");
  throw new AppError("SERVICE_UNAVAILABLE", `Webhook "${delivery.webhook.name}" failed: ${error}`, { retryable, details: waitMs !== null ? { retryAfterMs: waitMs } : undefined });
}
