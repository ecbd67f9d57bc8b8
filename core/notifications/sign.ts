import { createHmac, timingSafeEqual } from "node:crypto";

/**
 * The X-Flexguard-Signature header value: `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>" keyed by the
 * webhook's secret>`. The timestamp is signed with the body, so a receiver rejecting old timestamps stops replays.
 */
export function signWebhook(secret: string, body: string, timestamp: number = Math.floor(Date.now() / 1000)): string {
  const mac = createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex");
  return `t=${timestamp},v1=${mac}`;
}

/** What a receiver does: true when the header matches the body and is at most `toleranceSeconds` old. */
export function verifyWebhookSignature(secret: string, body: string, header: string, { toleranceSeconds = 300, now = Date.now() } = {}): boolean {
  const parts = Object.fromEntries(header.split(",").map((p) => p.split("=", 2) as [string, string]));
  const t = Number(parts.t);
  if (!Number.isInteger(t) || !parts.v1 || Math.abs(now / 1000 - t) > toleranceSeconds) return false;
  const expected = Buffer.from(signWebhook(secret, body, t).split("v1=")[1]!, "hex");
  const given = Buffer.from(parts.v1, "hex");
  return given.length === expected.length && timingSafeEqual(given, expected);
}
