// The inventory as the scan stores it and the evaluator reads it: plain data, framework-free.
// ARM ids are kept twice where it matters: `armId` as Azure spelled it, and keys compared
// lower-cased, because Azure treats resource ids case-insensitively.

export type Tags = Record<string, string>;

/** Where an Azure resource is: its ARM id and name, subscription, resource group and region. */
export interface ArmResource {
  armId: string;
  name: string;
  subscriptionId: string;
  resourceGroup: string;
  location: string;
}

/** A PostgreSQL flexible server. */
export interface InventoryServer extends ArmResource {
  /** Flexguard's row id (uuid). */
  id: string;
  /** properties.version, e.g. "16". */
  version: string | null;
  skuName: string | null;
  skuTier: string | null;
  /** properties.state: Azure backs up only servers that are "Ready". */
  state: string | null;
  tags: Tags;
}

/** A Backup vault (Microsoft.DataProtection/backupVaults). */
export interface InventoryVault extends ArmResource {
  /** identity.principalId of the vault's system-assigned managed identity; null when it has none. */
  principalId: string | null;
  tags: Tags;
}

/** A vault as the dashboard and plan drafting read it back: its identity and storage redundancy, no tags. */
export interface VaultSummary extends Omit<InventoryVault, "tags"> {
  storageType: string | null;
}

/** A backup policy in a vault, reduced to what compliance needs. */
export interface InventoryBackupPolicy {
  armId: string;
  vaultArmId: string;
  name: string;
  datasourceTypes: string[];
  /** The repeating interval of the backup schedule as an ISO 8601 duration (e.g. "P1W"); null if none. */
  backupInterval: string | null;
  /** The default retention rule's deleteAfter duration (e.g. "P3M"); null if none. */
  defaultRetention: string | null;
}

/** A backup instance protecting a PostgreSQL flexible server. */
export interface InventoryBackupInstance {
  armId: string;
  vaultArmId: string;
  name: string;
  /** properties.dataSourceInfo.resourceID: the protected server's ARM id. */
  dataSourceArmId: string;
  policyArmId: string | null;
  /** properties.protectionStatus.status, e.g. "ProtectionConfigured". */
  protectionStatus: string | null;
  /** properties.currentProtectionState, e.g. "ProtectionConfigured", "ProtectionError". */
  currentProtectionState: string | null;
  errorCode: string | null;
  errorMessage: string | null;
}

/** A role assignment relevant to backup: held by a vault identity, or one that lets a principal write role assignments. */
export interface InventoryRoleAssignment {
  armId: string;
  principalId: string;
  /** The role definition's GUID, lower-case (role definitions are compared by GUID only). */
  roleDefinitionGuid: string;
  /** The scope the assignment is made at (a subscription, resource group or resource id), as Azure spelled it. */
  scope: string;
}

/** Built-in role definition GUIDs that matter to PostgreSQL flexible server vaulted backup (CONTRACT.md §2). */
export const ROLE = {
  /** PostgreSQL Flexible Server Long Term Retention Backup Role: the vault identity needs it on the server. */
  pgFlexLtrBackup: "c088a766-074b-43ba-90d4-1fb21feae531",
  /** Reader: the vault identity needs it on the server's resource group. */
  reader: "acdd72a7-3385-48ef-bd42-f606fba81ae7",
  owner: "8e3af657-a8ff-443c-a75c-2fe8c4bcb635",
  userAccessAdministrator: "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9",
  rbacAdministrator: "f58310d9-a9f6-439a-9e8d-f62e7b41a168",
} as const;

/** Roles that grant Microsoft.Authorization/roleAssignments/write. */
export const ROLE_ASSIGNMENT_WRITERS: readonly string[] = [ROLE.owner, ROLE.userAccessAdministrator, ROLE.rbacAdministrator];

/** The lower-cased key Azure effectively compares resource ids by. */
export const armKey = (armId: string): string => armId.toLowerCase();
