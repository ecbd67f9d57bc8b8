// Postgres unreachable for a while (a TCP proxy between Flexguard and Postgres, cut and restored): the app answers
// 503 with a clear message and readiness names the database; a worker mid-scan retries and recovers, and the
// inventory it wrote holds each server once, with the scan's counts matching what is stored; a worker whose
// evaluation loses Postgres between two batches of verdicts retries and ends with every verdict written once.
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

  it("lets an evaluation cut between two batches retry and finish with each verdict and timeline row written once", { timeout: 240_000 }, async () => {
    const { db } = await import("@/core/db/client");
    const { requestEvaluation } = await import("@/core/evaluation/request-evaluation");
    const { waitForEvaluation } = await import("@/core/evaluation/wait-for-evaluation");
    // 12,000 servers never judged: more than two of the evaluation's 5,000-server batches have verdicts to write.
    const subscription = "0e7a6e00-0000-4000-8000-00000000cafe";
    const servers = 12_000;
    await db().$executeRaw`INSERT INTO subscription (id, last_seen_at) VALUES (${subscription}, now()) ON CONFLICT (id) DO NOTHING`;
    await db().$executeRaw`
      INSERT INTO server (id, arm_id_key, arm_id, name, subscription_id, resource_group, location, version, state, tags)
      SELECT gen_random_uuid(), lower(a.id), a.id, 'pg-outage-' || n, ${subscription}, 'rg-outage', 'westeurope', '16', 'Ready', '{}'::jsonb
      FROM generate_series(1, ${servers}) AS n,
           LATERAL (SELECT '/subscriptions/' || ${subscription} || '/resourceGroups/rg-outage/providers/Microsoft.DBforPostgreSQL/flexibleServers/pg-outage-' || n AS id) a`;
    const rule = await db().protectionRule.create({
      data: {
        name: `outage-${Date.now()}`, order: 5, mode: "audit", updatedBy: "test",
        definition: {
          name: "outage", description: "", enabled: true, mode: "audit", order: 5, scope: { subscriptions: [subscription] }, exclusions: [],
          requirement: { vault: { kind: "matchInRegion", nameGlob: "*" }, policy: { kind: "constraints", minRetention: "P3M", maxBackupInterval: "P1W" }, roleAssignment: "assign" },
        },
      },
    });
    const verdictsOfOurs = async () =>
      (await db().$queryRaw<{ n: number }[]>`SELECT count(*)::int AS n FROM server_verdict v JOIN server s ON s.id = v.server_id WHERE s.subscription_id = ${subscription}`)[0]!.n;
    try {
      await worker?.stop("SIGKILL");
      worker = await startWorkerProcess({ DATABASE_URL: proxied, WORKER_QUEUES: "evaluate", LOG_LEVEL: "warn" });
      // The second batch's timeline insert: the first batch is committed, the second is mid-transaction.
      const cut = proxy.cutOn("INSERT INTO verdict_change", 2);
      const { runId } = await requestEvaluation("test");
      await cut;
      // Back before the job's retry (its backoff is 5 s): what is stored now is what the failed attempt left.
      await new Promise((r) => setTimeout(r, 2_000));
      proxy.restore();
      const committedBeforeRetry = await verdictsOfOurs();
      // The first batch had committed and the second had not: the retry starts from a half-judged fleet.
      expect(committedBeforeRetry).toBeGreaterThan(0);
      expect(committedBeforeRetry).toBeLessThan(servers);

      const run = await waitForEvaluation(runId, { timeoutMs: 180_000 });
      expect(run.status).toBe("SUCCEEDED");
      expect(await verdictsOfOurs()).toBe(servers);
      // One first-verdict timeline row per server: the retry did not repeat the batch that had committed.
      const changes = await db().$queryRaw<{ rows: number; servers: number }[]>`
        SELECT count(*)::int AS rows, count(DISTINCT c.server_id)::int AS servers
        FROM verdict_change c JOIN server s ON s.id = c.server_id WHERE s.subscription_id = ${subscription}`;
      expect(changes[0]).toEqual({ rows: servers, servers });
      // The run's figures describe the whole fleet as stored, not the attempt that failed.
      const live = await db().server.count({ where: { deletedAt: null } });
      expect(run.servers).toBe(live);
      const judged = (await db().$queryRaw<{ n: number }[]>`SELECT count(*)::int AS n FROM server_verdict v JOIN server s ON s.id = v.server_id AND s.deleted_at IS NULL`)[0]!.n;
      expect(Object.values(run.counts as Record<string, number>).reduce((a, b) => a + b, 0)).toBe(judged);
    } finally {
      proxy.restore();
      await worker?.stop("SIGKILL");
      worker = undefined;
      await db().$executeRaw`DELETE FROM verdict_change c USING server s WHERE s.id = c.server_id AND s.subscription_id = ${subscription}`;
      await db().$executeRaw`DELETE FROM server_verdict v USING server s WHERE s.id = v.server_id AND s.subscription_id = ${subscription}`;
      await db().$executeRaw`DELETE FROM server WHERE subscription_id = ${subscription}`;
      await db().protectionRule.update({ where: { id: rule.id }, data: { deletedAt: new Date() } });
    }
  });
});
