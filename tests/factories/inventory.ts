// Plain inventory objects for unit tests and benchmarks, shaped as core/inventory/types.ts and as the
// scan stores them. Every call makes unique names and ids; pass overrides for what a test cares about.
import {
  ROLE,
  type InventoryBackupInstance,
  type InventoryBackupPolicy,
  type InventoryRoleAssignment,
  type InventoryServer,
  type InventoryVault,
} from "@/core/inventory/types";

let sequence = 0;
const next = () => ++sequence;

/** A well-formed GUID derived from a number, so that ids are unique and readable in failures. */
export function guid(n: number, prefix = "00000000"): string {
  return `${prefix}-0000-4000-8000-${n.toString(16).padStart(12, "0")}`;
}

/** The subscription that factories use unless told otherwise. */
export const DEFAULT_SUBSCRIPTION = guid(1, "5ab5c41d");
export const DEFAULT_REGION = "westeurope";

export const serverArmId = (subscriptionId: string, resourceGroup: string, name: string) =>
  `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}/providers/Microsoft.DBforPostgreSQL/flexibleServers/${name}`;

export const vaultArmId = (subscriptionId: string, resourceGroup: string, name: string) =>
  `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}/providers/Microsoft.DataProtection/backupVaults/${name}`;

export const resourceGroupArmId = (subscriptionId: string, resourceGroup: string) =>
  `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}`;

export function buildServer(overrides: Partial<InventoryServer> = {}): InventoryServer {
  const n = next();
  const subscriptionId = overrides.subscriptionId ?? DEFAULT_SUBSCRIPTION;
  const resourceGroup = overrides.resourceGroup ?? "rg-data";
  const name = overrides.name ?? `pg-${n}`;
  return {
    id: guid(n, "5e7e7000"),
    armId: serverArmId(subscriptionId, resourceGroup, name),
    name,
    subscriptionId,
    resourceGroup,
    location: DEFAULT_REGION,
    version: "16",
    skuName: "Standard_D2ds_v5",
    skuTier: "GeneralPurpose",
    state: "Ready",
    tags: {},
    ...overrides,
  };
}

export function buildVault(overrides: Partial<InventoryVault> = {}): InventoryVault {
  const n = next();
  const subscriptionId = overrides.subscriptionId ?? DEFAULT_SUBSCRIPTION;
  const resourceGroup = overrides.resourceGroup ?? "rg-backup";
  const name = overrides.name ?? `bv-${n}`;
  return {
    armId: vaultArmId(subscriptionId, resourceGroup, name),
    name,
    subscriptionId,
    resourceGroup,
    location: DEFAULT_REGION,
    principalId: guid(n, "7a017000"),
    tags: {},
    ...overrides,
  };
}

export function buildPolicy(vault: InventoryVault, overrides: Partial<InventoryBackupPolicy> = {}): InventoryBackupPolicy {
  const name = overrides.name ?? `pgflex-weekly-${next()}`;
  return {
    armId: `${vault.armId}/backupPolicies/${name}`,
    vaultArmId: vault.armId,
    name,
    datasourceTypes: ["Microsoft.DBforPostgreSQL/flexibleServers"],
    backupInterval: "P1W",
    defaultRetention: "P3M",
    ...overrides,
  };
}

export function buildBackupInstance(
  server: InventoryServer,
  vault: InventoryVault,
  policy: InventoryBackupPolicy | null,
  overrides: Partial<InventoryBackupInstance> = {},
): InventoryBackupInstance {
  const name = overrides.name ?? `${server.name}-${server.name}-${guid(next())}`;
  const state = overrides.currentProtectionState ?? "ProtectionConfigured";
  return {
    armId: `${vault.armId}/backupInstances/${name}`,
    vaultArmId: vault.armId,
    name,
    dataSourceArmId: server.armId,
    policyArmId: policy?.armId ?? null,
    protectionStatus: state,
    currentProtectionState: state,
    errorCode: null,
    errorMessage: null,
    ...overrides,
  };
}

export function buildRoleAssignment(overrides: Partial<InventoryRoleAssignment> & Pick<InventoryRoleAssignment, "principalId" | "scope">): InventoryRoleAssignment {
  const n = next();
  return {
    armId: `${overrides.scope.replace(/\/$/, "")}/providers/Microsoft.Authorization/roleAssignments/${guid(n, "a551a000")}`,
    roleDefinitionGuid: ROLE.reader,
    ...overrides,
  };
}

/** The two assignments a vault's identity needs to back a server up: the LTR role on the server, Reader on its resource group. */
export function vaultRolesFor(vault: InventoryVault, server: InventoryServer): InventoryRoleAssignment[] {
  if (!vault.principalId) throw new Error(`vault ${vault.name} has no identity`);
  return [
    buildRoleAssignment({ principalId: vault.principalId, roleDefinitionGuid: ROLE.pgFlexLtrBackup, scope: server.armId }),
    buildRoleAssignment({ principalId: vault.principalId, roleDefinitionGuid: ROLE.reader, scope: resourceGroupArmId(server.subscriptionId, server.resourceGroup) }),
  ];
}
