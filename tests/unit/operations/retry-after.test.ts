// Retries that honour Retry-After: reading the header (seconds or an HTTP date) and the queue backoff that waits at
// least as long as it asks, and otherwise doubles from the queue's delay.
import type { MinimalJob } from "bullmq";
import { describe, expect, it } from "vitest";
import { retryAfterMs } from "@/core/notifications/deliver-webhook";
import { retryAfterBackoff } from "@/core/queues/define-queue";
import { AppError } from "@/core/errors";

const job = (delay: number) => ({ opts: { backoff: { type: "retryAfter", delay } } }) as unknown as MinimalJob;
const asked = (ms: number) => new AppError("SERVICE_UNAVAILABLE", "HTTP 429", { retryable: true, details: { retryAfterMs: ms } });

describe("Retry-After", () => {
  it("reads delay-seconds and HTTP dates, and ignores what it cannot read", () => {
    const now = Date.parse("2026-11-25T10:00:00Z");
    expect(retryAfterMs("120", now)).toBe(120_000);
    expect(retryAfterMs(" 0 ", now)).toBe(0);
    expect(retryAfterMs("Wed, 25 Nov 2026 10:00:30 GMT", now)).toBe(30_000);
    expect(retryAfterMs("Wed, 25 Nov 2026 09:59:00 GMT", now)).toBe(0); // already past: retry now
    expect(retryAfterMs("86400", now)).toBe(3_600_000); // capped at an hour
    expect(retryAfterMs("soon", now)).toBeNull();
    expect(retryAfterMs("-5", now)).toBeNull();
    expect(retryAfterMs(null, now)).toBeNull();
  });

  it("backs off exponentially from the queue's delay, and never sooner than the endpoint asked", () => {
    expect([1, 2, 3].map((n) => retryAfterBackoff(n, "retryAfter", new Error("ECONNRESET"), job(200)))).toEqual([200, 400, 800]);
    expect(retryAfterBackoff(1, "retryAfter", asked(5_000), job(200))).toBe(5_000);
    expect(retryAfterBackoff(4, "retryAfter", asked(500), job(200))).toBe(1_600);
    // Another custom type does not read Retry-After.
    expect(retryAfterBackoff(1, "other", asked(5_000), job(200))).toBe(200);
  });
});
