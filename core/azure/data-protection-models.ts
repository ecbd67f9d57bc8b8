// Wire models of the Microsoft.DataProtection operations Flexguard uses (api-version 2026-06-01), named as in
// the official DataProtectionClient so that the official package can replace core/azure/data-protection.ts.

export const DATA_PROTECTION_API_VERSION = "2026-06-01";
export const PG_FLEX_DATASOURCE_TYPE = "Microsoft.DBforPostgreSQL/flexibleServers";

export interface DppIdentity {
  type?: string;
  principalId?: string;
  tenantId?: string;
}

export interface BackupVaultResource {
  id?: string;
  name?: string;
  type?: string;
  location: string;
  tags?: Record<string, string>;
  identity?: DppIdentity;
  properties: {
    provisioningState?: string;
    storageSettings: { datastoreType: "VaultStore" | "OperationalStore" | "ArchiveStore"; type: "LocallyRedundant" | "GeoRedundant" | "ZoneRedundant" }[];
    [key: string]: unknown;
  };
}

export interface BaseBackupPolicyResource {
  id?: string;
  name?: string;
  type?: string;
  properties: {
    objectType: "BackupPolicy";
    datasourceTypes: string[];
    policyRules: Record<string, unknown>[];
  };
}

export interface Datasource {
  objectType?: "Datasource";
  datasourceType?: string;
  resourceType?: string;
  resourceID: string;
  resourceName?: string;
  resourceLocation?: string;
  resourceUri?: string;
}

export interface UserFacingError {
  code?: string;
  message?: string;
  details?: UserFacingError[];
  [key: string]: unknown;
}

export interface BackupInstance {
  objectType: "BackupInstance";
  friendlyName?: string;
  dataSourceInfo: Datasource;
  dataSourceSetInfo?: Omit<Datasource, "objectType"> & { objectType?: "DatasourceSet" };
  policyInfo: { policyId: string; policyVersion?: string };
  protectionStatus?: { status?: string; errorDetails?: UserFacingError | null };
  currentProtectionState?: string;
  protectionErrorDetails?: UserFacingError | null;
  provisioningState?: string;
  validationType?: "ShallowValidation" | "DeepValidation";
}

export interface BackupInstanceResource {
  id?: string;
  name?: string;
  type?: string;
  tags?: Record<string, string>;
  properties: BackupInstance;
}

export interface ValidateForBackupRequest {
  backupInstance: BackupInstance;
}

export interface OperationJobExtendedInfo {
  objectType: "OperationJobExtendedInfo";
  jobId?: string;
}

export interface TriggerBackupRequest {
  backupRuleOptions: { ruleName: string; triggerOption: { retentionTagOverride?: string } };
}

export interface AzureBackupJobResource {
  id?: string;
  name?: string;
  type?: string;
  properties: {
    activityID: string;
    backupInstanceFriendlyName: string;
    backupInstanceId?: string;
    dataSourceId: string;
    operation: string;
    operationCategory: string;
    status: string;
    startTime: string;
    endTime?: string;
    isUserTriggered: boolean;
    errorDetails?: UserFacingError[];
    [key: string]: unknown;
  };
}
