// The bulk evaluation job on a known fleet: a scan triggers it, verdicts land per server with their rule
// revision, only changed verdicts are rewritten, state changes make a timeline, and the day's aggregates add up.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadCore, startInProcessWorker, type InProcessWorker } from "../../support/in-process-worker";
import { smallFleet } from "../../factories/fleet";
import { startOwnEmulator, type OwnEmulator } from "../../support/own-emulator";

const fleet = smallFleet();
let emulator: OwnEmulator;
let worker: InProcessWorker | undefined;


const ruleDefinition = {
  name: "weu-prod",
  description: "West Europe servers are protected weekly in bv-weu, kept 3 months",
  enabled: true,
  mode: "enforce",
  order: 10,
  scope: { subscriptions: fleet.subscriptions.readable },
  exclusions: [],
  requirement: {
    vault: { kind: "perRegion", vaults: [{ region: "westeurope", vaultArmId: fleet.ids.vault }] },
    policy: { kind: "constraints", minRetention: "P3M", maxBackupInterval: "P1W" },
    roleAssignment: "assign",
  },
};

async function latestEvaluation() {
  const { db } = await loadCore();
  return db().evaluationRun.findFirstOrThrow({ orderBy: { queuedAt: "desc" } });
}

describe("bulk evaluation", () => {
  let ruleId: string;
  beforeAll(async () => {
    emulator = await startOwnEmulator(fleet.description(), { AZURE_SUBSCRIPTIONS: fleet.subscriptions.readable.join(",") });
    const { db } = await loadCore();
    const rule = await db().protectionRule.create({ data: { name: `weu-prod-${Date.now()}`, order: 10, mode: "enforce", definition: ruleDefinition, updatedBy: "test" } });
    ruleId = rule.id;
    worker = await startInProcessWorker({ evaluate: true });
  });
  afterAll(async () => {
    const { db } = await loadCore();
    await db().protectionRule.update({ where: { id: ruleId }, data: { deletedAt: new Date() } });
    await worker?.stop();
    await emulator?.close();
  });

  it("runs after a scan and gives each server the verdict its facts call for", async () => {
    const { db, requestScan, waitForScan, waitForEvaluation } = await loadCore();
    const { scanId } = await requestScan({ trigger: "test" });
    expect((await waitForScan(scanId, { timeoutMs: 60_000 })).status).toBe("SUCCEEDED");
    await expect.poll(async () => (await latestEvaluation()).trigger, { timeout: 10_000 }).toBe("scan");
    const run = await waitForEvaluation((await latestEvaluation()).id, { timeoutMs: 60_000 });
    expect(run.status).toBe("SUCCEEDED");
    expect(run.ruleRevisions).toMatchObject({ [ruleId]: 1 });

    const verdictOf = async (armId: string) => {
      const server = await db().server.findUniqueOrThrow({ where: { armIdKey: armId.toLowerCase() } });
      return db().serverVerdict.findUniqueOrThrow({ where: { serverId: server.id } });
    };
    const orders = await verdictOf(fleet.ids.servers[0]!);
    expect(orders).toMatchObject({ state: "compliant", governingRuleId: ruleId, ruleRevision: 1, runId: run.id });

    // pg-billing: in the vault's region, no backup instance, its vault identity lacks the LTR role on it.
    const billing = await verdictOf(fleet.ids.servers[1]!);
    expect(billing.state).toBe("unprotected");
    const billingVerdict = billing.verdict as { remediation: { needsTemplate?: boolean } | null; reasons: string[]; problems: string[] };
    expect(billingVerdict.problems).toContain("missing_roles");
    expect(billingVerdict.remediation).not.toBeNull();

    // sub B's servers are in northeurope, where the rule names no vault.
    expect((await verdictOf(fleet.ids.servers[3]!)).state).toBe("no_vault_in_region");
  });

  it("rewrites nothing when nothing changed, and records state changes in the timeline when something did", async () => {
    const { db, requestEvaluation, waitForEvaluation } = await loadCore();
    const again = await waitForEvaluation((await requestEvaluation("test")).runId, { timeoutMs: 60_000 });
    expect(again).toMatchObject({ status: "SUCCEEDED", changed: 0, servers: expect.any(Number) });

    // Narrow the rule to sub A: sub B's servers fall out of scope.
    await db().protectionRule.update({
      where: { id: ruleId },
      data: { revision: 2, definition: { ...ruleDefinition, scope: { subscriptions: [fleet.subscriptions.readable[0]!] } } },
    });
    const narrowed = await waitForEvaluation((await requestEvaluation("rules")).runId, { timeoutMs: 60_000 });
    expect(narrowed.changed).toBeGreaterThanOrEqual(2);
    const web1 = await db().server.findUniqueOrThrow({ where: { armIdKey: fleet.ids.servers[3]!.toLowerCase() } });
    expect((await db().serverVerdict.findUniqueOrThrow({ where: { serverId: web1.id } })).state).toBe("not_in_scope");
    const timeline = await db().verdictChange.findMany({ where: { serverId: web1.id }, orderBy: { id: "asc" } });
    expect(timeline.map((c) => [c.fromState, c.toState])).toEqual([
      [null, "no_vault_in_region"],
      ["no_vault_in_region", "not_in_scope"],
    ]);
    // The compliant server's verdict names the new revision but its state, and so its timeline, did not change.
    const orders = await db().server.findUniqueOrThrow({ where: { armIdKey: fleet.ids.servers[0]!.toLowerCase() } });
    expect((await db().serverVerdict.findUniqueOrThrow({ where: { serverId: orders.id } })).ruleRevision).toBe(2);
    expect(await db().verdictChange.count({ where: { serverId: orders.id } })).toBe(1);
  });

  it("keeps today's aggregates and the status figures in agreement with the verdicts", async () => {
    const { db, fleetStatus, SYSTEM_ACTOR } = await loadCore();
    const status = await fleetStatus({ ...SYSTEM_ACTOR, subscriptions: fleet.subscriptions.readable });
    expect(status.servers).toBe(5);
    expect(status.states).toMatchObject({ compliant: 1, not_in_scope: 2 });
    expect(status.compliant).toBe(1);
    const today = new Date(new Date().toISOString().slice(0, 10));
    const bySubscription = await db().dailyAggregate.findMany({ where: { day: today, dimension: "subscription", key: { in: fleet.subscriptions.readable } } });
    expect(bySubscription.reduce((n, a) => n + a.count, 0)).toBe(5);
    const byRule = await db().dailyAggregate.findMany({ where: { day: today, dimension: "rule", key: ruleId } });
    expect(byRule.reduce((n, a) => n + a.count, 0)).toBe(3);
  });
});
