// Data Protection, Authorization and deployments through core-client's real pipeline (and the
// official AuthorizationManagementClient): the path an administrator and Flexguard walk to protect
// a server, with Azure's failures along the way.
import { AuthorizationManagementClient } from "@azure/arm-authorization";
import { type ServiceClient, type ServiceClientOptions } from "@azure/core-client";
import { type RestError } from "@azure/core-rest-pipeline";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROLE } from "@/emulator/roles";
import { type RunningEmulator } from "@/emulator/server";
import type { ServerEntity, VaultEntity } from "@/emulator/store/entities";
import { ARM_SCOPE, DBA, FLEXGUARD, advance, arm, armClient, credentialFor, pollOperation, startTestEmulator } from "./support";

const DP = "api-version=2026-06-01";
let emulator: RunningEmulator;
let flexguard: ServiceClient;
let server: ServerEntity;
let vault: VaultEntity;
let policyId: string;

function backupInstanceBody() {
  return {
    objectType: "BackupInstance",
    friendlyName: server.name,
    dataSourceInfo: { objectType: "Datasource", datasourceType: "Microsoft.DBforPostgreSQL/flexibleServers", resourceType: "Microsoft.DBforPostgreSQL/flexibleServers", resourceID: server.id, resourceName: server.name, resourceLocation: server.location, resourceUri: "" },
    policyInfo: { policyId },
  };
}

beforeAll(async () => {
  emulator = await startTestEmulator({ limits: false });
  flexguard = armClient(emulator, FLEXGUARD);
  const { store } = emulator.state;
  // A Ready, unprotected server in a group where Flexguard may assign roles, with a vault in its region lacking its roles.
  for (const candidate of store.servers.values()) {
    const rg = `/subscriptions/${candidate.subscriptionId}/resourceGroups/${candidate.resourceGroup}`;
    const regional = (store.vaultsBySubscription.get(candidate.subscriptionId.toLowerCase()) ?? []).find((v) => v.location === candidate.location && v.principalId);
    if (candidate.state !== "Ready" || candidate.protectionFailureCode || store.backupInstancesByServer.get(candidate.key)?.size || !regional) continue;
    if (!store.can(FLEXGUARD, "roleAssignmentsWrite", rg)) continue;
    if (store.effectiveRole(regional.principalId!, [ROLE.postgresLtrBackup], candidate.id, Date.now())) continue;
    server = candidate;
    vault = regional;
    break;
  }
  expect(server, "the generated fleet has an unprotected server to work with").toBeDefined();
  policyId = `${vault.id}/backupPolicies/pg-weekly-3m`;
});
afterAll(async () => emulator?.close());

describe("protecting a server", () => {
  it("lists the vault with its identity and the PostgreSQL policy shape", async () => {
    const vaults = await arm<{ value: { id: string; identity?: { principalId: string } }[] }>(flexguard, emulator, "GET", `/subscriptions/${vault.subscriptionId}/providers/Microsoft.DataProtection/backupVaults?${DP}`);
    expect(vaults.status).toBe(200);
    expect(vaults.body.value.find((v) => v.id === vault.id)?.identity?.principalId).toBe(vault.principalId);
    const policy = await arm<{ properties: { datasourceTypes: string[] } }>(flexguard, emulator, "GET", `${policyId}?${DP}`);
    expect(policy.body.properties.datasourceTypes).toEqual(["Microsoft.DBforPostgreSQL/flexibleServers"]);
  });

  it("refuses an unknown api-version with InvalidApiVersionParameter", async () => {
    const response = await arm(flexguard, emulator, "GET", `${vault.id}?api-version=2019-01-01`);
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ error: { code: "InvalidApiVersionParameter" } });
  });

  it("fails validateForBackup with UserErrorMissingRequiredPermissions while the vault identity lacks its roles", async () => {
    const start = await arm(flexguard, emulator, "POST", `${vault.id}/validateForBackup?${DP}`, { backupInstance: backupInstanceBody() });
    expect(start.status).toBe(202);
    expect(start.headers.location).toMatch(/\/locations\/.+\/operationResults\//);
    const status = await pollOperation(flexguard, emulator, start);
    expect(status.status).toBe("Failed");
    expect(status.error).toMatchObject({ code: "UserErrorMissingRequiredPermissions", additionalInfo: [{ type: "UserFacingError" }] });
  });

  it("assigns the roles (201, then 409 for an equivalent assignment) and validation passes only after RBAC propagation", async () => {
    const options: ServiceClientOptions = { endpoint: emulator.url, tlsOptions: { ca: emulator.certPem }, credentialScopes: [ARM_SCOPE], retryOptions: { maxRetries: 0 } };
    const authorization = new AuthorizationManagementClient(credentialFor(FLEXGUARD), server.subscriptionId, options);
    const rg = `/subscriptions/${server.subscriptionId}/resourceGroups/${server.resourceGroup}`;
    const ltr = await authorization.roleAssignments.create(server.id, "0b1e7a9c-1d2e-4f30-8a4b-5c6d7e8f9a01", {
      roleDefinitionId: `/subscriptions/${server.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${ROLE.postgresLtrBackup}`,
      principalId: vault.principalId!,
      principalType: "ServicePrincipal",
    });
    expect(ltr.scope).toBe(server.id);
    if (!emulator.state.store.findEquivalentAssignment(rg, vault.principalId!, ROLE.reader)) {
      await authorization.roleAssignments.create(rg, "0b1e7a9c-1d2e-4f30-8a4b-5c6d7e8f9a02", {
        roleDefinitionId: `/subscriptions/${server.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${ROLE.reader}`,
        principalId: vault.principalId!,
        principalType: "ServicePrincipal",
      });
    }
    const duplicate = await authorization.roleAssignments
      .create(server.id, "0b1e7a9c-1d2e-4f30-8a4b-5c6d7e8f9a03", { roleDefinitionId: ROLE.postgresLtrBackup, principalId: vault.principalId!, principalType: "ServicePrincipal" })
      .catch((e: unknown) => e);
    expect((duplicate as RestError).statusCode).toBe(409);
    expect((duplicate as RestError).code).toBe("RoleAssignmentExists");

    const listed = [];
    for await (const assignment of authorization.roleAssignments.listForScope(rg, { filter: `principalId eq '${vault.principalId}'` })) listed.push(assignment);
    expect(listed.map((a) => a.scope)).toEqual(expect.arrayContaining([server.id, rg]));
    expect(listed.every((a) => a.principalId === vault.principalId)).toBe(true);

    const tooEarly = await pollOperation(flexguard, emulator, await arm(flexguard, emulator, "POST", `${vault.id}/validateForBackup?${DP}`, { backupInstance: backupInstanceBody() }));
    expect(tooEarly.status).toBe("Failed");
    await advance(emulator, emulator.state.store.timings.rbacPropagationMs / 1000);
    const valid = await pollOperation(flexguard, emulator, await arm(flexguard, emulator, "POST", `${vault.id}/validateForBackup?${DP}`, { backupInstance: backupInstanceBody() }));
    expect(valid.status).toBe("Succeeded");
    expect(valid.properties).toMatchObject({ objectType: "OperationJobExtendedInfo" });
  });

  it("creates the backup instance as a long-running operation through ConfiguringProtection to ProtectionConfigured", async () => {
    const name = `${server.name}-${server.name}-3c1f0b52-6d1e-4f7a-9b8c-0d1e2f3a4b5c`;
    const created = await arm<{ properties: { currentProtectionState: string } }>(flexguard, emulator, "PUT", `${vault.id}/backupInstances/${name}?${DP}`, { properties: backupInstanceBody() });
    expect(created.status).toBe(201);
    expect(created.headers["azure-asyncoperation"]).toMatch(/\/operationStatus\//);
    expect(created.headers.location).toMatch(/\/operationResults\//);
    expect(created.body.properties.currentProtectionState).toBe("ConfiguringProtection");
    const running = await arm(flexguard, emulator, "GET", created.headers.location!);
    expect(running.status).toBe(202);
    expect((await pollOperation(flexguard, emulator, created)).status).toBe("Succeeded");
    const final = await arm<{ properties: { currentProtectionState: string; protectionStatus: { status: string } } }>(flexguard, emulator, "GET", created.headers.location!);
    expect(final.status).toBe(200);
    expect(final.body.properties).toMatchObject({ currentProtectionState: "ProtectionConfigured", protectionStatus: { status: "ProtectionConfigured" } });

    const routed = await arm<{ value: { id: string }[] }>(flexguard, emulator, "GET", `${server.id}/providers/Microsoft.DataProtection/backupInstances?${DP}`);
    expect(routed.body.value.map((b) => b.id)).toEqual([`${vault.id}/backupInstances/${name}`]);

    const again = await arm(flexguard, emulator, "PUT", `${vault.id}/backupInstances/another-name?${DP}`, { properties: backupInstanceBody() });
    expect(again.status).toBe(409);

    // On-demand backup starts a job; scheduled backups add more as emulated time passes.
    const backup = await arm(flexguard, emulator, "POST", `${vault.id}/backupInstances/${name}/backup?${DP}`, { backupRuleOptions: { ruleName: "BackupWeekly", triggerOption: { retentionTagOverride: "Default" } } });
    expect(backup.status).toBe(202);
    const done = await pollOperation(flexguard, emulator, backup);
    const jobId = String((done.properties as { jobId: string }).jobId);
    const job = await arm<{ properties: { status: string; isUserTriggered: boolean } }>(flexguard, emulator, "GET", `${jobId}?${DP}`);
    expect(job.body.properties).toMatchObject({ status: "InProgress", isUserTriggered: true });
    await advance(emulator, 8 * 86_400);
    const jobs = await arm<{ value: { properties: { status: string; isUserTriggered: boolean; backupInstanceId: string } }[] }>(flexguard, emulator, "GET", `${vault.id}/backupJobs?${DP}`);
    const mine = jobs.body.value.filter((j) => j.properties.backupInstanceId.endsWith(`/${name}`));
    expect(mine.some((j) => j.properties.isUserTriggered && j.properties.status === "Completed")).toBe(true);
    expect(mine.some((j) => !j.properties.isUserTriggered)).toBe(true);
  });

  it("fails validation of a stopped server with ServerNotReadyForLongTermBackup", async () => {
    await arm(flexguard, emulator, "GET", `${vault.id}?${DP}`);
    await import("./support").then(({ admin }) => admin(emulator, "POST", "faults", { serverStates: [{ serverId: server.id, state: "Stopped" }] }));
    const status = await pollOperation(flexguard, emulator, await arm(flexguard, emulator, "POST", `${vault.id}/validateForBackup?${DP}`, { backupInstance: backupInstanceBody() }));
    expect(status.status).toBe("Failed");
    expect(JSON.stringify(status.error)).toMatch(/PostgreSQLFlexOperationFailedUserError.*ServerNotReadyForLongTermBackup/);
  });
});

describe("role assignments and deployments under the caller's permissions", () => {
  it("answers 403 AuthorizationFailed where Flexguard may not write role assignments", async () => {
    const { store } = emulator.state;
    const denied = [...store.resourceGroups.values()].find((g) => !store.can(FLEXGUARD, "roleAssignmentsWrite", g.id))!;
    const response = await arm(flexguard, emulator, "PUT", `${denied.id}/providers/Microsoft.Authorization/roleAssignments/7a0e1b2c-3d4e-4f50-8a6b-7c8d9e0f1a2b?api-version=2022-04-01`, {
      properties: { roleDefinitionId: ROLE.reader, principalId: DBA, principalType: "User" },
    });
    expect(response.status).toBe(403);
    expect(response.body).toMatchObject({ error: { code: "AuthorizationFailed" } });
    expect(JSON.stringify(response.body)).toContain(`'Microsoft.Authorization/roleAssignments/write' over scope '${denied.id}/providers/Microsoft.Authorization/roleAssignments/`);
  });

  it("deploys a role-assignment template as an admin, and fails it with AuthorizationFailed where the admin may not assign roles", async () => {
    const { store } = emulator.state;
    const dba = armClient(emulator, DBA);
    const template = {
      $schema: "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
      contentVersion: "1.0.0.0",
      parameters: { vaultPrincipalId: { type: "string" } },
      variables: { readerRoleId: "[subscriptionResourceId('Microsoft.Authorization/roleDefinitions', 'acdd72a7-3385-48ef-bd42-f606fba81ae7')]" },
      resources: [{
        type: "Microsoft.Authorization/roleAssignments", apiVersion: "2022-04-01",
        name: "[guid(resourceGroup().id, parameters('vaultPrincipalId'), variables('readerRoleId'))]",
        properties: { roleDefinitionId: "[variables('readerRoleId')]", principalId: "[parameters('vaultPrincipalId')]", principalType: "ServicePrincipal" },
      }],
    };
    const deploy = async (rgId: string) => {
      const url = `${rgId}/providers/Microsoft.Resources/deployments/grant-vault-reader?api-version=2024-03-01`;
      const start = await arm(dba, emulator, "PUT", url, { properties: { mode: "Incremental", template, parameters: { vaultPrincipalId: { value: vault.principalId } } } });
      expect(start.status).toBe(201);
      const status = await pollOperation(dba, emulator, start);
      const final = await arm<{ properties: { provisioningState: string; error?: { details: { code: string }[] } } }>(dba, emulator, "GET", url);
      return { status, final };
    };
    const allowed = [...store.resourceGroups.values()].find((g) => store.can(DBA, "roleAssignmentsWrite", g.id) && !store.findEquivalentAssignment(g.id, vault.principalId!, ROLE.reader))!;
    const ok = await deploy(allowed.id);
    expect(ok.status.status).toBe("Succeeded");
    expect(store.findEquivalentAssignment(allowed.id, vault.principalId!, ROLE.reader)).toBeDefined();

    const forbidden = [...store.resourceGroups.values()].find((g) => store.can(DBA, "write", g.id) && !store.can(DBA, "roleAssignmentsWrite", g.id))!;
    const failed = await deploy(forbidden.id);
    expect(failed.status.status).toBe("Failed");
    expect(failed.final.body.properties.provisioningState).toBe("Failed");
    expect(failed.final.body.properties.error?.details.map((d) => d.code)).toEqual(["AuthorizationFailed"]);
  });

  it("rejects a template using a function it does not evaluate with InvalidTemplate naming it", async () => {
    const rg = [...emulator.state.store.resourceGroups.values()][0]!;
    const response = await arm(armClient(emulator, DBA), emulator, "PUT", `${rg.id}/providers/Microsoft.Resources/deployments/bad?api-version=2024-03-01`, {
      properties: { mode: "Incremental", template: { resources: [{ type: "Microsoft.Authorization/roleAssignments", name: "[utcNow()]", properties: {} }] } },
    });
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ error: { code: "InvalidTemplate" } });
    expect(JSON.stringify(response.body)).toContain("utcNow");
  });
});
