// Shared by the remediation execution tests: a scanned remediation fleet in the test's own emulator, plans made
// from it, waiting for a run, and what the emulator holds (through its API) after the run.
import { expect } from "vitest";
import type { Actor } from "@/core/auth/actor";
import { remediationFleet, type PlanServer, type RemediationFleet, type RemediationFleetOptions } from "../../factories/plans";
import { loadCore } from "../../support/in-process-worker";
import { emulatorRequest, type EmulatorTarget } from "../../support/emulator-http";
import { startOwnEmulator, type OwnEmulator } from "../../support/own-emulator";

export const operator: Actor = { kind: "user", userId: null, label: "remediation-operator", role: "OPERATOR", subscriptions: null, sourceIp: null };
export const viewer: Actor = { ...operator, label: "remediation-viewer", role: "VIEWER" };

/**
 * 600 emulated seconds per wall second: a backup job (10 emulated minutes) takes 1 s; LRO polls still wait the
 * 1 s Retry-After minimum.
 */
export const TIME_FACTOR = 600;
/** 20 emulated minutes (Azure's docs warn of 10 to 15): 2 s of wall time, so validation right after assigning roles fails first. */
export const RBAC_PROPAGATION_MS = 20 * 60_000;

export interface RemediationSetup {
  emulator: OwnEmulator;
  fleet: RemediationFleet;
  servers: PlanServer[];
}

/** Starts the test's emulator with a remediation fleet and scans it, so server rows exist as planning sees them. */
export async function setUpFleet(options: RemediationFleetOptions, configure: Record<string, string | undefined> = {}): Promise<RemediationSetup> {
  const fleet = remediationFleet(options);
  const emulator = await startOwnEmulator(fleet.description, { AZURE_SUBSCRIPTIONS: fleet.subscriptions.join(","), REMEDIATION_PERMISSION_WAIT_SECONDS: "60", ...configure }, { timeFactor: TIME_FACTOR, timings: { rbacPropagationMs: RBAC_PROPAGATION_MS } });
  const { requestScan, waitForScan, db } = await loadCore();
  const scan = await import("@/worker/processors/scan");
  const workers = [scan.startScanProcessor(), scan.startScanPartProcessor()];
  try {
    const { scanId } = await requestScan({ trigger: "test" });
    const result = await waitForScan(scanId, { timeoutMs: 60_000 });
    expect(result.status).toBe("SUCCEEDED");
  } finally {
    await Promise.all(workers.map((w) => w.close()));
  }
  const rows = await db().server.findMany({ where: { armIdKey: { in: fleet.servers.map((s) => s.armId.toLowerCase()) } }, select: { id: true, armIdKey: true } });
  const ids = new Map(rows.map((r) => [r.armIdKey, r.id]));
  const servers = fleet.servers.map((s) => ({ ...s, id: ids.get(s.armId.toLowerCase())! }));
  expect(servers.every((s) => s.id)).toBe(true);
  return { emulator, fleet, servers };
}

/** Polls the plan until `done` holds for it, or fails naming its last state. */
export async function waitForPlan(planId: string, done: (status: string) => boolean, timeoutMs = 90_000) {
  const { getRunProgress } = await import("@/core/remediation/run-progress");
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const progress = (await getRunProgress(planId))!;
    if (done(progress.status)) return progress;
    if (Date.now() > deadline) throw new Error(`plan ${planId} did not settle within ${timeoutMs} ms: ${JSON.stringify(progress)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
/** Waits until no item of the plan is RUNNING (in-flight steps of a paused or cancelled run have finished). */
export async function waitForQuiet(planId: string, timeoutMs = 30_000) {
  const { db } = await import("@/core/db/client");
  const deadline = Date.now() + timeoutMs;
  while ((await db().remediationItem.count({ where: { planId, status: "RUNNING" } })) > 0) {
    if (Date.now() > deadline) throw new Error(`items of plan ${planId} still RUNNING after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
export const settled = (s: string) => ["SUCCEEDED", "FAILED", "CANCELLED", "PAUSED"].includes(s);

const DP = "api-version=2026-06-01";

/** The backup instances protecting a server, as the emulator lists them. */
export async function backupInstancesOf(target: EmulatorTarget, serverArmId: string): Promise<{ id: string; properties: { currentProtectionState: string } }[]> {
  const res = await emulatorRequest<{ value: { id: string; properties: { currentProtectionState: string } }[] }>(target, "GET", `${serverArmId}/providers/Microsoft.DataProtection/backupInstances?${DP}`);
  expect(res.status).toBe(200);
  return res.body.value;
}

/** Role assignments of a principal in a subscription (at any scope in it), as "role@scope" (lower-case). */
export async function assignmentsOf(target: EmulatorTarget, subscriptionId: string, principalId: string): Promise<string[]> {
  const filter = encodeURIComponent(`principalId eq '${principalId}'`);
  const res = await emulatorRequest<{ value: { properties: { roleDefinitionId: string; scope: string } }[] }>(
    target, "GET", `/subscriptions/${subscriptionId}/providers/Microsoft.Authorization/roleAssignments?api-version=2022-04-01&$filter=${filter}`);
  expect(res.status).toBe(200);
  return res.body.value.map((a) => `${a.properties.roleDefinitionId.split("/").pop()!.toLowerCase()}@${a.properties.scope.toLowerCase()}`);
}

/** User-triggered backup jobs of a vault per backup instance name. */
export async function adhocJobsOf(target: EmulatorTarget, vaultArmId: string): Promise<Map<string, number>> {
  const jobs = new Map<string, number>();
  for (let url: string | undefined = `${vaultArmId}/backupJobs?${DP}`; url; ) {
    const res: { status: number; body: { value: { properties: { isUserTriggered: boolean; backupInstanceId?: string } }[]; nextLink?: string } } = await emulatorRequest(target, "GET", url);
    for (const j of res.body.value) if (j.properties.isUserTriggered) {
      const name = j.properties.backupInstanceId!.split("/").pop()!;
      jobs.set(name, (jobs.get(name) ?? 0) + 1);
    }
    url = res.body.nextLink ? new URL(res.body.nextLink).pathname + new URL(res.body.nextLink).search : undefined;
  }
  return jobs;
}

/** Every server has exactly one backup instance, every (role, scope) of every vault identity exists once, one on-demand backup per instance. */
export async function expectExactlyOnce(setup: RemediationSetup, servers = setup.servers, firstBackup = true): Promise<void> {
  const target = setup.emulator.target;
  for (const s of servers) {
    const instances = await backupInstancesOf(target, s.armId);
    expect(instances, s.name).toHaveLength(1);
    expect(instances[0]!.properties.currentProtectionState).toBe("ProtectionConfigured");
  }
  for (const sub of setup.fleet.subscriptions) {
    const principal = setup.servers.find((s) => s.subscriptionId === sub)!.vault.principalId;
    const held = await assignmentsOf(target, sub, principal);
    expect(new Set(held).size, `role assignments of ${principal}`).toBe(held.length);
  }
  if (firstBackup) {
    for (const vault of new Set(servers.map((s) => s.vault.armId))) {
      const jobs = await adhocJobsOf(target, vault);
      for (const s of servers.filter((x) => x.vault.armId === vault)) {
        const name = [...jobs.keys()].find((k) => k.startsWith(`${s.name}-${s.name}-`));
        expect(name, `${s.name} has an on-demand backup`).toBeDefined();
        expect(jobs.get(name!), `${s.name}: on-demand backups`).toBe(1);
      }
    }
  }
}
