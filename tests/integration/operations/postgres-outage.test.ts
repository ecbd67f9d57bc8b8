// Postgres unreachable for a while (a TCP proxy between Flexguard and Postgres, cut and restored): the app answers
// 503 with a clear message and readiness names the database; a worker mid-scan retries and recovers, and the
// inventory it wrote holds each server once, with the scan's counts matching what is stored.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTcpProxy, type TcpProxy } from "../../support/tcp-proxy";
import { emulatorRequest, type EmulatorTarget } from "../../support/emulator-http";
import { startWorkerProcess, type WorkerProcess } from "../../support/worker-process";
import { inject } from "vitest";

const direct = process.env.DATABASE_URL!;
let proxy: TcpProxy;
let proxied: string;
let worker: WorkerProcess | undefined;
const emulator: EmulatorTarget = { url: inject("emulatorUrl"), certFile: inject("emulatorCertFile"), principalId: inject("emulatorPrincipalId") };

beforeAll(async () => {
  const url = new URL(direct);
  proxy = await startTcpProxy(url.hostname, Number(url.port || 5432));
  url.host = `127.0.0.1:${proxy.port}`;
  proxied = url.toString();
  // This file's own product code talks to Postgres through the proxy.
  process.env.DATABASE_URL = proxied;
});

afterAll(async () => {
  proxy.restore();
  await worker?.stop("SIGKILL");
  await emulatorRequest(emulator, "POST", "/_emulator/faults", { latencyMs: 0 });
  const { closeProducers } = await import("@/core/queues");
  const { disconnectDb } = await import("@/core/db/client");
  await closeProducers();
  await disconnectDb();
  await proxy.close();
});

describe("Postgres unavailable", () => {
  it("makes the app answer 503 with a clear message and readiness name the database, until it is back", { timeout: 60_000 }, async () => {
    const { GET: ready } = await import("@/app/api/ready/route");
    const { errorResponse } = await import("@/app/api/_lib/route");
    const { db } = await import("@/core/db/client");
    expect((await ready()).status).toBe(200);
    await db().server.count(); // a pooled connection, now cut under it

    proxy.cut();
    const notReady = await ready();
    expect(notReady.status).toBe(503);
    const body = (await notReady.json()) as { status: string; checks: { database: { ok: boolean; error: string }; redis: { ok: boolean } } };
    expect(body.status).toBe("not_ready");
    expect(body.checks.redis.ok).toBe(true);
    expect(body.checks.database.ok).toBe(false);
    expect(body.checks.database.error).toContain(`PostgreSQL is not reachable at postgresql://postgres@127.0.0.1:${proxy.port}/`);

    const failure = await db().server.count().then(() => null, (err: unknown) => err);
    expect(failure).not.toBeNull();
    const answer = errorResponse(failure);
    expect(answer.status).toBe(503);
    const text = await answer.text();
    expect(JSON.parse(text)).toEqual({ error: { code: "SERVICE_UNAVAILABLE", message: "The database is not reachable; try again shortly" } });
    expect(text).not.toMatch(/\s+at .+:\d+:\d+/);

    proxy.restore();
    await expect.poll(async () => (await ready()).status, { timeout: 20_000 }).toBe(200);
    await expect.poll(() => db().server.count().then(() => "ok", () => "down"), { timeout: 20_000 }).toBe("ok");
  });

  it("lets a worker mid-scan retry and recover, with each server stored once", { timeout: 240_000 }, async () => {
    const { db } = await import("@/core/db/client");
    const { requestScan } = await import("@/core/inventory/request-scan");
    const { waitForScan } = await import("@/core/inventory/get-scan");
    await emulatorRequest(emulator, "POST", "/_emulator/faults", { latencyMs: 300 });
    worker = await startWorkerProcess({ DATABASE_URL: proxied, WORKER_QUEUES: "scan,scan-part", SCAN_SUBSCRIPTIONS_PER_JOB: "1", SCAN_CONCURRENCY: "1", LOG_LEVEL: "warn" });
    const { scanId } = await requestScan({ trigger: "test" });
    const deadline = Date.now() + 60_000;
    while ((await db().scanPart.count({ where: { scanId, status: "RUNNING" } })) === 0) {
      if (Date.now() > deadline) throw new Error("no scan part started");
      await new Promise((r) => setTimeout(r, 50));
    }
    proxy.cut();
    await new Promise((r) => setTimeout(r, 6_000));
    proxy.restore();

    const scan = await waitForScan(scanId, { timeoutMs: 180_000 });
    expect(scan.status).toBe("SUCCEEDED");
    const stored = await db().server.groupBy({ by: ["armIdKey"], where: { lastScanId: scanId }, _count: true });
    expect(stored.every((g) => g._count === 1)).toBe(true);
    expect(stored.length).toBe((scan.counts as { servers: number }).servers);
    expect(await db().scanPart.count({ where: { scanId, status: { not: "SUCCEEDED" } } })).toBe(0);
    const parts = await db().scanPart.findMany({ where: { scanId }, select: { attempts: true } });
    console.log(`scan through a 6 s Postgres outage: part attempts ${parts.map((p) => p.attempts).join(", ")}; worker warnings: ${worker.output.filter((l) => l.includes('"level":40')).length}`);
  });
});
