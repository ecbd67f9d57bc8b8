// Redis killed mid-run and started again empty (a private redis-server, no persistence): nothing approved is lost,
// the reconciler rebuilds the queue from Postgres, and every item is done exactly once.
import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApprovedPlan } from "../../factories/plans";
import { startWorkerProcess, type WorkerProcess } from "../../support/worker-process";
import { expectExactlyOnce, operator, settled, setUpFleet, waitForPlan, type RemediationSetup } from "./support";

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

async function startRedis(port: number): Promise<ChildProcess> {
  const proc = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--maxmemory-policy", "noeviction"], { stdio: ["ignore", "pipe", "pipe"] });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("redis-server did not start within 10 s")), 10_000);
    proc.stdout!.on("data", (chunk: Buffer) => {
      if (chunk.toString().includes("Ready to accept connections")) {
        clearTimeout(timer);
        resolve();
      }
    });
    proc.once("exit", (code) => reject(new Error(`redis-server exited with ${code}`)));
  });
  return proc;
}

const stopProcess = (proc: ChildProcess | undefined, signal: NodeJS.Signals) =>
  new Promise<void>((resolve) => {
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return resolve();
    proc.once("exit", () => resolve());
    proc.kill(signal);
  });

let redis: ChildProcess | undefined;
let port: number;
let setup: RemediationSetup;
let worker: WorkerProcess | undefined;
const WORKER_ENV = () => ({ WORKER_QUEUES: "remediate-item,remediation-reconcile", REMEDIATION_LEASE_SECONDS: "3", REMEDIATION_RECONCILE_SECONDS: "1", LOG_LEVEL: "error", REDIS_URL: `redis://127.0.0.1:${port}` });

beforeAll(async () => {
  port = await freePort();
  redis = await startRedis(port);
  // Before anything reads the configuration: this file's producers and workers use the private Redis.
  process.env.REDIS_URL = `redis://127.0.0.1:${port}`;
  setup = await setUpFleet({ subscriptions: 2, serversPerSubscription: 10, rolesMissingEvery: 2 }, { REMEDIATION_LEASE_SECONDS: "3" });
});
afterAll(async () => {
  await worker?.stop("SIGKILL");
  const { closeProducers } = await import("@/core/queues");
  const { disconnectDb } = await import("@/core/db/client");
  await closeProducers().catch(() => {});
  await disconnectDb();
  await setup?.emulator.close();
  await stopProcess(redis, "SIGKILL");
});

describe("a run whose Redis restarts empty", () => {
  it("rebuilds the queue from Postgres and finishes every item exactly once", { timeout: 240_000 }, async () => {
    const { db } = await import("@/core/db/client");
    const { startRun } = await import("@/core/remediation/run-control");
    const { planId } = await createApprovedPlan(db(), { servers: setup.servers, options: { concurrency: 6, perVaultConcurrency: 6 } });
    worker = await startWorkerProcess(WORKER_ENV());
    await startRun(operator, planId);
    const deadline = Date.now() + 120_000;
    while ((await db().remediationItem.count({ where: { planId, status: { notIn: ["PENDING", "RUNNING"] } } })) < 4) {
      if (Date.now() > deadline) throw new Error("items did not start ending");
      await new Promise((r) => setTimeout(r, 50));
    }
    const running = await db().remediationItem.count({ where: { planId, status: "RUNNING" } });
    expect(running).toBeGreaterThan(0);
    await stopProcess(redis, "SIGKILL");
    await new Promise((r) => setTimeout(r, 2_000));
    redis = await startRedis(port); // empty: no jobs, no scheduler
    const progress = await waitForPlan(planId, settled, 180_000);
    expect(progress.status).toBe("SUCCEEDED");
    expect(progress.counts.SUCCEEDED).toBe(setup.servers.length);
    expect(await db().remediationItem.count({ where: { planId, status: "RUNNING" } })).toBe(0);
    await expectExactlyOnce(setup);
  });
});
