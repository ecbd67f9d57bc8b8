// Built-in role definitions the emulator knows, by GUID (ARM compares role definitions by their
// trailing GUID), and what each grants in the emulator's coarse permission model.

export type Capability =
  | "read" // */read
  | "write" // generic resource writes, including Microsoft.Resources/deployments/write
  | "roleAssignmentsWrite" // Microsoft.Authorization/roleAssignments/write and /delete
  | "backupRead" // Microsoft.DataProtection/*/read
  | "backupWrite"; // Microsoft.DataProtection/* writes and actions

export interface RoleDefinition {
  guid: string;
  roleName: string;
  capabilities: readonly Capability[];
}

export const ROLE = {
  owner: "8e3af657-a8ff-443c-a75c-2fe8c4bcb635",
  contributor: "b24988ac-6180-42a0-ab88-20f7382dd24c",
  reader: "acdd72a7-3385-48ef-bd42-f606fba81ae7",
  userAccessAdministrator: "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9",
  rbacAdministrator: "f58310d9-a9f6-439a-9e8d-f62e7b41a168",
  backupContributor: "5e467623-bb1f-42f4-a55d-6e525e11384b",
  backupReader: "a795c7a0-d4a2-40c1-ae25-d81f01202912",
  postgresLtrBackup: "c088a766-074b-43ba-90d4-1fb21feae531",
  storageBlobDataContributor: "ba92f5b4-2d11-453d-a403-e96b0029c9fe",
} as const;

export const ROLE_DEFINITIONS: ReadonlyMap<string, RoleDefinition> = new Map(
  (
    [
      [ROLE.owner, "Owner", ["read", "write", "roleAssignmentsWrite", "backupRead", "backupWrite"]],
      [ROLE.contributor, "Contributor", ["read", "write", "backupRead", "backupWrite"]],
      [ROLE.reader, "Reader", ["read", "backupRead"]],
      [ROLE.userAccessAdministrator, "User Access Administrator", ["read", "roleAssignmentsWrite", "backupRead"]],
      [ROLE.rbacAdministrator, "Role Based Access Control Administrator", ["read", "roleAssignmentsWrite", "backupRead"]],
      [ROLE.backupContributor, "Backup Contributor", ["backupRead", "backupWrite"]],
      [ROLE.backupReader, "Backup Reader", ["backupRead"]],
      [ROLE.postgresLtrBackup, "PostgreSQL Flexible Server Long Term Retention Backup Role", []],
      [ROLE.storageBlobDataContributor, "Storage Blob Data Contributor", []],
    ] as const
  ).map(([guid, roleName, capabilities]) => [guid, { guid, roleName, capabilities }]),
);

/** The trailing GUID of a role definition id, lower-cased ("" if there is none). */
export function roleGuidOf(roleDefinitionId: string): string {
  const match = /([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\/?$/i.exec(roleDefinitionId);
  return match ? match[1]!.toLowerCase() : "";
}
