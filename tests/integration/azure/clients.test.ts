// The Data Protection and Authorization clients, with their real pipelines, against the emulator over HTTPS:
// reads, long-running operations polled as Azure asks (core/azure/lro.ts), and Azure's errors kept with their codes.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { smallFleet, ROLE_GUID } from "../../factories/fleet";
import { startOwnEmulator, type OwnEmulator } from "../../support/own-emulator";

const fleet = smallFleet();
let emulator: OwnEmulator;
const [subA] = fleet.subscriptions.readable as [string, string];

const azure = async () => ({
  ...(await import("@/core/azure/clients")),
  ...(await import("@/core/azure/errors")),
  ...(await import("@/core/azure/call-log")),
  ...(await import("@/core/azure/data-protection")),
  ...(await import("@/core/azure/role-assignments")),
});

function backupInstanceFor(serverId: string, policyId: string) {
  const name = serverId.split("/").pop()!;
  const source = { objectType: "Datasource" as const, datasourceType: "Microsoft.DBforPostgreSQL/flexibleServers", resourceType: "Microsoft.DBforPostgreSQL/flexibleServers", resourceID: serverId, resourceName: name, resourceLocation: "westeurope", resourceUri: "" };
  return { objectType: "BackupInstance" as const, friendlyName: name, dataSourceInfo: source, dataSourceSetInfo: { ...source, objectType: "DatasourceSet" as const }, policyInfo: { policyId } };
}

describe("Azure clients against the emulator", () => {
  beforeAll(async () => {
    // 600 emulated seconds per second: long-running operations finish in well under a second of wall time.
    emulator = await startOwnEmulator(fleet.description(), {}, { timeFactor: 600, timings: { rbacPropagationMs: 60_000 } });
  });
  afterAll(async () => {
    (await azure()).resetAzureClients();
    await emulator?.close();
  });

  it("reads vaults, their identity and policies", async () => {
    const { dataProtectionClient } = await azure();
    const client = dataProtectionClient(subA);
    const vault = await client.backupVaults.get("rg-backup", "bv-weu");
    expect(vault).toMatchObject({ name: "bv-weu", location: "westeurope", identity: { type: "SystemAssigned", principalId: fleet.vaultPrincipalId } });
    const listed = [];
    for await (const v of client.backupVaults.listInSubscription()) listed.push(v.id);
    expect(listed).toEqual([fleet.ids.vault]);
    const policies = [];
    for await (const p of client.backupPolicies.list("rg-backup", "bv-weu")) policies.push(p.properties.datasourceTypes);
    expect(policies).toEqual([["Microsoft.DBforPostgreSQL/flexibleServers"]]);
  });

  it("validates a server whose vault identity lacks its roles as Azure does: UserErrorMissingRequiredPermissions", async () => {
    const { dataProtectionClient, toAzureError } = await azure();
    const client = dataProtectionClient(subA);
    const unprotected = fleet.ids.servers[1]!;
    const err = await client.backupInstances
      .beginValidateForBackupAndWait("rg-backup", "bv-weu", { backupInstance: backupInstanceFor(unprotected, fleet.ids.policy) }, { updateIntervalInMs: 50 })
      .then(() => undefined, (e: unknown) => e);
    expect(err).toBeDefined();
    const appError = toAzureError(err, emulator.target.url);
    expect(appError.message).toMatch(/UserErrorMissingRequiredPermissions/);
  });

  it("assigns a role (201), treats a repeat as done, and is refused where Flexguard may not write", async () => {
    const { createRoleAssignment, recordAzureCalls } = await azure();
    const server = fleet.ids.servers[1]!;
    const grant = { scope: server, name: "6f0c9a1e-3b6d-4a59-9f0e-5c1d2b3a4f5e", roleDefinitionGuid: ROLE_GUID.ltr, principalId: fleet.vaultPrincipalId };

    const { result, calls } = await recordAzureCalls(() => createRoleAssignment(grant));
    expect(result).toBe("created");
    expect(calls.at(-1)).toMatchObject({ method: "PUT", status: 201 });
    expect(calls.at(-1)!.requestId).toBeTruthy();

    // The same grant under another name: Azure answers 409 RoleAssignmentExists, which is success here.
    const repeat = await recordAzureCalls(() => createRoleAssignment({ ...grant, name: "0d4b8f6a-1c2e-4f3a-8b5d-7e9f0a1b2c3d" }));
    expect(repeat.result).toBe("exists");
    expect(repeat.calls.at(-1)).toMatchObject({ status: 409, errorCode: "RoleAssignmentExists" });

    // Flexguard is Owner in sub A's rg-data only; sub B's servers are someone else's to grant.
    const refused = await createRoleAssignment({ ...grant, scope: fleet.ids.servers[3]!, name: "2a3b4c5d-6e7f-4a8b-9c0d-1e2f3a4b5c6d" }).then(() => undefined, (e: unknown) => e);
    expect((refused as Error).message).toMatch(/^AuthorizationFailed: The client .* does not have authorization to perform action 'Microsoft.Authorization\/roleAssignments\/write'/);
    expect((refused as { opts: { details: { statusCode: number } } }).opts.details.statusCode).toBe(403);
  });

  it("configures protection as a long-running operation and reads the protected instance back", async () => {
    const { dataProtectionClient } = await azure();
    const client = dataProtectionClient(subA);
    const server = fleet.ids.servers[0]!;
    // The fleet already protects pg-orders: a second instance for the same server is refused, a PUT of the same name updates.
    const name = fleet.ids.backupInstance.split("/").pop()!;
    const result = await client.backupInstances.beginCreateOrUpdateAndWait("rg-backup", "bv-weu", name, { properties: backupInstanceFor(server, fleet.ids.policy) }, { updateIntervalInMs: 50 });
    expect(result.properties.dataSourceInfo.resourceID.toLowerCase()).toBe(server.toLowerCase());
    const read = await client.backupInstances.get("rg-backup", "bv-weu", name);
    expect(read.properties.currentProtectionState).toBe("ProtectionConfigured");
    const routed = [];
    for await (const bi of client.backupInstancesExtensionRouting.list(server)) routed.push(bi.name);
    expect(routed).toEqual([name]);
  });

  it("sends Flexguard's user agent and the real ARM token scope's bearer on every call", async () => {
    const { dataProtectionClient, recordAzureCalls } = await azure();
    const { calls } = await recordAzureCalls(() => dataProtectionClient(subA).backupVaults.get("rg-backup", "bv-weu"));
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ method: "GET", status: 200 });
    expect(calls[0]!.path).toContain("api-version=2026-06-01");
  });
});
