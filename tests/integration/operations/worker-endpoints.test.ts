// The worker process's operations endpoint, as Prometheus and docker-compose see it: liveness, readiness with each
// dependency named, and metrics that move when a scan runs (jobs, Azure calls by API and status, fleet and age).
import { createServer } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadCore } from "../../support/in-process-worker";
import { startWorkerProcess, type WorkerProcess } from "../../support/worker-process";

let worker: WorkerProcess | undefined;
let base: string;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

/** One sample of a metric with these labels, or undefined. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split("\n")) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) return Number(line.split(" ").pop());
  }
  return undefined;
}

describe("worker operations endpoint", () => {
  beforeAll(async () => {
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    worker = await startWorkerProcess({ WORKER_METRICS_PORT: String(port), METRICS_TOKEN: "metrics-token-for-tests-0001", WORKER_QUEUES: "scan,scan-part,evaluate" });
  }, 90_000);
  afterAll(async () => {
    await worker?.stop();
    const { closeProducers, disconnectDb } = await loadCore();
    await closeProducers();
    await disconnectDb();
  });

  it("answers liveness and readiness with each dependency named", async () => {
    const health = await fetch(`${base}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: "ok", service: "worker", queues: ["scan", "scan-part", "evaluate"] });
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: "ready", checks: { database: { ok: true }, redis: { ok: true }, azure: { ok: true, endpoint: process.env.AZURE_ENDPOINT } } });
  });

  it("serves metrics only with the token, and they count the scan's jobs and Azure calls", async () => {
    expect((await fetch(`${base}/metrics`)).status).toBe(401);
    const { requestScan, waitForScan } = await loadCore();
    const { scanId } = await requestScan({ trigger: "test" });
    expect((await waitForScan(scanId, { timeoutMs: 60_000 })).status).toBe("SUCCEEDED");
    const scrape = async () => {
      const res = await fetch(`${base}/metrics`, { headers: { authorization: "Bearer metrics-token-for-tests-0001" } });
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toContain("text/plain");
      return res.text();
    };
    // The last part finishes the scan from inside its job: the job's own duration is recorded a moment later.
    await expect.poll(async () => sample(await scrape(), "flexguard_job_duration_seconds_count", { queue: "scan-part", outcome: "completed" }) ?? 0, { timeout: 10_000 }).toBeGreaterThanOrEqual(1);
    const text = await scrape();
    expect(sample(text, "flexguard_job_duration_seconds_count", { queue: "scan", outcome: "completed" })).toBeGreaterThanOrEqual(1);
    expect(sample(text, "flexguard_azure_requests_total", { api: "microsoft.resourcegraph/resources", method: "POST", status: "200" })).toBeGreaterThanOrEqual(1);
    expect(text).toContain("# TYPE flexguard_azure_throttled_total counter");
    expect(sample(text, "flexguard_queue_jobs", { queue: "scan", state: "waiting" })).toBe(0);
    expect(sample(text, "flexguard_last_scan_age_seconds")).toBeGreaterThanOrEqual(0);
    expect(sample(text, "flexguard_last_scan_succeeded")).toBe(1);
    const servers = text.split("\n").filter((l) => l.startsWith("flexguard_fleet_servers{")).reduce((n, l) => n + Number(l.split(" ").pop()), 0);
    expect(servers).toBeGreaterThan(0);
    expect(text).toContain("flexguard_process_resident_memory_bytes");
  }, 90_000);
});
