// The Resource Graph queries the scan sends. Values never get concatenated into KQL unquoted: the role GUIDs go
// through kql``; subscription scoping goes through the request's `subscriptions` field.
import { kql } from "../azure/kql";
import { ROLE } from "./types";

/** PostgreSQL flexible servers, with the facts compliance needs; ordered by id so paging is stable. */
export const SERVERS_QUERY = [
  "resources",
  "| where type =~ 'microsoft.dbforpostgresql/flexibleservers'",
  "| project id, name, location, resourceGroup, subscriptionId, tags, version = tostring(properties.version), state = tostring(properties.state), skuName = tostring(sku.name), skuTier = tostring(sku.tier)",
  "| order by id asc",
].join("\n");

export interface ServerRow {
  id: string;
  name: string;
  location: string;
  resourceGroup: string;
  subscriptionId: string;
  tags: Record<string, string> | null;
  version: string;
  state: string;
  skuName: string;
  skuTier: string;
}

/** Backup vaults with their managed identity. */
export const VAULTS_QUERY = [
  "resources",
  "| where type =~ 'microsoft.dataprotection/backupvaults'",
  "| project id, name, location, resourceGroup, subscriptionId, tags, principalId = tostring(identity.principalId), identityType = tostring(identity.type), storageSettings = properties.storageSettings",
  "| order by id asc",
].join("\n");

export interface VaultRow {
  id: string;
  name: string;
  location: string;
  resourceGroup: string;
  subscriptionId: string;
  tags: Record<string, string> | null;
  principalId: string;
  identityType: string;
  storageSettings: { datastoreType?: string; type?: string }[] | null;
}

/** Backup policies of every vault; PostgreSQL flexible server ones are kept. */
export const POLICIES_QUERY = [
  "recoveryservicesresources",
  "| where type =~ 'microsoft.dataprotection/backupvaults/backuppolicies'",
  "| project id, name, subscriptionId, datasourceTypes = properties.datasourceTypes, policyRules = properties.policyRules",
  "| order by id asc",
].join("\n");

export interface PolicyRow {
  id: string;
  name: string;
  subscriptionId: string;
  datasourceTypes: string[] | null;
  policyRules: Record<string, unknown>[] | null;
}

/** Backup instances of PostgreSQL flexible servers, with their protection state. */
export const BACKUP_INSTANCES_QUERY = [
  "recoveryservicesresources",
  "| where type =~ 'microsoft.dataprotection/backupvaults/backupinstances'",
  "| where tostring(properties.dataSourceInfo.datasourceType) =~ 'Microsoft.DBforPostgreSQL/flexibleServers'",
  "| project id, name, subscriptionId, dataSourceId = tostring(properties.dataSourceInfo.resourceID), policyId = tostring(properties.policyInfo.policyId), protectionStatus = tostring(properties.protectionStatus.status), protectionState = tostring(properties.currentProtectionState), errorCode = tostring(properties.protectionErrorDetails.code), errorMessage = tostring(properties.protectionErrorDetails.message)",
  "| order by id asc",
].join("\n");

export interface BackupInstanceRow {
  id: string;
  name: string;
  subscriptionId: string;
  dataSourceId: string;
  policyId: string;
  protectionStatus: string;
  protectionState: string;
  errorCode: string;
  errorMessage: string;
}

/** Role GUIDs the scan keeps assignments of: what vault identities need, and what lets a principal grant it. */
export const SCANNED_ROLES = [ROLE.pgFlexLtrBackup, ROLE.reader, ROLE.owner, ROLE.userAccessAdministrator, ROLE.rbacAdministrator];

/** Role assignments of the scanned roles, wherever they are made (subscription, resource group, server). */
export const ROLE_ASSIGNMENTS_QUERY = [
  "authorizationresources",
  "| where type =~ 'microsoft.authorization/roleassignments'",
  "| extend roleGuid = tolower(extract('([0-9a-fA-F-]{36})$', 1, tostring(properties.roleDefinitionId)))",
  kql`| where roleGuid in~ ${SCANNED_ROLES}`,
  "| project id, subscriptionId, roleGuid, principalId = tostring(properties.principalId), principalType = tostring(properties.principalType), scope = tostring(properties.scope)",
  "| order by id asc",
].join("\n");

export interface RoleAssignmentRow {
  id: string;
  subscriptionId: string;
  roleGuid: string;
  principalId: string;
  principalType: string;
  scope: string;
}
