// Webhook deliveries arrive at a real HTTP endpoint: signed (HMAC-SHA256 over timestamp and body), retried with
// backoff after failures, every attempt recorded, once per event, in the format the webhook asks for.
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { Worker } from "bullmq";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";

process.env.WEBHOOK_RETRY_BASE_MS = "200";
process.env.WEBHOOK_MAX_ATTEMPTS = "4";
process.env.WEBHOOK_TIMEOUT_SECONDS = "2";

interface Received {
  at: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

const received: Received[] = [];
// Status codes the endpoint answers with (and a Retry-After, in seconds, to send with one), in order; 200 once they run out.
let answers: (number | { status: number; retryAfter: string })[] = [];
let server: http.Server;
let url: string;
let workers: Worker[] = [];

const core = async () => ({
  ...(await import("@/core/db/client")),
  ...(await import("@/core/notifications/notify")),
  ...(await import("@/core/notifications/sign")),
  ...(await import("@/core/queues")),
});

async function createWebhook(format: "json" | "slack" | "teams", events: string[] = []) {
  const { db } = await core();
  return db().webhook.create({ data: { name: `hook-${format}-${Date.now()}-${Math.random()}`, url, format, events, secret: "s3cret-for-tests-0123456789", createdBy: "test" } });
}

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      received.push({ at: Date.now(), headers: req.headers, body });
      const answer = answers.shift() ?? 200;
      res.statusCode = typeof answer === "number" ? answer : answer.status;
      if (typeof answer === "object") res.setHeader("retry-after", answer.retryAfter);
      res.end(res.statusCode === 200 ? "ok" : "try later");
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  const { startWebhookDeliveryProcessor } = await import("@/worker/processors/webhook-delivery");
  workers = [startWebhookDeliveryProcessor()];
});

afterAll(async () => {
  const { db, closeProducers, disconnectDb } = await core();
  await db().webhook.deleteMany({});
  await Promise.all(workers.map((w) => w.close()));
  await closeProducers();
  await disconnectDb();
  await new Promise((r) => server.close(r));
});

beforeEach(async () => {
  const { db } = await core();
  await db().webhook.deleteMany({});
  received.length = 0;
  answers = [];
});

describe("webhook delivery", () => {
  it("signs the JSON body and retries a failing endpoint with growing delays until it answers 2xx", async () => {
    const { db, notify, verifyWebhookSignature } = await core();
    const hook = await createWebhook("json");
    answers = [500, 503];
    await notify({ type: "run.finished", planId: "6f1c5c36-0f51-4a39-9b16-7d4d5f2f1a01", planName: "weu", status: "SUCCEEDED", counts: { succeeded: 3 } });

    await expect.poll(async () => (await db().webhookDelivery.findFirst({ where: { webhookId: hook.id } }))?.status, { timeout: 20_000 }).toBe("delivered");
    expect(received).toHaveLength(3);
    for (const r of received) {
      expect(r.headers["x-flexguard-event"]).toBe("run.finished");
      expect(verifyWebhookSignature(hook.secret, r.body, String(r.headers["x-flexguard-signature"]))).toBe(true);
      expect(verifyWebhookSignature("another secret", r.body, String(r.headers["x-flexguard-signature"]))).toBe(false);
    }
    // A changed body does not verify.
    expect(verifyWebhookSignature(hook.secret, received[0]!.body.replace("weu", "xyz"), String(received[0]!.headers["x-flexguard-signature"]))).toBe(false);
    const body = JSON.parse(received[2]!.body);
    expect(body).toMatchObject({ event: "run.finished", data: { planName: "weu", status: "SUCCEEDED" } });
    // Exponential backoff: the second wait is longer than the first (200 ms, then 400 ms).
    const gap1 = received[1]!.at - received[0]!.at;
    const gap2 = received[2]!.at - received[1]!.at;
    expect(gap1).toBeGreaterThanOrEqual(150);
    expect(gap2).toBeGreaterThanOrEqual(350);

    const delivery = await db().webhookDelivery.findFirstOrThrow({ where: { webhookId: hook.id }, include: { attemptLog: { orderBy: { attempt: "asc" } } } });
    expect(delivery).toMatchObject({ attempts: 3, lastStatusCode: 200, lastError: null });
    expect(delivery.attemptLog.map((a) => [a.attempt, a.statusCode])).toEqual([[1, 500], [2, 503], [3, 200]]);
    expect(delivery.attemptLog[0]!.error).toContain("HTTP 500");
  });

  it("waits as long as a 429's Retry-After asks before trying again, longer than its own backoff", async () => {
    const { db, notify } = await core();
    const hook = await createWebhook("json");
    answers = [{ status: 429, retryAfter: "2" }];
    await notify({ type: "run.finished", planId: "6f1c5c36-0f51-4a39-9b16-7d4d5f2f1a05", planName: "slow", status: "SUCCEEDED", counts: { succeeded: 1 } });
    await expect.poll(async () => (await db().webhookDelivery.findFirst({ where: { webhookId: hook.id } }))?.status, { timeout: 20_000 }).toBe("delivered");
    expect(received).toHaveLength(2);
    // The queue's own backoff would have retried after 200 ms.
    expect(received[1]!.at - received[0]!.at).toBeGreaterThanOrEqual(1_900);
    const attempts = await db().webhookAttempt.findMany({ where: { delivery: { webhookId: hook.id } }, orderBy: { attempt: "asc" } });
    expect(attempts.map((a) => [a.statusCode, a.error])).toEqual([[429, "HTTP 429: try later (asked to retry after 2 s)"], [200, null]]);
  });

  it("marks a delivery failed after the last attempt, and does not retry a 4xx the endpoint will always refuse", async () => {
    const { db, notify } = await core();
    const retried = await createWebhook("json", ["run.paused"]);
    answers = [500, 500, 500, 500];
    await notify({ type: "run.paused", planId: "6f1c5c36-0f51-4a39-9b16-7d4d5f2f1a02", planName: "neu", reason: "failure threshold reached: 5 of 20 items failed", pausedAt: new Date().toISOString(), counts: { failed: 5 } });
    await expect.poll(async () => (await db().webhookDelivery.findFirst({ where: { webhookId: retried.id } }))?.status, { timeout: 20_000 }).toBe("failed");
    expect(await db().webhookAttempt.count({ where: { delivery: { webhookId: retried.id } } })).toBe(4);

    await db().webhook.update({ where: { id: retried.id }, data: { enabled: false } });
    const refused = await createWebhook("json", ["run.paused"]);
    answers = [404];
    await notify({ type: "run.paused", planId: "6f1c5c36-0f51-4a39-9b16-7d4d5f2f1a03", planName: "neu", reason: "paused by alice", pausedAt: new Date().toISOString(), counts: {} });
    await expect.poll(async () => (await db().webhookDelivery.findFirst({ where: { webhookId: refused.id } }))?.status, { timeout: 10_000 }).toBe("failed");
    const d = await db().webhookDelivery.findFirstOrThrow({ where: { webhookId: refused.id } });
    expect(d).toMatchObject({ attempts: 1, lastStatusCode: 404 });
  });

  it("delivers an event once per webhook that wants it, in Slack and Teams formats too", async () => {
    const { db, notify } = await core();
    const slack = await createWebhook("slack", ["servers.drifted"]);
    const teams = await createWebhook("teams");
    const other = await createWebhook("json", ["plan.awaiting_approval"]);
    const event = {
      type: "servers.drifted" as const,
      evaluationRunId: "6f1c5c36-0f51-4a39-9b16-7d4d5f2f1a04",
      count: 2,
      servers: [
        { id: "a", name: "pg-<one>", subscriptionId: "s", fromState: "compliant", toState: "unprotected" },
        { id: "b", name: "pg-two", subscriptionId: "s", fromState: "compliant", toState: "missing_roles" },
      ],
    };
    await notify(event);
    await notify(event); // the same evaluation again: no second delivery
    await expect.poll(() => received.length, { timeout: 10_000 }).toBe(2);
    await new Promise((r) => setTimeout(r, 500));
    expect(received).toHaveLength(2);
    expect(await db().webhookDelivery.count({ where: { webhookId: other.id } })).toBe(0);

    const bodies = received.map((r) => JSON.parse(r.body));
    const slackBody = bodies.find((b) => "blocks" in b);
    expect(slackBody.text).toContain("2 servers drifted out of compliance");
    expect(JSON.stringify(slackBody.blocks)).toContain("pg-&lt;one&gt; (compliant → unprotected)");
    const teamsBody = bodies.find((b) => b.type === "message");
    expect(teamsBody.attachments[0].contentType).toBe("application/vnd.microsoft.card.adaptive");
    expect(teamsBody.attachments[0].content).toMatchObject({ type: "AdaptiveCard", version: "1.4" });
    expect(JSON.stringify(teamsBody.attachments[0].content.body)).toContain("pg-two (compliant → missing_roles)");
    expect(await db().webhookDelivery.count({ where: { webhookId: { in: [slack.id, teams.id] }, status: "delivered" } })).toBe(2);
  });
});
