// The emulator's live state, one record type per Azure resource it serves. ARM responses and
// Resource Graph rows are both views of these records (see views.ts).

export interface SubscriptionEntity {
  subscriptionId: string;
  displayName: string;
}

export interface ResourceGroupEntity {
  id: string;
  subscriptionId: string;
  name: string;
  location: string;
  tags: Record<string, string>;
}

export interface ServerEntity {
  id: string;
  key: string;
  subscriptionId: string;
  resourceGroup: string;
  name: string;
  location: string;
  version: string;
  state: string;
  skuName: string;
  skuTier: string;
  storageSizeGB: number;
  storageType: string;
  tags: Record<string, string>;
  protectionFailureCode?: string;
  createdAt: string;
}

export interface VaultEntity {
  id: string;
  key: string;
  subscriptionId: string;
  resourceGroup: string;
  name: string;
  location: string;
  principalId: string | null;
  storageRedundancy: string;
  tags: Record<string, string>;
  createdAt: string;
  createdBy: string;
}

export interface PolicyEntity {
  id: string;
  key: string;
  vaultKey: string;
  name: string;
  /** The policy's `properties` exactly as stored (the BaseBackupPolicy shape). */
  properties: Record<string, unknown>;
}

export interface BackupInstanceEntity {
  id: string;
  key: string;
  vaultKey: string;
  name: string;
  friendlyName: string;
  serverId: string;
  serverKey: string;
  policyId: string;
  dataSourceInfo: Record<string, unknown>;
  dataSourceSetInfo?: Record<string, unknown>;
  protectionStatus: string;
  currentProtectionState: string;
  provisioningState: string;
  errorCode?: string;
  tags?: Record<string, string>;
  /** Emulated ms of the next scheduled backup, or null when backups are not scheduled. */
  nextBackupAt: number | null;
  /** Emulated ms until which a backup job is running (one at a time per instance). */
  busyUntil: number;
}

export interface RoleAssignmentEntity {
  id: string;
  key: string;
  name: string;
  scope: string;
  scopeKey: string;
  principalId: string;
  principalType: string;
  roleDefinitionId: string;
  roleGuid: string;
  condition?: string;
  conditionVersion?: string;
  description?: string;
  createdOn: string;
  updatedOn: string;
  createdBy: string;
  updatedBy: string;
  /** Emulated ms from which services (Backup's validation) see this assignment: RBAC propagation. */
  effectiveAt: number;
}

export interface JobEntity {
  id: string;
  key: string;
  jobId: string;
  vaultKey: string;
  backupInstanceKey: string;
  operation: string;
  operationCategory: string;
  isUserTriggered: boolean;
  startMs: number;
  endMs: number;
  /** Status once endMs has passed. */
  finalStatus: "Completed" | "Failed";
  errorCode?: string;
}

export type OperationStatus = "InProgress" | "Succeeded" | "Failed" | "Canceled";

export interface OperationEntity {
  operationId: string;
  /** The status-monitor URL path (Azure-AsyncOperation). */
  statusPath: string;
  startMs: number;
  endMs: number;
  /** Decided when the operation starts (deterministic), revealed when it ends. */
  outcome: { status: "Succeeded" | "Failed"; error?: { code: string; message: string; additionalInfo?: unknown[]; details?: unknown[] } };
  /** `properties` of the finished status resource (e.g. OperationJobExtendedInfo). */
  resultProperties?: Record<string, unknown>;
  /** Body of the Location URL once finished (200), or undefined for 204. */
  resultBody?: () => unknown;
}

export interface DeploymentEntity {
  id: string;
  key: string;
  name: string;
  subscriptionId: string;
  resourceGroup: string;
  startMs: number;
  endMs: number;
  template: unknown;
  parameters: Record<string, unknown>;
  outcome: { status: "Succeeded" | "Failed"; error?: { code: string; message: string; details?: unknown[] } };
  outputResources: { id: string }[];
  correlationId: string;
  templateHash: string;
  operationId: string;
}
