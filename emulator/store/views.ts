// Wire shapes: how each entity looks in an ARM response and as a Resource Graph row. Kept in one
// place so the two views of the same record cannot drift apart.
import { ROLE_DEFINITIONS } from "../roles.ts";
import type {
  BackupInstanceEntity,
  ResourceGroupEntity,
  SubscriptionEntity,
  JobEntity,
  PolicyEntity,
  RoleAssignmentEntity,
  ServerEntity,
  VaultEntity,
} from "./entities.ts";

export const TYPE = {
  server: "Microsoft.DBforPostgreSQL/flexibleServers",
  vault: "Microsoft.DataProtection/backupVaults",
  policy: "Microsoft.DataProtection/backupVaults/backupPolicies",
  backupInstance: "Microsoft.DataProtection/backupVaults/backupInstances",
  job: "Microsoft.DataProtection/backupVaults/backupJobs",
  roleAssignment: "Microsoft.Authorization/roleAssignments",
  subscription: "Microsoft.Resources/subscriptions",
  resourceGroup: "Microsoft.Resources/subscriptions/resourceGroups",
} as const;

export type ArgTable = "resources" | "resourcecontainers" | "recoveryservicesresources" | "authorizationresources";

/** A Resource Graph row: the document KQL sees, plus precomputed keys for scoping. */
export interface ArgRow {
  key: string;
  /** lower-case subscription id, "" for tenant-level rows */
  subscriptionKey: string;
  /** lower-case `/subscriptions/x/resourcegroups/y`, "" above resource-group level */
  resourceGroupKey: string;
  readonly doc: Record<string, unknown>;
}

/**
 * A row whose document is built on first use. Jobs and role assignments are numerous and rarely
 * all queried, so building them lazily keeps a 100,000-server fleet well under 1 GiB.
 */
export class LazyArgRow implements ArgRow {
  private built: Record<string, unknown> | undefined;
  readonly subscriptionKey: string;
  readonly resourceGroupKey: string;

  constructor(
    readonly key: string,
    subscriptionId: string,
    resourceGroup: string,
    private build: () => Record<string, unknown>,
  ) {
    this.subscriptionKey = subscriptionId.toLowerCase();
    this.resourceGroupKey = resourceGroup ? `/subscriptions/${this.subscriptionKey}/resourcegroups/${resourceGroup.toLowerCase()}` : "";
  }

  get doc(): Record<string, unknown> {
    if (!this.built) {
      this.built = this.build();
      this.build = () => this.built!;
    }
    return this.built;
  }
}

function argBase(
  id: string,
  name: string,
  type: string,
  tenantId: string,
  location: string,
  subscriptionId: string,
  resourceGroup: string,
): Record<string, unknown> {
  return {
    id,
    name,
    type: type.toLowerCase(),
    tenantId,
    kind: "",
    location,
    // Resource Graph lower-cases resource group names.
    resourceGroup: resourceGroup.toLowerCase(),
    subscriptionId,
    managedBy: "",
    sku: null,
    plan: null,
    properties: {},
    tags: null,
    identity: null,
    zones: null,
    extendedLocation: null,
  };
}

// Sub-objects most servers have in common are shared (never mutated), so a 100,000-server fleet
// does not hold 100,000 copies of them.
const NETWORK = Object.freeze({ publicNetworkAccess: "Disabled" });
const HIGH_AVAILABILITY = Object.freeze({ mode: "Disabled" });
const sharedStorage = new Map<string, Readonly<Record<string, unknown>>>();
const sharedBackup = new Map<string, Readonly<Record<string, unknown>>>();

function shared(cache: Map<string, Readonly<Record<string, unknown>>>, key: string, make: () => Record<string, unknown>): Readonly<Record<string, unknown>> {
  let value = cache.get(key);
  if (!value) cache.set(key, (value = Object.freeze(make())));
  return value;
}

export function serverProperties(server: ServerEntity): Record<string, unknown> {
  return {
    version: server.version,
    state: server.state,
    fullyQualifiedDomainName: `${server.name}.postgres.database.azure.com`,
    administratorLogin: "pgadmin",
    storage: shared(sharedStorage, `${server.storageSizeGB}|${server.storageType}`, () => ({ storageSizeGB: server.storageSizeGB, type: server.storageType, autoGrow: "Disabled" })),
    backup: shared(sharedBackup, server.createdAt, () => ({ backupRetentionDays: 7, geoRedundantBackup: "Disabled", earliestRestoreDate: server.createdAt })),
    network: NETWORK,
    highAvailability: HIGH_AVAILABILITY,
    availabilityZone: "1",
  };
}

export function serverArm(server: ServerEntity): Record<string, unknown> {
  return {
    id: server.id,
    name: server.name,
    type: TYPE.server,
    location: server.location,
    tags: server.tags,
    sku: { name: server.skuName, tier: server.skuTier },
    properties: serverProperties(server),
  };
}

export function serverArgRow(server: ServerEntity, tenantId: string): ArgRow {
  const doc = argBase(server.id, server.name, TYPE.server, tenantId, server.location, server.subscriptionId, server.resourceGroup);
  doc.sku = { name: server.skuName, tier: server.skuTier };
  doc.properties = serverProperties(server);
  doc.tags = server.tags;
  return rowOf(server.key, server.subscriptionId, server.resourceGroup, doc);
}

export function vaultArm(vault: VaultEntity, tenantId: string): Record<string, unknown> {
  const resource: Record<string, unknown> = {
    id: vault.id,
    name: vault.name,
    type: TYPE.vault,
    location: vault.location,
    tags: vault.tags,
    properties: {
      provisioningState: "Succeeded",
      storageSettings: [{ datastoreType: "VaultStore", type: vault.storageRedundancy }],
      securitySettings: { softDeleteSettings: { state: "On", retentionDurationInDays: 14 }, immutabilitySettings: { state: "Disabled" } },
      featureSettings: { crossRegionRestoreSettings: { state: "Disabled" } },
      secureScore: "Adequate",
      bcdrSecurityLevel: "Good",
      isVaultProtectedByResourceGuard: false,
      monitoringSettings: { azureMonitorAlertSettings: { alertsForAllJobFailures: "Enabled" } },
    },
    systemData: { createdBy: vault.createdBy, createdByType: "User", createdAt: vault.createdAt },
  };
  if (vault.principalId) resource.identity = { type: "SystemAssigned", principalId: vault.principalId, tenantId };
  return resource;
}

export function vaultArgRow(vault: VaultEntity, tenantId: string): ArgRow {
  const arm = vaultArm(vault, tenantId);
  const doc = argBase(vault.id, vault.name, TYPE.vault, tenantId, vault.location, vault.subscriptionId, vault.resourceGroup);
  doc.properties = arm.properties;
  doc.tags = vault.tags;
  doc.identity = arm.identity ?? null;
  return rowOf(vault.key, vault.subscriptionId, vault.resourceGroup, doc);
}

export function policyArm(policy: PolicyEntity): Record<string, unknown> {
  return { id: policy.id, name: policy.name, type: TYPE.policy, properties: policy.properties };
}

export function policyArgRow(policy: PolicyEntity, vault: VaultEntity, tenantId: string): ArgRow {
  const doc = argBase(policy.id, policy.name, TYPE.policy, tenantId, vault.location, vault.subscriptionId, vault.resourceGroup);
  doc.properties = policy.properties;
  return rowOf(policy.key, vault.subscriptionId, vault.resourceGroup, doc);
}

export function userFacingError(code: string): Record<string, unknown> {
  return {
    code,
    message: USER_ERROR_MESSAGES[code] ?? `The operation failed with error code ${code}.`,
    isRetryable: false,
    isUserError: true,
    recommendedAction: ["Fix the reported problem and retry the operation."],
    details: [],
    target: "",
  };
}

const USER_ERROR_MESSAGES: Record<string, string> = {
  UserErrorMissingRequiredPermissions: "Appropriate permissions to perform the operation is missing.",
  ServerNotReadyForLongTermBackup: "The server is not in a Ready state, so a long term backup cannot be taken.",
  PostgreSQLFlexOperationFailedUserError: "The PostgreSQL flexible server operation failed.",
  UserErrorMaxConcurrentOperationLimitReached: "Another backup operation is in progress on this backup instance.",
  UserErrorPostgreSQLFlexServerUnreachable: "The PostgreSQL flexible server could not be reached by the Backup service.",
};

export function backupInstanceProperties(bi: BackupInstanceEntity): Record<string, unknown> {
  const properties: Record<string, unknown> = {
    friendlyName: bi.friendlyName,
    objectType: "BackupInstance",
    dataSourceInfo: bi.dataSourceInfo,
    policyInfo: { policyId: bi.policyId, policyVersion: "" },
    protectionStatus: {
      status: protectionStatusOf(bi.currentProtectionState),
      ...(bi.errorCode ? { errorDetails: userFacingError(bi.errorCode) } : {}),
    },
    currentProtectionState: bi.currentProtectionState,
    provisioningState: bi.provisioningState,
  };
  if (bi.dataSourceSetInfo) properties.dataSourceSetInfo = bi.dataSourceSetInfo;
  if (bi.errorCode) properties.protectionErrorDetails = userFacingError(bi.errorCode);
  return properties;
}

function protectionStatusOf(state: string): string {
  switch (state) {
    case "ProtectionConfigured":
    case "BackupSchedulesSuspended":
    case "RetentionSchedulesSuspended":
      return "ProtectionConfigured";
    case "ConfiguringProtection":
    case "UpdatingProtection":
      return "ConfiguringProtection";
    case "ConfiguringProtectionFailed":
    case "ProtectionError":
      return "ConfiguringProtectionFailed";
    case "ProtectionStopped":
      return "ProtectionStopped";
    case "SoftDeleted":
      return "SoftDeleted";
    case "SoftDeleting":
      return "SoftDeleting";
    default:
      return "NotProtected";
  }
}

export function backupInstanceArm(bi: BackupInstanceEntity): Record<string, unknown> {
  const resource: Record<string, unknown> = { id: bi.id, name: bi.name, type: TYPE.backupInstance, properties: backupInstanceProperties(bi) };
  if (bi.tags) resource.tags = bi.tags;
  return resource;
}

export function backupInstanceArgRow(bi: BackupInstanceEntity, vault: VaultEntity, tenantId: string): ArgRow {
  const doc = argBase(bi.id, bi.name, TYPE.backupInstance, tenantId, vault.location, vault.subscriptionId, vault.resourceGroup);
  doc.properties = backupInstanceProperties(bi);
  return rowOf(bi.key, vault.subscriptionId, vault.resourceGroup, doc);
}

/** .NET TimeSpan text ("00:02:11.9724387"), which is what the service puts in `duration`. */
export function timeSpan(ms: number): string {
  const totalSeconds = Math.max(0, ms) / 1000;
  const hours = Math.floor(totalSeconds / 3600);
  const minutes = Math.floor((totalSeconds % 3600) / 60);
  const seconds = totalSeconds % 60;
  const pad = (n: number) => String(n).padStart(2, "0");
  const fraction = Math.round((seconds - Math.floor(seconds)) * 1e7);
  return `${pad(hours)}:${pad(minutes)}:${pad(Math.floor(seconds))}${fraction ? `.${String(fraction).padStart(7, "0")}` : ""}`;
}

export function jobStatusAt(job: JobEntity, nowMs: number): string {
  return nowMs >= job.endMs ? job.finalStatus : "InProgress";
}

export function jobArm(job: JobEntity, bi: BackupInstanceEntity, vault: VaultEntity, server: ServerEntity | undefined, nowMs: number): Record<string, unknown> {
  const done = nowMs >= job.endMs;
  const policyName = bi.policyId.split("/").pop() ?? "";
  const properties: Record<string, unknown> = {
    activityID: job.jobId,
    backupInstanceFriendlyName: bi.friendlyName,
    backupInstanceId: bi.id,
    dataSourceId: bi.serverId,
    dataSourceLocation: server?.location ?? String(bi.dataSourceInfo.resourceLocation ?? ""),
    dataSourceName: server?.name ?? bi.friendlyName,
    dataSourceSetName: server?.name ?? bi.friendlyName,
    dataSourceType: TYPE.server,
    duration: timeSpan((done ? job.endMs : nowMs) - job.startMs),
    isUserTriggered: job.isUserTriggered,
    operation: job.operation,
    operationCategory: job.operationCategory,
    policyId: bi.policyId,
    policyName,
    progressEnabled: false,
    sourceResourceGroup: server?.resourceGroup ?? "",
    sourceSubscriptionID: server?.subscriptionId ?? vault.subscriptionId,
    startTime: new Date(job.startMs).toISOString(),
    status: jobStatusAt(job, nowMs),
    subscriptionId: vault.subscriptionId,
    supportedActions: [""],
    vaultName: vault.name,
    extendedInfo: {
      additionalDetails: { PolicyRuleName: "BackupWeekly", RetentionTag: "Default", TaskId: job.jobId },
      subTasks: [{ taskId: 1, taskName: "Trigger Backup", taskStatus: done ? job.finalStatus : "Started" }],
    },
  };
  if (done) properties.endTime = new Date(job.endMs).toISOString();
  if (done && job.finalStatus === "Failed" && job.errorCode) properties.errorDetails = [userFacingError(job.errorCode)];
  return { id: job.id, name: job.jobId, type: "Microsoft.DataProtection/Backupvaults/backupJobs", properties };
}

export function jobArgRow(job: JobEntity, bi: BackupInstanceEntity, vault: VaultEntity, server: ServerEntity | undefined, tenantId: string, nowMs: number): ArgRow {
  return new LazyArgRow(job.key, vault.subscriptionId, vault.resourceGroup, () => {
    const doc = argBase(job.id, job.jobId, TYPE.job, tenantId, vault.location, vault.subscriptionId, vault.resourceGroup);
    doc.properties = jobArm(job, bi, vault, server, nowMs).properties;
    return doc;
  });
}

export function roleAssignmentArm(assignment: RoleAssignmentEntity): Record<string, unknown> {
  const properties: Record<string, unknown> = {
    roleDefinitionId: assignment.roleDefinitionId,
    principalId: assignment.principalId,
    principalType: assignment.principalType,
    scope: assignment.scope,
    createdOn: assignment.createdOn,
    updatedOn: assignment.updatedOn,
    createdBy: assignment.createdBy,
    updatedBy: assignment.updatedBy,
  };
  if (assignment.condition !== undefined) {
    properties.condition = assignment.condition;
    properties.conditionVersion = assignment.conditionVersion ?? "2.0";
  }
  if (assignment.description !== undefined) properties.description = assignment.description;
  return { id: assignment.id, name: assignment.name, type: TYPE.roleAssignment, properties };
}

export function roleAssignmentArgRow(assignment: RoleAssignmentEntity, tenantId: string, subscriptionId: string, resourceGroup: string): ArgRow {
  return new LazyArgRow(assignment.key, subscriptionId, resourceGroup, () => {
    const doc = argBase(assignment.id, assignment.name, TYPE.roleAssignment, tenantId, "", subscriptionId, resourceGroup);
    const arm = roleAssignmentArm(assignment);
    doc.properties = { ...(arm.properties as Record<string, unknown>), roleName: ROLE_DEFINITIONS.get(assignment.roleGuid)?.roleName };
    return doc;
  });
}

/** A subscription as Resource Graph's resourcecontainers table shows it (how clients discover their scope). */
export function subscriptionArgRow(subscription: SubscriptionEntity, tenantId: string): ArgRow {
  const id = `/subscriptions/${subscription.subscriptionId}`;
  const doc = argBase(id, subscription.displayName, TYPE.subscription, tenantId, "", subscription.subscriptionId, "");
  doc.properties = { state: "Enabled", subscriptionPolicies: { quotaId: "EnterpriseAgreement_2014-09-01", spendingLimit: "Off" } };
  return rowOf(id.toLowerCase(), subscription.subscriptionId, "", doc);
}

/** A resource group as the resourcecontainers table shows it. */
export function resourceGroupArgRow(group: ResourceGroupEntity, tenantId: string): ArgRow {
  const doc = argBase(group.id, group.name, TYPE.resourceGroup, tenantId, group.location, group.subscriptionId, group.name);
  doc.properties = { provisioningState: "Succeeded" };
  doc.tags = group.tags;
  return rowOf(group.id.toLowerCase(), group.subscriptionId, group.name, doc);
}

function rowOf(key: string, subscriptionId: string, resourceGroup: string, doc: Record<string, unknown>): ArgRow {
  const subscriptionKey = subscriptionId.toLowerCase();
  return {
    key,
    subscriptionKey,
    resourceGroupKey: resourceGroup ? `/subscriptions/${subscriptionKey}/resourcegroups/${resourceGroup.toLowerCase()}` : "",
    doc,
  };
}
