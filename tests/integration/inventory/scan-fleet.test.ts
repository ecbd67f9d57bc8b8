// The scan against a fleet whose every resource the test knows: what is stored, how scope is discovered,
// how hostile values survive, and how resources that disappear are kept as deleted.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadCore, startInProcessWorker, type InProcessWorker } from "../../support/in-process-worker";
import { smallFleet, FLEXGUARD_PRINCIPAL, ROLE_GUID } from "../../factories/fleet";
import { startOwnEmulator, type OwnEmulator } from "../../support/own-emulator";

const fleet = smallFleet();
let emulator: OwnEmulator;
let worker: InProcessWorker | undefined;

// Imported after the emulator is up so the configuration reads its endpoint.

async function scan() {
  const { requestScan, waitForScan } = await loadCore();
  const { scanId } = await requestScan({ trigger: "test" });
  return waitForScan(scanId, { timeoutMs: 60_000 });
}

describe("scan of a known fleet, scope discovered through Resource Graph", () => {
  beforeAll(async () => {
    emulator = await startOwnEmulator(fleet.description(), { AZURE_SUBSCRIPTIONS: undefined });
    worker = await startInProcessWorker();
  });
  afterAll(async () => {
    await worker?.stop();
    await emulator?.close();
  });

  it("inventories exactly the subscriptions the principal can read, and everything backup depends on in them", async () => {
    const { db } = await loadCore();
    const result = await scan();
    expect(result.status).toBe("SUCCEEDED");
    expect(result.counts).toMatchObject({ subscriptions: 2, failedSubscriptions: 0, servers: 5, vaults: 1, backupPolicies: 1, backupInstances: 1 });

    const servers = await db().server.findMany({ where: { lastScanId: result.id } });
    expect(servers.map((s) => s.armId).sort()).toEqual([...fleet.ids.servers].sort());
    expect(servers.some((s) => s.name === "pg-secret")).toBe(false);

    const vault = await db().vault.findUniqueOrThrow({ where: { armIdKey: fleet.ids.vault.toLowerCase() } });
    expect(vault).toMatchObject({ name: "bv-weu", location: "westeurope", principalId: fleet.vaultPrincipalId.toLowerCase(), identityType: "SystemAssigned" });

    const policy = await db().backupPolicy.findUniqueOrThrow({ where: { armIdKey: fleet.ids.policy.toLowerCase() } });
    expect(policy).toMatchObject({ vaultArmIdKey: fleet.ids.vault.toLowerCase(), backupInterval: "P1W", defaultRetention: "P3M" });

    const instance = await db().backupInstance.findUniqueOrThrow({ where: { armIdKey: fleet.ids.backupInstance.toLowerCase() } });
    expect(instance).toMatchObject({
      dataSourceArmIdKey: fleet.ids.protectedServer.toLowerCase(),
      vaultArmIdKey: fleet.ids.vault.toLowerCase(),
      policyArmIdKey: fleet.ids.policy.toLowerCase(),
      currentProtectionState: "ProtectionConfigured",
    });

    const assignments = await db().roleAssignment.findMany({ where: { deletedAt: null, subscriptionId: { in: fleet.subscriptions.readable } } });
    const held = (principal: string) => assignments.filter((a) => a.principalId === principal.toLowerCase()).map((a) => `${a.roleDefinitionGuid}@${a.scopeKey}`).sort();
    expect(held(fleet.vaultPrincipalId)).toEqual([`${ROLE_GUID.reader}@${fleet.ids.resourceGroup.toLowerCase()}`, `${ROLE_GUID.ltr}@${fleet.ids.protectedServer.toLowerCase()}`].sort());
    expect(held(FLEXGUARD_PRINCIPAL)).toContain(`${ROLE_GUID.owner}@${fleet.ids.resourceGroup.toLowerCase()}`);
  });

  it("stores hostile tag values exactly as Azure returned them", async () => {
    const { db } = await loadCore();
    const hostile = await db().server.findFirstOrThrow({ where: { name: "pg-x-or-1-eq-1" } });
    expect(hostile.tags).toEqual({ owner: "x' or 1==1 //", notes: "<img src=x onerror=alert(1)>" });
  });

  it("keeps a server that disappeared as deleted, with the time it was last seen, and brings it back if it returns", async () => {
    const { db } = await loadCore();
    const gone = fleet.ids.servers[1]!;
    const before = await db().server.findUniqueOrThrow({ where: { armIdKey: gone.toLowerCase() } });
    await emulator.loadFleet(fleet.description({ omitServers: [gone] }));

    const result = await scan();
    expect(result.status).toBe("SUCCEEDED");
    expect(result.counts).toMatchObject({ servers: 4, deleted: 1 });
    const after = await db().server.findUniqueOrThrow({ where: { armIdKey: gone.toLowerCase() } });
    expect(after.id).toBe(before.id);
    expect(after.deletedAt).toBeInstanceOf(Date);
    expect(after.lastSeenAt).toEqual(before.lastSeenAt);
    expect(await db().server.count({ where: { deletedAt: null, subscriptionId: { in: fleet.subscriptions.readable } } })).toBe(4);

    await emulator.loadFleet(fleet.description());
    expect((await scan()).counts).toMatchObject({ servers: 5, deleted: 0 });
    expect((await db().server.findUniqueOrThrow({ where: { armIdKey: gone.toLowerCase() } })).deletedAt).toBeNull();
  });
});
