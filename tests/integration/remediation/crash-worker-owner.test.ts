// A killed worker's items are taken over as soon as its worker lock is gone, not when their lease runs out: with
// leases of an hour, the run still finishes after a SIGKILL and restart, every item exactly once, and the items
// the killed process was executing were claimed by it (lease_owner) and run again under a new dispatch.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApprovedPlan } from "../../factories/plans";
import { loadCore } from "../../support/in-process-worker";
import { startWorkerProcess, type WorkerProcess } from "../../support/worker-process";
import { expectExactlyOnce, operator, settled, setUpFleet, waitForPlan, type RemediationSetup } from "./support";
import { until } from "../../support/until";

const HOUR = "3600";
const WORKER_ENV = { WORKER_QUEUES: "remediate-item,remediation-reconcile", REMEDIATION_LEASE_SECONDS: HOUR, REMEDIATION_RECONCILE_SECONDS: "1", LOG_LEVEL: "warn" };
let setup: RemediationSetup;
let worker: WorkerProcess | undefined;

beforeAll(async () => {
  setup = await setUpFleet({ subscriptions: 2, serversPerSubscription: 8, rolesMissingEvery: 2 }, { REMEDIATION_LEASE_SECONDS: HOUR });
});
afterAll(async () => {
  await worker?.stop("SIGKILL");
  const { closeProducers, disconnectDb } = await loadCore();
  await closeProducers();
  await disconnectDb();
  await setup?.emulator.close();
});

describe("a run whose worker is killed, with hour-long leases", () => {
  it("is taken over through the dead process's worker lock and finishes every item exactly once", { timeout: 240_000 }, async () => {
    const { db } = await loadCore();
    const { startRun } = await import("@/core/remediation/run-control");
    const { planId } = await createApprovedPlan(db(), { servers: setup.servers, options: { concurrency: 6, perVaultConcurrency: 6 } });
    worker = await startWorkerProcess(WORKER_ENV);
    await startRun(operator, planId);
    await until("a step in flight", async () => (await db().remediationStep.count({ where: { planId, status: "running" } })) > 0);
    const claimed = await db().remediationItem.findMany({ where: { planId, status: "RUNNING", leaseOwner: { not: null } }, select: { id: true, attempts: true } });
    expect(claimed.length).toBeGreaterThan(0);
    await worker.stop("SIGKILL");
    worker = await startWorkerProcess(WORKER_ENV);

    const progress = await waitForPlan(planId, settled, 180_000);
    expect(progress.status).toBe("SUCCEEDED");
    expect(progress.counts.SUCCEEDED).toBe(setup.servers.length);
    await expectExactlyOnce(setup);
    // Each item the killed process held ran again under a later dispatch (its lease had most of an hour to go).
    const after = await db().remediationItem.findMany({ where: { id: { in: claimed.map((c) => c.id) } }, select: { id: true, attempts: true } });
    for (const c of claimed) expect(after.find((a) => a.id === c.id)!.attempts).toBeGreaterThan(c.attempts);
  });
});
