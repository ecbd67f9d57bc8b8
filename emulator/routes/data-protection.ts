// Microsoft.DataProtection (Backup vaults): vaults, backup policies, backup instances with their
// long-running create/delete, validateForBackup, on-demand backup, jobs, operation status and
// results, and the extension route that lists the instances protecting a given server.
// Timing is emulated (store.timings scaled by the clock's time factor); outcomes are decided by
// the fleet's state: the vault identity's roles (after RBAC propagation), the server's state,
// and any injected protection fault.
import { z } from "zod";
import { ArmError, armErrors } from "../errors.ts";
import { idKey, nameGuid, parseResourceId } from "../ids.ts";
import { ROLE } from "../roles.ts";
import type { BackupInstanceEntity, JobEntity, OperationEntity, ServerEntity, VaultEntity } from "../store/entities.ts";
import { dataSourceInfoFor } from "../store/store.ts";
import { TYPE, backupInstanceArm, jobArm, policyArm, userFacingError, vaultArm } from "../store/views.ts";
import { type Reply, type RequestContext, type Route, path } from "./types.ts";

export const DATA_PROTECTION_API_VERSIONS = ["2026-06-01", "2026-03-01", "2025-09-01", "2025-07-01", "2024-04-01"] as const;

const VAULTS = "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.DataProtection/backupVaults";
const VAULT = `${VAULTS}/{vaultName}`;
const PAGE_SIZE = 200;

// ---------- helpers ----------

function vaultIdOf(context: RequestContext): string {
  const { subscriptionId, resourceGroupName, vaultName } = context.params;
  return `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroupName}/providers/Microsoft.DataProtection/backupVaults/${vaultName}`;
}

function requireAccess(context: RequestContext, scope: string, write: boolean, action: string): void {
  const { store } = context.state;
  const principal = context.caller.principalId;
  const allowed = write ? store.can(principal, "backupWrite", scope) : store.can(principal, "backupRead", scope) || store.can(principal, "read", scope);
  if (!allowed) throw armErrors.authorizationFailed(principal, action, scope);
}

function requireSubscription(context: RequestContext): void {
  if (!context.state.store.subscriptions.has(context.params.subscriptionId!.toLowerCase())) throw armErrors.subscriptionNotFound(context.params.subscriptionId!);
}

function requireResourceGroup(context: RequestContext): void {
  requireSubscription(context);
  const { subscriptionId, resourceGroupName } = context.params;
  if (!context.state.store.resourceGroups.has(idKey(`/subscriptions/${subscriptionId}/resourceGroups/${resourceGroupName}`))) {
    throw armErrors.resourceGroupNotFound(resourceGroupName!);
  }
}

function loadVault(context: RequestContext, write: boolean, action: string): VaultEntity {
  const vaultId = vaultIdOf(context);
  requireAccess(context, vaultId, write, action);
  requireResourceGroup(context);
  const vault = context.state.store.vaults.get(idKey(vaultId));
  if (!vault) throw armErrors.resourceNotFound(TYPE.vault, context.params.vaultName!, context.params.resourceGroupName);
  return vault;
}

function loadBackupInstance(context: RequestContext, vault: VaultEntity): BackupInstanceEntity {
  const bi = context.state.store.backupInstances.get(idKey(`${vault.id}/backupInstances/${context.params.backupInstanceName}`));
  if (!bi) {
    throw new ArmError(404, "ResourceNotFound", `The backup instance '${context.params.backupInstanceName}' was not found in vault '${vault.name}'.`);
  }
  return bi;
}

/** A {value, nextLink} page; the continuation is an offset in $skipToken, as the service's lists do. */
function page<T>(context: RequestContext, items: T[], render: (item: T) => unknown): Reply {
  const offset = Number(context.query.get("$skipToken") ?? "0") || 0;
  const slice = items.slice(offset, offset + PAGE_SIZE);
  const body: { value: unknown[]; nextLink?: string } = { value: slice.map(render) };
  if (offset + PAGE_SIZE < items.length) {
    const next = new URL(context.path, context.baseUrl);
    next.searchParams.set("api-version", context.apiVersion);
    next.searchParams.set("$skipToken", String(offset + PAGE_SIZE));
    body.nextLink = next.toString();
  }
  return { status: 200, body };
}

function absolute(context: RequestContext, pathname: string): string {
  return `${context.baseUrl}${pathname}?api-version=${context.apiVersion}`;
}

/** Creates the operation and returns the headers ARM sends with a 201/202 for it. */
function startOperation(
  context: RequestContext,
  input: {
    vault: VaultEntity;
    durationMs: number;
    outcome: OperationEntity["outcome"];
    resultProperties?: Record<string, unknown>;
    resultBody?: () => unknown;
    locationPath: (operationId: string) => string;
    onComplete?: () => void;
  },
): { operation: OperationEntity; headers: Record<string, string> } {
  const { store, clock } = context.state;
  const operationId = store.newOperationId();
  const now = clock.now();
  const operation: OperationEntity = {
    operationId,
    statusPath: `${input.vault.id}/operationStatus/${operationId}`,
    startMs: now,
    endMs: now + input.durationMs,
    outcome: input.outcome,
    resultProperties: input.resultProperties,
    resultBody: input.resultBody,
  };
  store.operations.set(operationId, operation);
  if (input.onComplete) store.schedule(operation.endMs, input.onComplete);
  return {
    operation,
    headers: {
      "azure-asyncoperation": absolute(context, operation.statusPath),
      location: absolute(context, input.locationPath(operationId)),
      "retry-after": String(clock.realSecondsUntil(operation.endMs)),
    },
  };
}

function operationStatusBody(operation: OperationEntity, id: string, nowMs: number): Record<string, unknown> {
  const done = nowMs >= operation.endMs;
  const body: Record<string, unknown> = {
    id,
    name: operation.operationId,
    status: done ? operation.outcome.status : "InProgress",
    startTime: new Date(operation.startMs).toISOString(),
  };
  if (done) {
    body.endTime = new Date(operation.endMs).toISOString();
    if (operation.outcome.error) body.error = operation.outcome.error;
    if (operation.resultProperties && operation.outcome.status === "Succeeded") body.properties = operation.resultProperties;
  }
  return body;
}

function findOperation(context: RequestContext): OperationEntity {
  const operation = context.state.store.operations.get(context.params.operationId!);
  if (!operation) throw new ArmError(404, "NotFound", `The operation '${context.params.operationId}' was not found.`);
  return operation;
}

function missingPermissionsError(vaultPrincipal: string, action: string, scope: string): NonNullable<OperationEntity["outcome"]["error"]> {
  const message = "Appropriate permissions to perform the operation is missing.";
  return {
    code: "UserErrorMissingRequiredPermissions",
    message,
    additionalInfo: [
      {
        type: "UserFacingError",
        info: {
          message,
          recommendedAction: ["Grant appropriate permissions to perform this operation as mentioned at https://aka.ms/UserErrorMissingRequiredPermissions and retry the operation."],
          code: "UserErrorMissingRequiredPermissions",
          target: "",
          innerError: {
            code: "UserErrorMissingRequiredPermissions",
            additionalInfo: {
              DetailedNonLocalisedMessage: `Validate for Protection failed. Exception Message: The client '${vaultPrincipal}' with object id '${vaultPrincipal}' does not have authorization to perform action '${action}' over scope '${scope}' or the scope is invalid. If access was recently granted, please refresh your credentials.`,
            },
          },
          isRetryable: false,
          isUserError: false,
          properties: { ActivityId: nameGuid("activity", vaultPrincipal, scope) },
        },
      },
    ],
  };
}

function postgresError(innerCode: string, message: string): NonNullable<OperationEntity["outcome"]["error"]> {
  return {
    code: "PostgreSQLFlexOperationFailedUserError",
    message,
    additionalInfo: [
      {
        type: "UserFacingError",
        info: {
          message,
          code: "PostgreSQLFlexOperationFailedUserError",
          target: "",
          innerError: { code: innerCode, additionalInfo: { DetailedNonLocalisedMessage: message } },
          isRetryable: false,
          isUserError: true,
          recommendedAction: ["Resolve the reported problem on the PostgreSQL flexible server and retry the operation."],
        },
      },
    ],
  };
}

function plainError(code: string): NonNullable<OperationEntity["outcome"]["error"]> {
  const info = userFacingError(code);
  return { code, message: String(info.message), additionalInfo: [{ type: "UserFacingError", info }] };
}

/**
 * What Backup's validation concludes right now for protecting `server` in `vault`: null when it
 * passes, or the error the operation fails with. Role assignments count only once propagated.
 */
function validateProtection(context: RequestContext, vault: VaultEntity, serverId: string): NonNullable<OperationEntity["outcome"]["error"]> | null {
  const { store, clock } = context.state;
  const server = store.servers.get(idKey(serverId));
  if (!server) return postgresError("ResourceNotFound", `The PostgreSQL flexible server '${serverId}' was not found.`);
  if (server.location.toLowerCase() !== vault.location.toLowerCase()) {
    return {
      code: "UserErrorDatasourceAndVaultLocationMismatch",
      message: `The server is in '${server.location}' but the Backup vault is in '${vault.location}'. The vault must be in the same region as the server.`,
    };
  }
  const principal = vault.principalId;
  const rgScope = `/subscriptions/${server.subscriptionId}/resourceGroups/${server.resourceGroup}`;
  if (!principal) return missingPermissionsError("00000000-0000-0000-0000-000000000000", "Microsoft.DBforPostgreSQL/flexibleServers/ltrPreBackup/action", server.id);
  const now = clock.now();
  if (!store.effectiveRole(principal, [ROLE.postgresLtrBackup, ROLE.owner, ROLE.contributor], server.id, now)) {
    return missingPermissionsError(principal, "Microsoft.DBforPostgreSQL/flexibleServers/ltrPreBackup/action", server.id);
  }
  if (!store.effectiveRole(principal, [ROLE.reader, ROLE.contributor, ROLE.owner], rgScope, now)) {
    return missingPermissionsError(principal, "Microsoft.DBforPostgreSQL/flexibleServers/read", rgScope);
  }
  if (server.state !== "Ready") {
    return postgresError("ServerNotReadyForLongTermBackup", `The server '${server.name}' is in state '${server.state}'; long term backup needs the server to be Ready.`);
  }
  return null;
}

// ---------- request bodies ----------

const dataSourceSchema = z.looseObject({
  resourceID: z.string({ error: "dataSourceInfo.resourceID is required" }),
  objectType: z.string().optional(),
  datasourceType: z.string().optional(),
});

const backupInstanceSchema = z.looseObject({
  objectType: z.string({ error: "objectType is required" }),
  friendlyName: z.string().optional(),
  dataSourceInfo: dataSourceSchema,
  dataSourceSetInfo: z.looseObject({}).optional(),
  policyInfo: z.looseObject({ policyId: z.string({ error: "policyInfo.policyId is required" }) }),
});

function parseBody<T>(schema: z.ZodType<T>, body: unknown, prefix: string): T {
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = [prefix, ...issue.path].filter(Boolean).join(".");
    throw new ArmError(400, "UserErrorInvalidRequestParameter", `Invalid request: '${field}': ${issue.message}.`);
  }
  return parsed.data;
}

// ---------- handlers ----------

function listVaultsInSubscription(context: RequestContext): Reply {
  requireSubscription(context);
  const { store } = context.state;
  const principal = context.caller.principalId;
  const vaults = (store.vaultsBySubscription.get(context.params.subscriptionId!.toLowerCase()) ?? []).filter(
    (v) => store.vaults.get(v.key) === v && (store.can(principal, "backupRead", v.id) || store.can(principal, "read", v.id)),
  );
  return page(context, vaults, (v) => vaultArm(v, store.tenantId));
}

function listVaultsInResourceGroup(context: RequestContext): Reply {
  const { store } = context.state;
  const { subscriptionId, resourceGroupName } = context.params;
  const rgScope = `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroupName}`;
  requireResourceGroup(context);
  const principal = context.caller.principalId;
  const rgKey = idKey(rgScope);
  const vaults = (store.vaultsBySubscription.get(subscriptionId!.toLowerCase()) ?? []).filter(
    (v) => store.vaults.get(v.key) === v && idKey(v.id).startsWith(rgKey + "/") && (store.can(principal, "backupRead", v.id) || store.can(principal, "read", v.id)),
  );
  return page(context, vaults, (v) => vaultArm(v, store.tenantId));
}

function getVault(context: RequestContext): Reply {
  const vault = loadVault(context, false, "Microsoft.DataProtection/backupVaults/read");
  return { status: 200, body: vaultArm(vault, context.state.store.tenantId) };
}

const vaultBodySchema = z.looseObject({
  location: z.string({ error: "location is required" }),
  tags: z.record(z.string(), z.string()).optional(),
  identity: z.looseObject({ type: z.string() }).optional(),
  properties: z.looseObject({
    storageSettings: z.array(z.looseObject({ datastoreType: z.string().optional(), type: z.string().optional() })).optional(),
  }),
});

function putVault(context: RequestContext): Reply {
  const vaultId = vaultIdOf(context);
  requireAccess(context, vaultId, true, "Microsoft.DataProtection/backupVaults/write");
  requireResourceGroup(context);
  const body = parseBody(vaultBodySchema, context.body, "");
  const { store } = context.state;
  const existing = store.vaults.get(idKey(vaultId));
  const wantsIdentity = /systemassigned/i.test(body.identity?.type ?? "");
  const vault: VaultEntity = {
    id: existing?.id ?? vaultId,
    key: idKey(vaultId),
    subscriptionId: existing?.subscriptionId ?? context.params.subscriptionId!,
    resourceGroup: existing?.resourceGroup ?? context.params.resourceGroupName!,
    name: existing?.name ?? context.params.vaultName!,
    location: existing?.location ?? body.location,
    // A system-assigned identity is created once, with a new principal id; removing it drops it.
    principalId: wantsIdentity ? (existing?.principalId ?? store.newGuid("vault-identity")) : body.identity ? null : (existing?.principalId ?? null),
    storageRedundancy: body.properties.storageSettings?.[0]?.type ?? existing?.storageRedundancy ?? "LocallyRedundant",
    tags: body.tags ?? existing?.tags ?? {},
    createdAt: existing?.createdAt ?? context.state.clock.nowIso(),
    createdBy: existing?.createdBy ?? context.caller.name ?? context.caller.principalId,
  };
  store.addVault(vault);
  const { headers } = startOperation(context, {
    vault,
    durationMs: 0,
    outcome: { status: "Succeeded" },
    resultBody: () => vaultArm(store.vaults.get(vault.key) ?? vault, store.tenantId),
    locationPath: (op) => `${vault.id}/operationResults/${op}`,
  });
  return { status: existing ? 200 : 201, body: vaultArm(vault, store.tenantId), headers: { "azure-asyncoperation": headers["azure-asyncoperation"]! } };
}

function listPolicies(context: RequestContext): Reply {
  const vault = loadVault(context, false, "Microsoft.DataProtection/backupVaults/backupPolicies/read");
  return page(context, context.state.store.policiesOf(vault.key), policyArm);
}

function getPolicy(context: RequestContext): Reply {
  const vault = loadVault(context, false, "Microsoft.DataProtection/backupVaults/backupPolicies/read");
  const policy = context.state.store.policies.get(idKey(`${vault.id}/backupPolicies/${context.params.backupPolicyName}`));
  if (!policy) throw new ArmError(404, "ResourceNotFound", `The backup policy '${context.params.backupPolicyName}' was not found in vault '${vault.name}'.`);
  return { status: 200, body: policyArm(policy) };
}

const policySchema = z.looseObject({
  properties: z.looseObject({
    objectType: z.literal("BackupPolicy", { error: "properties.objectType must be 'BackupPolicy'" }),
    datasourceTypes: z.array(z.string()).min(1, "properties.datasourceTypes needs at least one datasource type"),
    policyRules: z.array(z.looseObject({ name: z.string(), objectType: z.string() })).min(1, "properties.policyRules needs at least one rule"),
  }),
});

function putPolicy(context: RequestContext): Reply {
  const vault = loadVault(context, true, "Microsoft.DataProtection/backupVaults/backupPolicies/write");
  const body = parseBody(policySchema, context.body, "");
  // The service echoes the policy, with each tag gaining its id ("<tagName>_").
  const properties = JSON.parse(JSON.stringify(body.properties)) as Record<string, unknown>;
  for (const rule of properties.policyRules as Record<string, unknown>[]) {
    const criteria = (rule.trigger as { taggingCriteria?: { tagInfo?: Record<string, unknown> }[] } | undefined)?.taggingCriteria;
    for (const criterion of criteria ?? []) {
      if (criterion.tagInfo && typeof criterion.tagInfo.tagName === "string") criterion.tagInfo.id ??= `${criterion.tagInfo.tagName}_`;
    }
  }
  const policy = context.state.store.putPolicy(vault, context.params.backupPolicyName!, properties);
  return { status: 200, body: policyArm(policy) };
}

function deletePolicy(context: RequestContext): Reply {
  const vault = loadVault(context, true, "Microsoft.DataProtection/backupVaults/backupPolicies/delete");
  const { store } = context.state;
  const policy = store.policies.get(idKey(`${vault.id}/backupPolicies/${context.params.backupPolicyName}`));
  if (!policy) return { status: 204 };
  const inUse = [...store.backupInstances.values()].some((bi) => idKey(bi.policyId) === policy.key);
  if (inUse) throw new ArmError(400, "UserErrorPolicyInUse", `The backup policy '${policy.name}' is associated with backup instances and cannot be deleted.`);
  store.deletePolicy(policy);
  return { status: 200 };
}

function listBackupInstances(context: RequestContext): Reply {
  const vault = loadVault(context, false, "Microsoft.DataProtection/backupVaults/backupInstances/read");
  return page(context, context.state.store.backupInstancesOf(vault.key), backupInstanceArm);
}

function getBackupInstance(context: RequestContext): Reply {
  const vault = loadVault(context, false, "Microsoft.DataProtection/backupVaults/backupInstances/read");
  return { status: 200, body: backupInstanceArm(loadBackupInstance(context, vault)) };
}

function putBackupInstance(context: RequestContext): Reply {
  const vault = loadVault(context, true, "Microsoft.DataProtection/backupVaults/backupInstances/write");
  const name = context.params.backupInstanceName!;
  if (!/^[A-Za-z][-A-Za-z0-9]*[A-Za-z0-9]$/.test(context.params.vaultName!)) throw armErrors.badRequest(`The vault name '${context.params.vaultName}' is invalid.`);
  const body = parseBody(z.looseObject({ properties: backupInstanceSchema, tags: z.record(z.string(), z.string()).optional() }), context.body, "");
  const { store } = context.state;
  const properties = body.properties;
  const policy = store.policies.get(idKey(properties.policyInfo.policyId));
  if (!policy || policy.vaultKey !== vault.key) {
    throw new ArmError(400, "UserErrorPolicyNotFound", `The backup policy '${properties.policyInfo.policyId}' was not found in vault '${vault.name}'.`);
  }
  const serverId = properties.dataSourceInfo.resourceID;
  const serverKey = idKey(serverId);
  const server = store.servers.get(serverKey);
  if (!server) throw new ArmError(400, "UserErrorDataSourceNotFound", `The datasource '${serverId}' was not found.`);
  const key = idKey(`${vault.id}/backupInstances/${name}`);
  const existing = store.backupInstances.get(key);
  // A server is protected by one backup instance at a time, whichever vault holds it.
  for (const otherKey of store.backupInstancesByServer.get(serverKey) ?? []) {
    if (otherKey === key) continue;
    const other = store.backupInstances.get(otherKey)!;
    throw new ArmError(409, "UserErrorDataSourceAlreadyProtected", `The datasource '${server.id}' is already protected by backup instance '${other.id}'. Stop protection and delete it before protecting the datasource again.`);
  }
  if (existing && existing.serverKey !== serverKey) {
    throw new ArmError(400, "UserErrorInvalidRequestParameter", `The backup instance '${name}' protects '${existing.serverId}'; its datasource cannot be changed.`);
  }

  const bi: BackupInstanceEntity = existing ?? {
    id: `${vault.id}/backupInstances/${name}`,
    key,
    vaultKey: vault.key,
    name,
    friendlyName: properties.friendlyName ?? server.name,
    serverId: server.id,
    serverKey,
    policyId: policy.id,
    dataSourceInfo: { ...dataSourceInfoFor(server, server.id), ...properties.dataSourceInfo },
    dataSourceSetInfo: properties.dataSourceSetInfo,
    protectionStatus: "",
    currentProtectionState: "ConfiguringProtection",
    provisioningState: "Provisioning",
    nextBackupAt: null,
    busyUntil: 0,
    tags: body.tags,
  };
  bi.policyId = policy.id;
  if (existing) {
    bi.currentProtectionState = "UpdatingProtection";
    bi.provisioningState = "Updating";
    if (body.tags) bi.tags = body.tags;
  }
  bi.errorCode = undefined;
  store.saveBackupInstance(bi);

  // Configure protection validates the vault's access like validateForBackup (a deep validation).
  const failure = validateProtection(context, vault, server.id) ?? (server.protectionFailureCode ? plainError(server.protectionFailureCode) : null);
  const { headers } = startOperation(context, {
    vault,
    durationMs: store.timings.configureProtectionMs,
    outcome: failure ? { status: "Failed", error: failure } : { status: "Succeeded" },
    resultBody: () => {
      const current = store.backupInstances.get(key);
      return current ? backupInstanceArm(current) : undefined;
    },
    locationPath: (op) => `${bi.id}/operationResults/${op}`,
    onComplete: () => {
      const current = store.backupInstances.get(key);
      if (current !== bi) return;
      if (failure && !existing && failure.code === "UserErrorMissingRequiredPermissions") {
        // Missing access: the service does not keep the instance it could not configure.
        store.deleteBackupInstance(bi);
        return;
      }
      bi.currentProtectionState = failure ? "ConfiguringProtectionFailed" : "ProtectionConfigured";
      bi.provisioningState = failure ? "Failed" : "Succeeded";
      bi.errorCode = failure?.code;
      store.saveBackupInstance(bi);
    },
  });
  const status = existing ? 200 : 201;
  return { status, body: backupInstanceArm(bi), headers };
}

function deleteBackupInstance(context: RequestContext): Reply {
  const vault = loadVault(context, true, "Microsoft.DataProtection/backupVaults/backupInstances/delete");
  const { store } = context.state;
  const key = idKey(`${vault.id}/backupInstances/${context.params.backupInstanceName}`);
  const bi = store.backupInstances.get(key);
  if (!bi) return { status: 204 };
  bi.currentProtectionState = "SoftDeleting";
  bi.nextBackupAt = null;
  store.saveBackupInstance(bi);
  const { headers } = startOperation(context, {
    vault,
    durationMs: store.timings.deleteMs,
    outcome: { status: "Succeeded" },
    locationPath: (op) => `${bi.id}/operationResults/${op}`,
    onComplete: () => {
      if (store.backupInstances.get(key) === bi) store.deleteBackupInstance(bi);
    },
  });
  return { status: 202, headers };
}

const validateSchema = z.looseObject({ backupInstance: backupInstanceSchema });

function validateForBackup(context: RequestContext): Reply {
  const vault = loadVault(context, true, "Microsoft.DataProtection/backupVaults/validateForBackup/action");
  const body = parseBody(validateSchema, context.body, "");
  const { store } = context.state;
  const policy = store.policies.get(idKey(body.backupInstance.policyInfo.policyId));
  if (!policy || policy.vaultKey !== vault.key) {
    throw new ArmError(400, "UserErrorPolicyNotFound", `The backup policy '${body.backupInstance.policyInfo.policyId}' was not found in vault '${vault.name}'.`);
  }
  // Decided now, as the service checks access when it runs; revealed when the operation ends.
  const failure = validateProtection(context, vault, body.backupInstance.dataSourceInfo.resourceID);
  const jobId = store.newGuid("validate-job");
  const { headers } = startOperation(context, {
    vault,
    durationMs: store.timings.validateMs,
    outcome: failure ? { status: "Failed", error: failure } : { status: "Succeeded" },
    resultProperties: { objectType: "OperationJobExtendedInfo", jobId },
    resultBody: () => ({ objectType: "OperationJobExtendedInfo", jobId }),
    locationPath: (op) => `/subscriptions/${vault.subscriptionId}/providers/Microsoft.DataProtection/locations/${vault.location}/operationResults/${op}`,
  });
  return { status: 202, headers };
}

const triggerSchema = z.looseObject({
  backupRuleOptions: z.looseObject({ ruleName: z.string(), triggerOption: z.looseObject({ retentionTagOverride: z.string().optional() }) }),
});

function adhocBackup(context: RequestContext): Reply {
  const vault = loadVault(context, true, "Microsoft.DataProtection/backupVaults/backupInstances/backup/action");
  const bi = loadBackupInstance(context, vault);
  parseBody(triggerSchema, context.body, "");
  const { store, clock } = context.state;
  if (bi.currentProtectionState !== "ProtectionConfigured") {
    throw new ArmError(400, "UserErrorBackupInstanceNotProtected", `The backup instance '${bi.name}' is in state '${bi.currentProtectionState}'; on-demand backup needs ProtectionConfigured.`);
  }
  if (bi.busyUntil > clock.now()) {
    throw new ArmError(409, "UserErrorMaxConcurrentOperationLimitReached", "Another backup operation is in progress on this backup instance. Retry after it completes.");
  }
  const job = store.startJob(bi, true, clock.now());
  const { headers } = startOperation(context, {
    vault,
    durationMs: Math.min(5_000, store.timings.backupJobMs),
    outcome: { status: "Succeeded" },
    resultProperties: { objectType: "OperationJobExtendedInfo", jobId: job.id },
    resultBody: () => ({ objectType: "OperationJobExtendedInfo", jobId: job.id }),
    locationPath: (op) => `/subscriptions/${vault.subscriptionId}/providers/Microsoft.DataProtection/locations/${vault.location}/operationResults/${op}`,
  });
  return { status: 202, headers };
}

function getVaultOperationStatus(context: RequestContext): Reply {
  const vault = loadVault(context, false, "Microsoft.DataProtection/backupVaults/operationStatus/read");
  const operation = findOperation(context);
  return { status: 200, body: operationStatusBody(operation, `${vault.id}/operationStatus/${operation.operationId}`, context.state.clock.now()) };
}

function getLocationOperationStatus(context: RequestContext): Reply {
  requireSubscription(context);
  const operation = findOperation(context);
  const id = `/subscriptions/${context.params.subscriptionId}/providers/Microsoft.DataProtection/locations/${context.params.location}/operationStatus/${operation.operationId}`;
  return { status: 200, body: operationStatusBody(operation, id, context.state.clock.now()) };
}

function getResourceGroupOperationStatus(context: RequestContext): Reply {
  requireResourceGroup(context);
  const operation = findOperation(context);
  const id = `/subscriptions/${context.params.subscriptionId}/resourceGroups/${context.params.resourceGroupName}/providers/Microsoft.DataProtection/operationStatus/${operation.operationId}`;
  return { status: 200, body: operationStatusBody(operation, id, context.state.clock.now()) };
}

/** A Location poll: 202 while running, then the result (200), 204 without one, or the error. */
function operationResult(context: RequestContext): Reply {
  const operation = findOperation(context);
  const { clock } = context.state;
  if (clock.now() < operation.endMs) {
    return { status: 202, headers: { location: `${context.baseUrl}${context.path}?api-version=${context.apiVersion}`, "retry-after": String(clock.realSecondsUntil(operation.endMs)) } };
  }
  if (operation.outcome.status === "Failed" && operation.outcome.error) {
    const error = operation.outcome.error;
    throw new ArmError(400, error.code, error.message);
  }
  const body = operation.resultBody?.();
  return body === undefined ? { status: 204 } : { status: 200, body };
}

function backupInstanceOperationResult(context: RequestContext): Reply {
  loadVault(context, false, "Microsoft.DataProtection/backupVaults/backupInstances/operationResults/read");
  return operationResult(context);
}

function locationOperationResult(context: RequestContext): Reply {
  requireSubscription(context);
  return operationResult(context);
}

function vaultOperationResult(context: RequestContext): Reply {
  loadVault(context, false, "Microsoft.DataProtection/backupVaults/operationResults/read");
  return operationResult(context);
}

function listJobs(context: RequestContext): Reply {
  const vault = loadVault(context, false, "Microsoft.DataProtection/backupVaults/backupJobs/read");
  const { store, clock } = context.state;
  const now = clock.now();
  const jobs = [...(store.jobsByVault.get(vault.key) ?? [])].sort((a, b) => b.startMs - a.startMs);
  return page(context, jobs, (job) => renderJob(context, job, vault, now));
}

function renderJob(context: RequestContext, job: JobEntity, vault: VaultEntity, now: number): unknown {
  const { store } = context.state;
  const bi = store.backupInstances.get(job.backupInstanceKey) ?? ghostInstance(job.backupInstanceKey, vault);
  const server: ServerEntity | undefined = store.servers.get(bi.serverKey);
  return jobArm(job, bi, vault, server, now);
}

/** Jobs outlive their backup instance; render them with what the id still tells. */
function ghostInstance(key: string, vault: VaultEntity): BackupInstanceEntity {
  const name = key.split("/").pop() ?? "";
  return {
    id: `${vault.id}/backupInstances/${name}`, key, vaultKey: vault.key, name, friendlyName: name, serverId: "", serverKey: "", policyId: "",
    dataSourceInfo: {}, protectionStatus: "", currentProtectionState: "NotProtected", provisioningState: "Succeeded", nextBackupAt: null, busyUntil: 0,
  };
}

function getJob(context: RequestContext): Reply {
  const vault = loadVault(context, false, "Microsoft.DataProtection/backupVaults/backupJobs/read");
  const { store, clock } = context.state;
  const job = store.jobs.get(idKey(`${vault.id}/backupJobs/${context.params.jobId}`));
  if (!job) throw new ArmError(404, "ResourceNotFound", `The job '${context.params.jobId}' was not found in vault '${vault.name}'.`);
  return { status: 200, body: renderJob(context, job, vault, clock.now()) };
}

/** GET {serverId}/providers/Microsoft.DataProtection/backupInstances: the instances protecting a server. */
function extensionRoutingList(context: RequestContext): Reply {
  const resourceId = `/${context.params.resourceId}`;
  const parsed = parseResourceId(resourceId);
  if (!parsed.subscriptionId) throw armErrors.badRequest(`'${resourceId}' is not a resource id.`);
  const { store } = context.state;
  const principal = context.caller.principalId;
  if (!store.can(principal, "read", resourceId) && !store.can(principal, "backupRead", resourceId)) {
    throw armErrors.authorizationFailed(principal, "Microsoft.DataProtection/backupInstances/read", resourceId);
  }
  const instances = [...(store.backupInstancesByServer.get(idKey(resourceId)) ?? [])]
    .map((key) => store.backupInstances.get(key)!)
    .filter((bi) => bi !== undefined);
  return page(context, instances, backupInstanceArm);
}

const route = (method: Route["method"], template: string, name: string, throttle: Route["throttle"], handle: Route["handle"]): Route => ({
  method,
  pattern: path(template),
  name,
  apiVersions: DATA_PROTECTION_API_VERSIONS,
  resourceType: "backupVaults",
  throttle,
  handle,
});

export const dataProtectionRoutes: Route[] = [
  route("GET", "/subscriptions/{subscriptionId}/providers/Microsoft.DataProtection/backupVaults", "BackupVaults_GetInSubscription", "reads", listVaultsInSubscription),
  route("GET", VAULTS, "BackupVaults_GetInResourceGroup", "reads", listVaultsInResourceGroup),
  route("GET", VAULT, "BackupVaults_Get", "reads", getVault),
  route("PUT", VAULT, "BackupVaults_CreateOrUpdate", "writes", putVault),
  route("GET", `${VAULT}/backupPolicies`, "BackupPolicies_List", "reads", listPolicies),
  route("GET", `${VAULT}/backupPolicies/{backupPolicyName}`, "BackupPolicies_Get", "reads", getPolicy),
  route("PUT", `${VAULT}/backupPolicies/{backupPolicyName}`, "BackupPolicies_CreateOrUpdate", "writes", putPolicy),
  route("DELETE", `${VAULT}/backupPolicies/{backupPolicyName}`, "BackupPolicies_Delete", "deletes", deletePolicy),
  route("GET", `${VAULT}/backupInstances`, "BackupInstances_List", "reads", listBackupInstances),
  route("GET", `${VAULT}/backupInstances/{backupInstanceName}`, "BackupInstances_Get", "reads", getBackupInstance),
  route("PUT", `${VAULT}/backupInstances/{backupInstanceName}`, "BackupInstances_CreateOrUpdate", "writes", putBackupInstance),
  route("DELETE", `${VAULT}/backupInstances/{backupInstanceName}`, "BackupInstances_Delete", "deletes", deleteBackupInstance),
  route("POST", `${VAULT}/backupInstances/{backupInstanceName}/backup`, "BackupInstances_AdhocBackup", "writes", adhocBackup),
  route("GET", `${VAULT}/backupInstances/{backupInstanceName}/operationResults/{operationId}`, "BackupInstances_GetBackupInstanceOperationResult", "reads", backupInstanceOperationResult),
  route("POST", `${VAULT}/validateForBackup`, "BackupInstances_ValidateForBackup", "writes", validateForBackup),
  route("GET", `${VAULT}/operationStatus/{operationId}`, "OperationStatusBackupVaultContext_Get", "reads", getVaultOperationStatus),
  route("GET", `${VAULT}/operationResults/{operationId}`, "BackupVaultOperationResults_Get", "reads", vaultOperationResult),
  route("GET", `${VAULT}/backupJobs`, "Jobs_List", "reads", listJobs),
  route("GET", `${VAULT}/backupJobs/{jobId}`, "Jobs_Get", "reads", getJob),
  route("GET", "/subscriptions/{subscriptionId}/providers/Microsoft.DataProtection/locations/{location}/operationStatus/{operationId}", "OperationStatus_Get", "reads", getLocationOperationStatus),
  route("GET", "/subscriptions/{subscriptionId}/providers/Microsoft.DataProtection/locations/{location}/operationResults/{operationId}", "OperationResult_Get", "reads", locationOperationResult),
  route("GET", "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.DataProtection/operationStatus/{operationId}", "OperationStatusResourceGroupContext_Get", "reads", getResourceGroupOperationStatus),
  {
    method: "GET",
    pattern: /^\/(?<resourceId>subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/(?!Microsoft\.DataProtection\/)[^/]+\/[^/]+\/[^/]+(?:\/[^/]+\/[^/]+)*)\/providers\/Microsoft\.DataProtection\/backupInstances\/?$/i,
    name: "BackupInstancesExtensionRouting_List",
    apiVersions: DATA_PROTECTION_API_VERSIONS,
    resourceType: "backupInstances",
    throttle: "reads",
    handle: extensionRoutingList,
  },
];
