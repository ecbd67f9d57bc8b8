// The web app's probe and metrics routes, called as Next calls them: liveness without credentials, readiness
// naming each dependency, and Prometheus metrics for a caller with METRICS_TOKEN.
import { afterAll, describe, expect, it } from "vitest";

process.env.METRICS_TOKEN = "app-metrics-token-for-tests-01";
const ctx = { params: Promise.resolve({}) };

afterAll(async () => {
  const { closeProducers } = await import("@/core/queues");
  const { disconnectDb } = await import("@/core/db/client");
  await closeProducers();
  await disconnectDb();
});

describe("app probes and metrics", () => {
  it("answers liveness and readiness without credentials", async () => {
    const { GET: health } = await import("@/app/api/health/route");
    const { GET: ready } = await import("@/app/api/ready/route");
    const live = health();
    expect(live.status).toBe(200);
    expect(await live.json()).toMatchObject({ status: "ok", service: "web" });
    const res = await ready();
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: "ready", checks: { database: { ok: true }, redis: { ok: true }, azure: { ok: true, critical: false } } });
  });

  it("serves Prometheus metrics to the metrics token, with fleet and queue figures", async () => {
    const { GET } = await import("@/app/api/metrics/route");
    const res = await GET(new Request("http://127.0.0.1/api/metrics", { headers: { authorization: "Bearer app-metrics-token-for-tests-01" } }), ctx);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/plain");
    const text = await res.text();
    expect(text).toMatch(/^# TYPE flexguard_fleet_servers gauge$/m);
    expect(text).toMatch(/^flexguard_queue_jobs\{queue="webhook-delivery",state="waiting"\} \d+$/m);
    expect(text).toMatch(/^# TYPE flexguard_azure_throttled_total counter$/m);
    expect(text).toMatch(/^# TYPE flexguard_remediation_items gauge$/m);
  });
});
