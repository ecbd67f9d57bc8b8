// What an admin does with Flexguard's templates: Flexguard may not assign the roles a vault identity lacks, so a DBA
// who may deploys the downloaded template to the emulator (as a resource-group deployment, a long-running
// operation), deploys it again to no effect, and Backup's validation passes once role propagation is over.
import { ServiceClient } from "@azure/core-client";
import { createHttpPoller, type LroResponse, type OperationState } from "@azure/core-lro";
import { createPipelineRequest, type HttpMethods } from "@azure/core-rest-pipeline";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildResourceGroupTemplate } from "@/core/templates/build-resource-group-template";
import { buildServerTemplate } from "@/core/templates/build-server-template";
import { buildSubscriptionTemplate } from "@/core/templates/build-subscription-template";
import { roleAssignmentName } from "@/core/templates/role-assignment-name";
import type { ArmTemplate, ServerRoleGrant } from "@/core/templates/types";
import { FLEXGUARD_PRINCIPAL, ROLE_GUID } from "../../factories/fleet";
import { ADMIN_PRINCIPAL, RULE, templateDeploymentFleet } from "../../factories/templates";
import { startOwnEmulator, type OwnEmulator } from "../../support/own-emulator";
import { emulatorRequest } from "../../support/emulator-http";
import { templateSchemaErrors } from "../../unit/templates/arm-template-schema";

const fleet = templateDeploymentFleet();
// 600 emulated seconds per wall second; role propagation takes 20 emulated minutes (Azure's docs warn of 10 to
// 15), so 2 s of wall time: long enough to see validation fail right after a deployment, short enough to wait out.
const TIME_FACTOR = 600;
const RBAC_PROPAGATION_MS = 20 * 60_000;
let emulator: OwnEmulator;

const core = async () => ({
  ...(await import("@/core/azure/client-options")),
  ...(await import("@/core/azure/credential")),
  ...(await import("@/core/azure/clients")),
  ...(await import("@/core/azure/errors")),
});

function grantFor(serverId: string, missing: ("ltr" | "reader")[]): ServerRoleGrant {
  const [, , subscriptionId, , resourceGroup, , , , name] = serverId.split("/") as string[];
  return {
    server: { armId: serverId, name: name!, subscriptionId: subscriptionId!, resourceGroup: resourceGroup! },
    vault: { armId: fleet.vault, principalId: fleet.vaultPrincipalId },
    missingRoles: missing.map((role) => (role === "ltr" ? { roleDefinitionGuid: ROLE_GUID.ltr, scope: serverId } : { roleDefinitionGuid: ROLE_GUID.reader, scope: fleet.rgId(resourceGroup!) })),
    rule: RULE,
  };
}

interface DeploymentResult {
  status: number;
  body: { properties?: { provisioningState?: string; outputResources?: { id: string }[]; error?: { code: string; details?: { code: string }[] } } } & { error?: { code: string } };
}

/** A resource-group deployment as `principalId`, through the product's pipeline (endpoint, TLS, retries). */
async function deployer(principalId: string) {
  const { armClientOptions, emulatorCredential } = await core();
  const options = armClientOptions();
  const client = new ServiceClient({ ...options, credential: emulatorCredential(principalId, "dana") });
  const send = async (method: HttpMethods, url: string, body?: unknown): Promise<DeploymentResult & { headers: Record<string, string> }> => {
    const request = createPipelineRequest({ url, method, body: body === undefined ? undefined : JSON.stringify(body) });
    request.headers.set("content-type", "application/json");
    const response = await client.sendRequest(request);
    return { status: response.status, headers: response.headers.toJSON(), body: response.bodyAsText ? JSON.parse(response.bodyAsText) : {} };
  };
  const deploymentUrl = (resourceGroup: string, name: string) =>
    `${options.endpoint}/subscriptions/${fleet.subscriptionId}/resourceGroups/${encodeURIComponent(resourceGroup)}/providers/Microsoft.Resources/deployments/${encodeURIComponent(name)}?api-version=2024-03-01`;

  return {
    /** The first answer only (a refusal, or 201 with the status monitor). */
    start: (resourceGroup: string, name: string, template: ArmTemplate, parameters: Record<string, { value: unknown }> = {}) =>
      send("PUT", deploymentUrl(resourceGroup, name), { properties: { mode: "Incremental", template, parameters } }),
    /** Deploys and waits for the long-running operation to end, as `az deployment group create` does. */
    async deploy(resourceGroup: string, name: string, template: ArmTemplate, parameters: Record<string, { value: unknown }> = {}) {
      const url = deploymentUrl(resourceGroup, name);
      const toLro = (response: DeploymentResult & { headers: Record<string, string> }): LroResponse => ({
        flatResponse: response.body,
        rawResponse: { statusCode: response.status, headers: response.headers, body: response.body },
      });
      const poller = await createHttpPoller<DeploymentResult["body"], OperationState<DeploymentResult["body"]>>(
        {
          requestMethod: "PUT",
          requestPath: url,
          sendInitialRequest: async () => {
            const response = await send("PUT", url, { properties: { mode: "Incremental", template, parameters } });
            if (response.status >= 400) throw new Error(`deployment refused: ${response.status} ${JSON.stringify(response.body)}`);
            return toLro(response);
          },
          sendPollRequest: async (path) => toLro(await send("GET", path)),
        },
        { resourceLocationConfig: "azure-async-operation", intervalInMs: 50 },
      );
      await poller.pollUntilDone().catch(() => undefined); // a failed deployment is read back below, with its details
      return (await send("GET", url)).body;
    },
  };
}

/** The vault identity's role assignments, as "scope|role|name", sorted (read as Flexguard, Reader on the subscription). */
async function vaultAssignments(): Promise<string[]> {
  const filter = encodeURIComponent(`principalId eq '${fleet.vaultPrincipalId}'`);
  const res = await emulatorRequest<{ value: { name: string; properties: { scope: string; roleDefinitionId: string } }[] }>(
    emulator.target,
    "GET",
    `/subscriptions/${fleet.subscriptionId}/providers/Microsoft.Authorization/roleAssignments?api-version=2022-04-01&$filter=${filter}`,
  );
  expect(res.status).toBe(200);
  return res.body.value.map((a) => `${a.properties.scope}|${a.properties.roleDefinitionId.split("/").pop()}|${a.name}`).sort();
}

const expectedName = (scope: string, role: string) =>
  roleAssignmentName({ scope, principalId: fleet.vaultPrincipalId, subscriptionId: fleet.subscriptionId, roleDefinitionGuid: role });

/** Backup's own check, as Flexguard runs it: null when it passes, else the error message. */
async function validateForBackup(serverId: string): Promise<string | null> {
  const { dataProtectionClient, toAzureError } = await core();
  const name = serverId.split("/").pop()!;
  const source = { objectType: "Datasource" as const, datasourceType: "Microsoft.DBforPostgreSQL/flexibleServers", resourceType: "Microsoft.DBforPostgreSQL/flexibleServers", resourceID: serverId, resourceName: name, resourceLocation: "westeurope", resourceUri: "" };
  const request = { backupInstance: { objectType: "BackupInstance" as const, friendlyName: name, dataSourceInfo: source, policyInfo: { policyId: fleet.policy } } };
  return dataProtectionClient(fleet.subscriptionId)
    .backupInstances.beginValidateForBackupAndWait(fleet.groups.backup, "bv-weu", request, { updateIntervalInMs: 50 })
    .then(
      () => null,
      (error: unknown) => toAzureError(error, emulator.target.url).message,
    );
}

/** Validates until it passes (role propagation over) or the deadline. */
async function validatesWithin(serverId: string, ms: number): Promise<string | null> {
  const deadline = Date.now() + ms;
  let outcome = await validateForBackup(serverId);
  while (outcome !== null && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    outcome = await validateForBackup(serverId);
  }
  return outcome;
}

describe("deploying Flexguard's role-assignment templates", () => {
  beforeAll(async () => {
    emulator = await startOwnEmulator(fleet.description, {}, { timeFactor: TIME_FACTOR, timings: { rbacPropagationMs: RBAC_PROPAGATION_MS } });
  });
  afterAll(async () => {
    (await core()).resetAzureClients();
    await emulator?.close();
  });

  it("cannot be deployed by Flexguard, whose principal may not assign roles there", async () => {
    const { template } = buildServerTemplate(grantFor(fleet.servers.orders, ["ltr", "reader"]), { backupRoleScope: "server" });
    const refused = await (await deployer(FLEXGUARD_PRINCIPAL)).start(fleet.groups.data, "flexguard-try", template);
    expect(refused.status).toBe(403);
    expect(refused.body.error?.code).toBe("AuthorizationFailed");
    expect(await validateForBackup(fleet.servers.orders)).toMatch(/UserErrorMissingRequiredPermissions/);
  });

  it("grants a server's missing roles when an admin deploys it, changes nothing the second time, and validation passes after propagation", async () => {
    const { template } = buildServerTemplate(grantFor(fleet.servers.orders, ["ltr", "reader"]), { backupRoleScope: "server" });
    expect(templateSchemaErrors(template)).toEqual([]);
    const admin = await deployer(ADMIN_PRINCIPAL);

    const first = await admin.deploy(fleet.groups.data, "flexguard-roles-pg-orders", template);
    expect(first.properties?.provisioningState).toBe("Succeeded");
    const rg = fleet.rgId(fleet.groups.data);
    const granted = [
      `${fleet.servers.orders}|${ROLE_GUID.ltr}|${expectedName(fleet.servers.orders, ROLE_GUID.ltr)}`,
      `${rg}|${ROLE_GUID.reader}|${expectedName(rg, ROLE_GUID.reader)}`,
    ].sort();
    expect(await vaultAssignments()).toEqual(granted);
    expect(first.properties?.outputResources?.map((r) => r.id).sort()).toEqual(
      granted.map((g) => g.split("|")).map(([scope, , name]) => `${scope}/providers/Microsoft.Authorization/roleAssignments/${name}`).sort(),
    );

    // Right after the deployment, Azure Backup does not see the new assignments yet.
    expect(await validateForBackup(fleet.servers.orders)).toMatch(/UserErrorMissingRequiredPermissions/);

    // Again, under the same deployment name and under another: the same assignments, no duplicates.
    for (const name of ["flexguard-roles-pg-orders", "flexguard-roles-pg-orders-again"]) {
      const again = await admin.deploy(fleet.groups.data, name, template);
      expect(again.properties?.provisioningState).toBe("Succeeded");
      expect(await vaultAssignments()).toEqual(granted);
    }

    expect(await validatesWithin(fleet.servers.orders, 20_000)).toBeNull();
  });

  it("deploys a resource-group pack into a group with a hostile name, and an inner template of a subscription pack", async () => {
    const admin = await deployer(ADMIN_PRINCIPAL);
    const before = await vaultAssignments();

    const pack = buildResourceGroupTemplate([grantFor(fleet.servers.ledger, ["ltr", "reader"]), grantFor(fleet.servers.audit, ["ltr", "reader"])], { backupRoleScope: "server" });
    expect(templateSchemaErrors(pack.template)).toEqual([]);
    const deployed = await admin.deploy(fleet.groups.hostile, "flexguard-roles-pack", pack.template);
    expect(deployed.properties?.provisioningState).toBe("Succeeded");
    const hostileRg = fleet.rgId(fleet.groups.hostile);
    const packGrants = [
      `${hostileRg}|${ROLE_GUID.reader}|${expectedName(hostileRg, ROLE_GUID.reader)}`,
      `${fleet.servers.ledger}|${ROLE_GUID.ltr}|${expectedName(fleet.servers.ledger, ROLE_GUID.ltr)}`,
      `${fleet.servers.audit}|${ROLE_GUID.ltr}|${expectedName(fleet.servers.audit, ROLE_GUID.ltr)}`,
    ];
    expect(await vaultAssignments()).toEqual([...before, ...packGrants].sort());

    // pg-billing still lacks the backup role (Reader on rg-data came with pg-orders' template). The subscription
    // pack grants it at resource-group scope; the emulator has no nested deployments, so the admin deploys the
    // nested deployment's inner template as ARM would: to its resource group, with the outer parameters passed in.
    const subscriptionPack = buildSubscriptionTemplate([grantFor(fleet.servers.billing, ["ltr"])], { backupRoleScope: "resourceGroup" });
    expect(templateSchemaErrors(subscriptionPack.template)).toEqual([]);
    const [nested] = subscriptionPack.template.resources as unknown as { resourceGroup: string; name: string; properties: { template: ArmTemplate; parameters: Record<string, { value: string }> } }[];
    expect(subscriptionPack.template.resources).toHaveLength(1);
    const parameters = Object.fromEntries(
      Object.entries(nested!.properties.parameters).map(([name, passed]) => {
        const outer = /^\[parameters\('(\w+)'\)\]$/.exec(passed.value)![1]!;
        return [name, { value: subscriptionPack.template.parameters[outer]!.defaultValue }];
      }),
    );
    const inner = await admin.deploy(nested!.resourceGroup, nested!.name, nested!.properties.template, parameters);
    expect(inner.properties?.provisioningState).toBe("Succeeded");
    const dataRg = fleet.rgId(fleet.groups.data);
    expect(await vaultAssignments()).toContain(`${dataRg}|${ROLE_GUID.ltr}|${expectedName(dataRg, ROLE_GUID.ltr)}`);

    for (const server of [fleet.servers.ledger, fleet.servers.audit, fleet.servers.billing]) expect(await validatesWithin(server, 20_000)).toBeNull();
  });
});
