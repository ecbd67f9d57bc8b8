// The worker process killed with SIGKILL twice during a run, then started again: every item is done exactly once
// (one backup instance, one on-demand backup per server, no role assignment twice, checked through the emulator's
// API), and none is left RUNNING.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApprovedPlan } from "../../factories/plans";
import { loadCore } from "../../support/in-process-worker";
import { startWorkerProcess, type WorkerProcess } from "../../support/worker-process";
import { expectExactlyOnce, operator, settled, setUpFleet, waitForPlan, type RemediationSetup } from "./support";
import { until } from "../../support/until";

const WORKER_ENV = { WORKER_QUEUES: "remediate-item,remediation-reconcile", REMEDIATION_LEASE_SECONDS: "3", REMEDIATION_RECONCILE_SECONDS: "1", LOG_LEVEL: "warn" };
let setup: RemediationSetup;
let worker: WorkerProcess | undefined;

beforeAll(async () => {
  setup = await setUpFleet({ subscriptions: 2, serversPerSubscription: 12, rolesMissingEvery: 2 }, { REMEDIATION_LEASE_SECONDS: "3" });
});
afterAll(async () => {
  await worker?.stop("SIGKILL");
  const { closeProducers, disconnectDb } = await loadCore();
  await closeProducers();
  await disconnectDb();
  await setup?.emulator.close();
});

describe("a run whose worker is killed", () => {
  it("finishes every item exactly once after SIGKILL and restart, twice", { timeout: 240_000 }, async () => {
    const { db } = await loadCore();
    const { startRun } = await import("@/core/remediation/run-control");
    const { planId } = await createApprovedPlan(db(), { servers: setup.servers, options: { concurrency: 8, perVaultConcurrency: 8 } });
    worker = await startWorkerProcess(WORKER_ENV);
    await startRun(operator, planId);
    const ended = () => db().remediationItem.count({ where: { planId, status: { notIn: ["PENDING", "RUNNING"] } } });
    const runningAt: number[] = [];
    for (const after of [4, 12]) {
      // Kill it while items are mid-step (roles assigned, validation waiting, backup job followed).
      await until(`${after} items to end`, async () => (await ended()) >= after, 120_000);
      await until("a step in flight", async () => (await db().remediationStep.count({ where: { planId, status: "running" } })) > 0);
      runningAt.push(await db().remediationItem.count({ where: { planId, status: "RUNNING" } }));
      await worker.stop("SIGKILL");
      worker = await startWorkerProcess(WORKER_ENV);
    }
    expect(runningAt.every((n) => n > 0)).toBe(true);

    const progress = await waitForPlan(planId, settled, 180_000);
    expect(progress.status).toBe("SUCCEEDED");
    expect(progress.counts.SUCCEEDED).toBe(setup.servers.length);
    expect(await db().remediationItem.count({ where: { status: "RUNNING" } })).toBe(0);
    await expectExactlyOnce(setup);
    // Steps cut off by the kill ran again (attempt 2); finished ones never did.
    const steps = await db().remediationStep.findMany({ where: { planId } });
    expect(steps.every((s) => s.status === "succeeded")).toBe(true);
    expect(steps.some((s) => s.attempt > 1)).toBe(true);
  });
});
