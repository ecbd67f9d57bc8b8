// Executing an approved plan against the emulator, as an operator starts it: roles assigned where missing,
// validation waiting out role propagation, one backup instance per server under its deterministic name, a first
// backup followed to its end; every step recorded; controls (start checks, concurrency, canary, failure threshold,
// pause, resume, cancel, retry); items already right or changed since planning.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Worker } from "bullmq";
import { createApprovedPlan } from "../../factories/plans";
import { loadCore } from "../../support/in-process-worker";
import { emulatorRequest } from "../../support/emulator-http";
import { expectExactlyOnce, operator, settled, setUpFleet, viewer, waitForPlan, waitForQuiet, type RemediationSetup } from "./support";

let setup: RemediationSetup;
let workers: Worker[] = [];

const core = async () => ({
  ...(await loadCore()),
  ...(await import("@/core/remediation/run-control")),
  ...(await import("@/core/remediation/run-progress")),
});

async function startWorkers() {
  const { startRemediateItemProcessor } = await import("@/worker/processors/remediation");
  workers = [startRemediateItemProcessor()];
}

beforeAll(async () => {
  // 3 subscriptions x 10 servers; every second server's vault identity lacks both roles.
  setup = await setUpFleet({ subscriptions: 3, serversPerSubscription: 10, rolesMissingEvery: 2 });
  await startWorkers();
});
afterEach(async () => {
  const { db } = await core();
  // Every test's runs end settled; nothing may be left running for the next.
  expect(await db().remediationItem.count({ where: { status: "RUNNING" } })).toBe(0);
});
afterAll(async () => {
  await Promise.all(workers.map((w) => w.close()));
  const { closeProducers, disconnectDb } = await core();
  await closeProducers();
  await disconnectDb();
  await setup?.emulator.close();
});

const pick = (from: number, to: number) => setup.servers.slice(from, to);
/** The 12-server run of the second test, whose history the last tests read. */
let mainPlanId = "";

describe("a remediation run", () => {
  it("refuses viewers, unapproved, changed and expired plans, and starts an approved one once", async () => {
    const { db, startRun } = await core();
    const { planId } = await createApprovedPlan(db(), { servers: pick(0, 1) });
    await expect(startRun(viewer, planId)).rejects.toMatchObject({ code: "FORBIDDEN" });
    await db().remediationPlan.update({ where: { id: planId }, data: { contentHash: "changed-after-approval" } });
    await expect(startRun(operator, planId)).rejects.toThrow(/changed after its approval/);
    const expired = await createApprovedPlan(db(), { servers: pick(0, 1), approvalExpiresAt: new Date(Date.now() - 1000) });
    await expect(startRun(operator, expired.planId)).rejects.toThrow(/expired/);
    const draft = await createApprovedPlan(db(), { servers: pick(0, 1) });
    await db().remediationPlan.update({ where: { id: draft.planId }, data: { status: "AWAITING_APPROVAL" } });
    await expect(startRun(operator, draft.planId)).rejects.toThrow(/only an APPROVED plan/);
    expect(await db().remediationItem.count({ where: { planId: { in: [planId, expired.planId, draft.planId] }, status: { not: "PENDING" } } })).toBe(0);
    await db().remediationPlan.deleteMany({ where: { id: { in: [planId, expired.planId, draft.planId] } } });
  });

  it("protects every server exactly once, within the global and per-vault limits, and records every step", async () => {
    const { db, startRun } = await core();
    const servers = pick(0, 12); // subscriptions 0 and 1, two vaults
    const { planId } = await createApprovedPlan(db(), { servers, options: { concurrency: 5, perVaultConcurrency: 2 } });
    mainPlanId = planId;
    const started = await startRun(operator, planId);
    expect(started.status).toBe("RUNNING");
    await expect(startRun(operator, planId)).rejects.toThrow(/is RUNNING/);

    // Sample what runs at once: never more than 5 in all, nor 2 in one vault.
    let maxAll = 0;
    let maxVault = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const running = await db().remediationItem.groupBy({ by: ["vaultArmIdKey"], where: { planId, status: "RUNNING" }, _count: true });
        maxAll = Math.max(maxAll, running.reduce((n, r) => n + r._count, 0));
        maxVault = Math.max(maxVault, ...running.map((r) => r._count), 0);
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    const progress = await waitForPlan(planId, settled);
    sampling = false;
    await sampler;
    expect(progress).toMatchObject({ status: "SUCCEEDED", done: 12, total: 12, percent: 100 });
    expect(progress.counts.SUCCEEDED).toBe(12);
    expect(maxAll).toBeLessThanOrEqual(5);
    expect(maxAll).toBeGreaterThan(1);
    expect(maxVault).toBeLessThanOrEqual(2);
    await expectExactlyOnce(setup, servers);

    const items = await db().remediationItem.findMany({ where: { planId }, include: { steps: { orderBy: { id: "asc" } } }, orderBy: { seq: "asc" } });
    const missing = items.find((i) => (i.action as { rolesToAssign: unknown[] }).rolesToAssign.length > 0)!;
    expect(missing.steps.map((s) => s.name)).toEqual(["reread", "assignRole", "assignRole", "validateForBackup", "createBackupInstance", "waitForProtection", "adhocBackup", "waitForBackup"]);
    const held = items.find((i) => (i.action as { rolesToAssign: unknown[] }).rolesToAssign.length === 0)!;
    expect(held.steps.map((s) => s.name)).toEqual(["reread", "validateForBackup", "createBackupInstance", "waitForProtection", "adhocBackup", "waitForBackup"]);
    for (const step of items.flatMap((i) => i.steps)) {
      expect(step).toMatchObject({ status: "succeeded", errorCode: null });
      expect(step.finishedAt!.getTime()).toBeGreaterThanOrEqual(step.startedAt.getTime());
      expect(step.durationMs).toBeGreaterThanOrEqual(0);
      if ((step.detail as { write?: boolean }).write === false) {
        // A grant another item of the run already made (Reader on the shared resource group): no call, no write spent.
        expect(step).toMatchObject({ name: "assignRole", outcome: "exists", azureRequestId: null });
        continue;
      }
      expect(step.azureRequestId, `${step.name} keeps Azure's request id`).toMatch(/[0-9a-f-]{36}/);
      expect(step.correlationId).toMatch(/[0-9a-f-]{36}/);
    }
    // Roles were missing, so validation waited out their propagation.
    expect(missing.steps.find((s) => s.name === "validateForBackup")!.outcome).toMatch(/validated after \d+ tries/);
    expect(missing.steps.find((s) => s.name === "waitForBackup")!.outcome).toBe("Completed");
    expect(items[0]!.result).toMatchObject({ backupInstanceArmId: expect.stringContaining("/backupInstances/"), backupJobId: expect.any(String) });

    const audit = await db().auditEvent.findFirst({ where: { action: "plan.run", targetId: planId } });
    expect(audit?.actorLabel).toBe("remediation-operator");
    const plan = await db().remediationPlan.findUniqueOrThrow({ where: { id: planId } });
    expect(plan.finishedAt).not.toBeNull();
    expect((plan.counts as { byStatus: Record<string, number> }).byStatus.SUCCEEDED).toBe(12);
  });

  it("records servers already right as NO_CHANGE and servers whose protection changed since planning as STALE, touching neither", async () => {
    const { db, startRun } = await core();
    const done = pick(0, 2); // protected by the previous test
    const changed = pick(12, 13);
    const { planId } = await createApprovedPlan(db(), { servers: [...done, ...changed] });
    // Planning saw the third server protected elsewhere; it is not any more.
    const elsewhere = `${changed[0]!.vault.armId}/backupInstances/protected-by-someone-else`;
    await db().remediationItem.updateMany({ where: { planId, seq: 3 }, data: { before: { verdictState: "WRONG_VAULT", serverState: "Ready", backupInstanceArmId: elsewhere, backupVaultArmId: changed[0]!.vault.armId, policyArmId: null, protectionState: "ProtectionConfigured", rolesHeld: [] } } });
    await startRun(operator, planId);
    const progress = await waitForPlan(planId, settled);
    expect(progress.status).toBe("SUCCEEDED");
    const items = await db().remediationItem.findMany({ where: { planId }, orderBy: { seq: "asc" }, include: { steps: true } });
    expect(items.map((i) => i.status)).toEqual(["NO_CHANGE", "NO_CHANGE", "STALE"]);
    expect(items[2]!.errorMessage).toContain("no longer protected by");
    expect(items.every((i) => i.steps.length === 1 && i.steps[0]!.name === "reread")).toBe(true);
    const { backupInstancesOf } = await import("./support");
    expect(await backupInstancesOf(setup.emulator.target, changed[0]!.armId)).toHaveLength(0);
  });

  it("pauses when a canary item fails (with Azure's error), and after a fix, retry and resume finishes the rest", async () => {
    const { db, startRun, retryRun, resumeRun } = await core();
    const servers = pick(13, 17);
    const failing = servers[0]!;
    await emulatorRequest(setup.emulator.target, "POST", "/_emulator/faults", { protectionFailures: [{ serverId: failing.armId, code: "UserErrorPostgreSQLFlexServerUnreachable" }] });
    const { planId } = await createApprovedPlan(db(), { servers, canary: 2, options: { firstBackup: false } });
    await startRun(operator, planId);
    const paused = await waitForPlan(planId, settled);
    expect(paused.status).toBe("PAUSED");
    await waitForQuiet(planId);
    expect(paused.pauseReason).toMatch(/canary failed/);
    const items = await db().remediationItem.findMany({ where: { planId }, orderBy: { seq: "asc" } });
    expect(items[0]).toMatchObject({ status: "FAILED", errorCode: expect.stringMatching(/UserErrorPostgreSQLFlexServerUnreachable/) });
    expect(items[0]!.errorMessage).toMatch(/UserErrorPostgreSQLFlexServerUnreachable/);
    expect(items[1]!.status).toBe("BACKUP_PENDING");
    // The rest did not start.
    expect(items.slice(2).map((i) => i.status)).toEqual(["PENDING", "PENDING"]);
    const failedStep = await db().remediationStep.findFirstOrThrow({ where: { itemId: items[0]!.id, status: "failed" } });
    expect(failedStep.errorCode).toMatch(/UserErrorPostgreSQLFlexServerUnreachable/);

    await emulatorRequest(setup.emulator.target, "POST", "/_emulator/faults", { protectionFailures: [{ serverId: failing.armId, code: null }] });
    const retried = await retryRun(operator, planId);
    expect(retried).toMatchObject({ status: "RUNNING", items: 1 });
    const after = await waitForPlan(planId, settled);
    expect(after.status).toBe("SUCCEEDED");
    expect(after.counts.BACKUP_PENDING).toBe(4);
    // Finished steps ran once; the failed one ran again.
    const steps = await db().remediationStep.findMany({ where: { itemId: items[0]!.id } });
    expect(steps.find((s) => s.name === "reread")!.attempt).toBe(1);
    expect(steps.find((s) => s.name === "createBackupInstance")).toMatchObject({ attempt: 2, status: "succeeded", outcome: "reconfigured (was ConfiguringProtectionFailed)" });
    await expectExactlyOnce(setup, servers, false);
    await expect(resumeRun(operator, planId)).rejects.toThrow(/only a PAUSED plan/);
  });

  it("pause lets in-flight items stop between steps and starts nothing new; resume finishes; cancel cancels what has not run", async () => {
    const { db, startRun, pauseRun, resumeRun, cancelRun } = await core();
    const fresh = pick(17, 23);
    const { planId } = await createApprovedPlan(db(), { servers: fresh, options: { concurrency: 2, firstBackup: true } });
    await startRun(operator, planId);
    await new Promise((r) => setTimeout(r, 300));
    const paused = await pauseRun(operator, planId, "maintenance window");
    expect(paused.status).toBe("PAUSED");
    const stopped = await waitForPlan(planId, () => true);
    expect(stopped.pauseReason).toBe("maintenance window");
    // In-flight items finish their step and go back to PENDING; none stays RUNNING.
    await waitForQuiet(planId);
    const pending = await db().remediationItem.count({ where: { planId, status: "PENDING" } });
    expect(pending).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 500));
    expect(await db().remediationItem.count({ where: { planId, status: "RUNNING" } })).toBe(0);

    await resumeRun(operator, planId);
    const finished = await waitForPlan(planId, settled);
    expect(finished.status).toBe("SUCCEEDED");
    await expectExactlyOnce(setup, fresh);

    const other = await createApprovedPlan(db(), { servers: pick(23, 26), options: { concurrency: 1 } });
    await startRun(operator, other.planId);
    const cancelled = await cancelRun(operator, other.planId);
    expect(cancelled.status).toBe("CANCELLED");
    const end = await waitForPlan(other.planId, settled);
    expect(end.status).toBe("CANCELLED");
    await waitForQuiet(other.planId);
    const statuses = (await db().remediationItem.findMany({ where: { planId: other.planId }, orderBy: { seq: "asc" } })).map((i) => i.status);
    expect(statuses.filter((s) => s === "CANCELLED").length).toBeGreaterThanOrEqual(2);
    // The one in flight when cancelled ended CANCELLED after its step, or finished if it was on its last one.
    expect(statuses.every((s) => ["CANCELLED", "SUCCEEDED"].includes(s))).toBe(true);
  });

  it("exports the job history as CSV and JSON, streams progress events, and prunes history past its retention", async () => {
    const { db } = await core();
    const { historyCsv, historyJson, pruneRunHistory, HISTORY_COLUMNS } = await import("@/core/remediation/run-history");
    const { runProgressEvents } = await import("@/core/remediation/run-events");
    let csv = "";
    for await (const chunk of historyCsv(mainPlanId)) csv += chunk;
    const lines = csv.trimEnd().split("\n");
    expect(lines[0]).toBe(HISTORY_COLUMNS.join(","));
    const steps = await db().remediationStep.count({ where: { planId: mainPlanId } });
    expect(lines).toHaveLength(steps + 1);
    expect(lines.filter((l) => l.includes(",validateForBackup,")).length).toBe(12);
    expect(lines[1]).toMatch(/^1,protectServer,SUCCEEDED,\/subscriptions\//);
    let json = "";
    for await (const chunk of historyJson(mainPlanId)) json += chunk;
    const history = JSON.parse(json) as { items: { seq: number; status: string; steps: { name: string; azureRequestId: string; durationMs: number }[] }[] };
    expect(history.items).toHaveLength(12);
    expect(history.items.flatMap((i) => i.steps)).toHaveLength(steps);
    expect(history.items[0]!.steps.every((s) => s.azureRequestId && s.durationMs >= 0)).toBe(true);

    // A finished run: one progress event, then the stream ends.
    const events: string[] = [];
    for await (const e of runProgressEvents(mainPlanId)) events.push(e);
    expect(events[0]).toBe("retry: 5000\n\n");
    const progress = JSON.parse(events[1]!.split("\n")[1]!.slice("data: ".length)) as { status: string; percent: number; counts: Record<string, number> };
    expect(events[1]!.startsWith("event: progress\n")).toBe(true);
    expect(progress).toMatchObject({ status: "SUCCEEDED", percent: 100, counts: { SUCCEEDED: 12 } });
    expect(events).toHaveLength(2);

    // Retention: kept forever by default; with 1 day, a run finished 2 days ago loses its items and steps, the plan stays.
    expect(await pruneRunHistory(new Date(Date.now() + 2 * 86_400_000))).toEqual({ plans: 0, items: 0 });
    const pruned = await pruneRunHistory(new Date(Date.now() + 2 * 86_400_000), 1);
    expect(pruned.items).toBeGreaterThanOrEqual(12);
    expect(await db().remediationStep.count({ where: { planId: mainPlanId } })).toBe(0);
    expect(await db().remediationPlan.findUnique({ where: { id: mainPlanId } })).not.toBeNull();
  });
});
