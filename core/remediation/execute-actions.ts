// What each item kind does in Azure, as recorded steps. Every step is idempotent: it reads before it writes,
// uses deterministic names, and treats "already there" as done, so a step cut off by a crash can run again.
import { setTimeout as sleep } from "node:timers/promises";
import { authorizationClient, dataProtectionClient } from "../azure/clients";
import { PG_FLEX_DATASOURCE_TYPE, type BackupInstance, type BackupInstanceResource } from "../azure/data-protection";
import { createRoleAssignment } from "../azure/role-assignments";
import { env } from "../config/env";
import { roleAssignmentName } from "../templates/role-assignment-name";
import type { PlanAction, RoleToAssign, ServerRef, ServerSituation, VaultRef, PolicyRef } from "./plan-types";
import { describeFailure, lroFailure, runStep, StepFailedError, StepStoppedError, type StepItem } from "./execute-step";
import { PropagationEstimate } from "./propagation";

export type ItemOutcome =
  | { status: "SUCCEEDED" | "BACKUP_PENDING" | "NO_CHANGE" | "STALE"; reason?: string; result: Record<string, unknown> }
  | { status: "STOPPED" };

export interface ExecuteContext {
  item: StepItem;
  before: ServerSituation | null;
  /** Results of items this one depends on, by seq (a created vault's principal id, a created policy's id). */
  dependencyResults: Map<number, Record<string, unknown>>;
  /** True when the run was paused or cancelled: the item stops between steps and inside long waits. */
  shouldStop: () => Promise<boolean>;
}

const lower = (s: string | null | undefined) => (s ?? "").toLowerCase();
const parseArm = (armId: string) => {
  const m = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/[^/]+\/[^/]+\/([^/]+)/i.exec(armId);
  if (!m) throw new Error(`not an ARM resource id: ${armId}`);
  return { subscriptionId: m[1]!, resourceGroup: m[2]!, name: m[3]! };
};

export async function executeAction(action: PlanAction, ctx: ExecuteContext): Promise<ItemOutcome> {
  switch (action.kind) {
    case "protectServer":
      return protectServer(action, ctx);
    case "assignRoles":
      return assignRolesOnly(action, ctx);
    case "createPolicy":
      return createPolicy(action, ctx);
    case "createVault":
      return createVault(action, ctx);
    default:
      throw new Error(`${action.kind} items are not executed`);
  }
}

function principalOf(vault: VaultRef, ctx: ExecuteContext): string {
  const principalId = vault.fromItem !== null ? (ctx.dependencyResults.get(vault.fromItem)?.principalId as string | undefined) : vault.principalId;
  if (!principalId) throw new StepFailedError("VaultWithoutIdentity", `The vault ${vault.name} has no system-assigned identity to grant roles to`, null);
  return principalId;
}

function policyIdOf(policy: PolicyRef, ctx: ExecuteContext): string {
  return policy.fromItem !== null ? ((ctx.dependencyResults.get(policy.fromItem)?.policyArmId as string | undefined) ?? policy.armId) : policy.armId;
}

/** A role's assignment name: planned, or (for a vault this plan created) the templates' guid with the new principal. */
function assignmentNameOf(role: RoleToAssign, vault: VaultRef, principalId: string): string {
  if (vault.fromItem === null) return role.assignmentName;
  const subscriptionId = role.scope.split("/")[2]!;
  return roleAssignmentName({ scope: role.scope, principalId, subscriptionId, roleDefinitionGuid: role.roleDefinitionGuid });
}

interface LiveSituation extends Record<string, unknown> {
  backupInstanceArmId: string | null;
  backupVaultArmId: string | null;
  policyArmId: string | null;
  protectionState: string | null;
  rolesHeld: string[];
}

/** Reads the server's protection and the vault identity's roles as Azure has them now. */
async function readLive(server: ServerRef, vault: VaultRef, roles: RoleToAssign[], ctx: ExecuteContext): Promise<LiveSituation> {
  const dp = dataProtectionClient(server.subscriptionId);
  const principalId = vault.fromItem !== null ? (ctx.dependencyResults.get(vault.fromItem)?.principalId as string | undefined) : vault.principalId;
  // The two reads are independent: sent together.
  const [bi, rolesHeld] = await Promise.all([
    (async () => {
      let found: BackupInstanceResource | undefined;
      for await (const instance of dp.backupInstancesExtensionRouting.list(server.armId)) {
        found ??= instance;
        if (instance.properties.currentProtectionState === "ProtectionConfigured") found = instance;
      }
      return found;
    })(),
    (async () => {
      const held: string[] = [];
      if (roles.length === 0 || !principalId) return held;
      const wanted = new Set(roles.map((r) => `${lower(r.roleDefinitionGuid)}@${lower(r.scope)}`));
      // At the server's scope the list includes assignments above it (its resource group): one call answers all.
      const scope = server.armId.replace(/^\/+/, "");
      for await (const a of authorizationClient(server.subscriptionId).roleAssignments.listForScope(scope, { filter: `principalId eq '${principalId}'` })) {
        const key = `${lower(a.roleDefinitionId?.split("/").pop())}@${lower(a.scope)}`;
        if (wanted.has(key)) held.push(key);
      }
      return held;
    })(),
  ]);
  return {
    backupInstanceArmId: bi?.id ?? null,
    backupVaultArmId: bi?.id ? bi.id.replace(/\/backupInstances\/[^/]+$/i, "") : null,
    policyArmId: bi?.properties.policyInfo.policyId ?? null,
    protectionState: bi?.properties.currentProtectionState ?? null,
    rolesHeld: rolesHeld.sort(),
  };
}

/** The first step of a server item: NO_CHANGE when already right, STALE when the protection changed since planning. */
async function reread(
  server: ServerRef,
  vault: VaultRef,
  roles: RoleToAssign[],
  ctx: ExecuteContext,
  isRight: (live: LiveSituation) => boolean,
): Promise<{ verdict: "proceed" | "NO_CHANGE" | "STALE"; reason: string; live: LiveSituation }> {
  const detail = await runStep(ctx.item, "reread", "reread", async () => {
    const live = await readLive(server, vault, roles, ctx);
    if (isRight(live)) return { outcome: "already right", detail: { verdict: "NO_CHANGE", reason: "already protected as planned", live } };
    const before = ctx.before;
    if (before && lower(before.backupInstanceArmId) !== lower(live.backupInstanceArmId)) {
      const reason = live.backupInstanceArmId
        ? `now protected by ${live.backupInstanceArmId} (planned: ${before.backupInstanceArmId ?? "not protected"})`
        : `no longer protected by ${before.backupInstanceArmId}`;
      return { outcome: "changed since planning", detail: { verdict: "STALE", reason, live } };
    }
    if (before && before.backupInstanceArmId && lower(before.protectionState) !== lower(live.protectionState)) {
      const reason = `protection state is now ${live.protectionState} (planned: ${before.protectionState})`;
      return { outcome: "changed since planning", detail: { verdict: "STALE", reason, live } };
    }
    return { outcome: "as planned", detail: { verdict: "proceed", reason: "", live } };
  });
  return detail as unknown as { verdict: "proceed" | "NO_CHANGE" | "STALE"; reason: string; live: LiveSituation };
}

/**
 * Grants this process made or saw, as principal|role|scope: items sharing a scope (Reader on one resource group for
 * its many servers) write it once; later items record "exists" without spending the subscription's write budget.
 */
const knownGrants = new Set<string>();
/** Grants being made now: an item needing one of them waits for it instead of sending the same PUT (a 409 at best). */
const pendingGrants = new Map<string, Promise<unknown>>();
/** When this process made each grant. */
const grantedAt = new Map<string, number>();
/** How long grants took to reach the Backup service, as validations showed it. */
const propagation = new PropagationEstimate();

async function assignRoles(roles: RoleToAssign[], vault: VaultRef, ctx: ExecuteContext, held: string[] = []): Promise<string[]> {
  const principalId = principalOf(vault, ctx);
  const ids: string[] = [];
  for (const role of roles) {
    if (await ctx.shouldStop()) return ids;
    const name = assignmentNameOf(role, vault, principalId);
    const grant = `${lower(role.roleDefinitionGuid)}@${lower(role.scope)}`;
    await runStep(ctx.item, `assignRole:${role.roleDefinitionGuid}:${lower(role.scope)}`, "assignRole", async () => {
      const known = `${principalId}|${grant}`;
      const exists = { outcome: "exists", detail: { scope: role.scope, role: role.roleName, assignmentName: name, write: false } };
      if (held.includes(grant) || knownGrants.has(known)) return exists;
      const making = pendingGrants.get(known);
      // Another item is granting it: done when that succeeds (if it fails, this item tries itself).
      if (making && (await making.then(() => true, () => false))) return exists;
      const request = createRoleAssignment({ scope: role.scope, name, roleDefinitionGuid: role.roleDefinitionGuid, principalId });
      pendingGrants.set(known, request);
      const outcome = await request.finally(() => {
        if (pendingGrants.get(known) === request) pendingGrants.delete(known);
      });
      knownGrants.add(known);
      if (outcome === "created") grantedAt.set(`${principalId}|${grant}`, Date.now());
      return { outcome, detail: { scope: role.scope, role: role.roleName, assignmentName: name, write: true } };
    });
    ids.push(`${role.scope}/providers/Microsoft.Authorization/roleAssignments/${name}`);
  }
  return ids;
}

function backupInstanceBody(server: ServerRef, policyId: string): BackupInstance {
  const datasource = {
    datasourceType: PG_FLEX_DATASOURCE_TYPE,
    resourceType: PG_FLEX_DATASOURCE_TYPE,
    resourceID: server.armId,
    resourceName: server.name,
    resourceLocation: server.location,
    resourceUri: "",
  };
  return { objectType: "BackupInstance", friendlyName: server.name, dataSourceInfo: { objectType: "Datasource", ...datasource }, policyInfo: { policyId } };
}

const MISSING_PERMISSIONS = /UserErrorMissingRequiredPermissions|AuthorizationFailed/;

async function protectServer(action: Extract<PlanAction, { kind: "protectServer" }>, ctx: ExecuteContext): Promise<ItemOutcome> {
  const { server, vault, rolesToAssign } = action;
  const policyId = policyIdOf(action.policy, ctx);
  const targetId = `${vault.armId}/backupInstances/${action.backupInstanceName}`;
  const check = await reread(server, vault, rolesToAssign, ctx, (live) =>
    lower(live.backupVaultArmId) === lower(vault.armId) &&
    lower(live.policyArmId) === lower(policyId) &&
    live.protectionState === "ProtectionConfigured" &&
    live.rolesHeld.length === rolesToAssign.length,
  );
  if (check.verdict !== "proceed") return { status: check.verdict, reason: check.reason, result: { live: check.live } };
  if (await ctx.shouldStop()) return { status: "STOPPED" };

  const roleAssignments = await assignRoles(rolesToAssign, vault, ctx, check.live.rolesHeld);
  if (await ctx.shouldStop()) return { status: "STOPPED" };

  const v = parseArm(vault.armId);
  const dp = dataProtectionClient(v.subscriptionId);
  const body = backupInstanceBody(server, policyId);

  // Role assignments take minutes to reach the Backup service: validation fails with the missing-permission error
  // until then. Retry with backoff for as long as propagation can take.
  await runStep(ctx.item, "validateForBackup", "validateForBackup", async () => {
    const deadline = Date.now() + env().REMEDIATION_PERMISSION_WAIT_SECONDS * 1000;
    const principalId = vault.fromItem !== null ? (ctx.dependencyResults.get(vault.fromItem)?.principalId as string | undefined) : vault.principalId;
    // The latest of this item's grants this process made (its own, or a shared one another item made).
    const times = rolesToAssign.map((r) => grantedAt.get(`${principalId}|${lower(r.roleDefinitionGuid)}@${lower(r.scope)}`)).filter((t): t is number => t !== undefined);
    const granted = times.length ? Math.max(...times) : undefined;
    // Roles just granted: wait out the propagation this process has seen before (each validation is a write).
    if (granted && propagation.ms !== undefined && rolesToAssign.length > 0) {
      const wait = granted + propagation.ms - Date.now();
      if (wait > 0) await sleep(Math.min(wait, 120_000));
    }
    // A failed validation is known only once its operation ended (Retry-After): the first retry need not wait long.
    let delay = 250;
    let failedSentAt: number | undefined;
    for (let tries = 1; ; tries++) {
      const sentAt = Date.now();
      try {
        await dp.backupInstances.beginValidateForBackupAndWait(v.resourceGroup, v.name, { backupInstance: body });
        // The grants reached the service after the last failed validation was sent and before this one was.
        if (failedSentAt !== undefined && granted) propagation.observe(failedSentAt - granted, sentAt - granted);
        return { outcome: tries === 1 ? "validated" : `validated after ${tries} tries`, detail: { tries } };
      } catch (err) {
        const failure = lroFailure(err);
        if (!failure || !MISSING_PERMISSIONS.test(failure.code) || Date.now() + delay > deadline) throw err;
        failedSentAt = sentAt;
        if (await ctx.shouldStop()) throw new StepStoppedError();
        await sleep(delay);
        delay = Math.min(delay * 2, 60_000);
      }
    }
  });
  if (await ctx.shouldStop()) return { status: "STOPPED" };

  await runStep(ctx.item, "createBackupInstance", "createBackupInstance", async ({ attempt }) => {
    // A first attempt after a re-read that found the server unprotected has nothing to look for: no earlier attempt
    // of this step can have sent the PUT. Otherwise the instance may be there already (configured, or failed).
    const existing = attempt === 1 && check.live.backupInstanceArmId === null ? undefined : await getOrUndefined(() => dp.backupInstances.get(v.resourceGroup, v.name, action.backupInstanceName));
    const state = existing?.properties.currentProtectionState ?? "";
    if (existing && /^(ProtectionConfigured|ConfiguringProtection|UpdatingProtection)$/.test(state))
      return { outcome: "exists", detail: { backupInstanceArmId: existing.id ?? targetId } };
    // Absent, or left failed by an earlier attempt: PUT the same name (configuring it again never makes a second one).
    // Not read back when it succeeded: the next step reads the instance's protection state anyway.
    const poller = await dp.backupInstances.beginCreateOrUpdate(v.resourceGroup, v.name, action.backupInstanceName, { properties: body }, { finalRead: false });
    await poller.pollUntilDone();
    return { outcome: existing ? `reconfigured (was ${state})` : "created", detail: { backupInstanceArmId: targetId } };
  });

  await runStep(ctx.item, "waitForProtection", "waitForProtection", async () => {
    for (let delay = 1_000; ; delay = Math.min(delay * 1.5, 15_000)) {
      const bi = await dp.backupInstances.get(v.resourceGroup, v.name, action.backupInstanceName);
      const state = bi.properties.currentProtectionState ?? bi.properties.protectionStatus?.status;
      if (state === "ProtectionConfigured") return { outcome: "ProtectionConfigured", detail: {} };
      if (state && /Failed|Error|Stopped/i.test(state)) {
        const error = bi.properties.protectionErrorDetails ?? bi.properties.protectionStatus?.errorDetails;
        throw new StepFailedError(error?.code ?? state, `${error?.code ?? state}: ${error?.message ?? `protection is ${state}`}`, null);
      }
      await sleep(delay);
    }
  });

  const result: Record<string, unknown> = { backupInstanceArmId: targetId, roleAssignments };
  if (!action.firstBackup) return { status: "BACKUP_PENDING", result };
  if (await ctx.shouldStop()) return { status: "STOPPED" };

  const backup = await runStep(ctx.item, "adhocBackup", "adhocBackup", async ({ attempt }) => {
    if (attempt > 1) {
      // An earlier attempt may have started the job before it was cut off: find it rather than start a second one.
      for await (const job of dp.jobs.list(v.resourceGroup, v.name)) {
        if (job.properties.isUserTriggered && lower(job.properties.backupInstanceId).endsWith(`/${lower(action.backupInstanceName)}`))
          return { outcome: "found the job started earlier", detail: { jobId: job.id ?? job.name ?? "" } };
      }
    }
    const ruleName = await backupRuleName(v.subscriptionId, policyId);
    try {
      const poller = await dp.backupInstances.beginAdhocBackup(v.resourceGroup, v.name, action.backupInstanceName, {
        backupRuleOptions: { ruleName, triggerOption: { retentionTagOverride: "Default" } },
      });
      const operation = await poller.pollUntilDone();
      return { outcome: "started", detail: { jobId: operation.jobId ?? "" } };
    } catch (err) {
      // A backup is already running on the instance (its schedule came round): that one is the first backup to follow.
      if (describeFailure(err).code !== "UserErrorMaxConcurrentOperationLimitReached") throw err;
      for await (const job of dp.jobs.list(v.resourceGroup, v.name)) {
        if (/^(InProgress|Started)$/i.test(job.properties.status) && lower(job.properties.backupInstanceId).endsWith(`/${lower(action.backupInstanceName)}`))
          return { outcome: "a backup was already running: following it", detail: { jobId: job.id ?? job.name ?? "" } };
      }
      throw err;
    }
  });
  const jobGuid = String(backup.jobId).split("/").pop()!;

  const job = await runStep(ctx.item, "waitForBackup", "waitForBackup", async () => {
    const started = Date.now();
    for (;;) {
      const found = await dp.jobs.get(v.resourceGroup, v.name, jobGuid);
      const status = found.properties.status;
      if (/^(Completed|Succeeded|CompletedWithWarnings|SuccessWithWarning)$/i.test(status)) return { outcome: status, detail: { jobId: found.id ?? jobGuid, status } };
      if (/^(Failed|Cancelled|Canceled)$/i.test(status)) {
        const error = found.properties.errorDetails?.[0];
        throw new StepFailedError(error?.code ?? "BackupJobFailed", `${error?.code ?? "BackupJobFailed"}: ${error?.message ?? `the backup job ended ${status}`}`, null);
      }
      // Backup jobs take minutes: poll often at first, then less (about a tenth of the time waited so far).
      await sleep(Math.min(30_000, Math.max(1_000, (Date.now() - started) / 8)));
    }
  });
  return { status: "SUCCEEDED", result: { ...result, backupJobId: job.jobId } };
}

async function assignRolesOnly(action: Extract<PlanAction, { kind: "assignRoles" }>, ctx: ExecuteContext): Promise<ItemOutcome> {
  const check = await reread(action.server, action.vault, action.rolesToAssign, ctx, (live) => live.rolesHeld.length === action.rolesToAssign.length);
  if (check.verdict !== "proceed") return { status: check.verdict, reason: check.reason, result: { live: check.live } };
  const roleAssignments = await assignRoles(action.rolesToAssign, action.vault, ctx);
  if (roleAssignments.length < action.rolesToAssign.length) return { status: "STOPPED" };
  return { status: "SUCCEEDED", result: { roleAssignments } };
}

async function createPolicy(action: Extract<PlanAction, { kind: "createPolicy" }>, ctx: ExecuteContext): Promise<ItemOutcome> {
  const v = parseArm(action.vault.armId);
  const dp = dataProtectionClient(v.subscriptionId);
  const policyArmId = `${action.vault.armId}/backupPolicies/${action.policyName}`;
  const detail = await runStep(ctx.item, "createPolicy", "createPolicy", async () => {
    const existing = await getOrUndefined(() => dp.backupPolicies.get(v.resourceGroup, v.name, action.policyName));
    if (existing) return { outcome: "exists", detail: { policyArmId: existing.id ?? policyArmId } };
    const created = await dp.backupPolicies.createOrUpdate(v.resourceGroup, v.name, action.policyName, pgFlexPolicy(action.backupInterval, action.retention));
    return { outcome: "created", detail: { policyArmId: created.id ?? policyArmId } };
  });
  return { status: "SUCCEEDED", result: detail };
}

async function createVault(action: Extract<PlanAction, { kind: "createVault" }>, ctx: ExecuteContext): Promise<ItemOutcome> {
  const dp = dataProtectionClient(action.subscriptionId);
  const vaultArmId = `/subscriptions/${action.subscriptionId}/resourceGroups/${action.resourceGroup}/providers/Microsoft.DataProtection/backupVaults/${action.name}`;
  const detail = await runStep(ctx.item, "createVault", "createVault", async () => {
    const existing = await getOrUndefined(() => dp.backupVaults.get(action.resourceGroup, action.name));
    if (existing?.identity?.principalId) return { outcome: "exists", detail: { vaultArmId: existing.id ?? vaultArmId, principalId: existing.identity.principalId } };
    const vault = await dp.backupVaults.beginCreateOrUpdateAndWait(action.resourceGroup, action.name, {
      location: action.location,
      identity: { type: "SystemAssigned" },
      properties: { storageSettings: [{ datastoreType: "VaultStore", type: action.storageType }] },
    });
    const principalId = vault?.identity?.principalId ?? (await dp.backupVaults.get(action.resourceGroup, action.name)).identity?.principalId;
    if (!principalId) throw new StepFailedError("VaultWithoutIdentity", `The vault ${action.name} was created without a system-assigned identity`, null);
    return { outcome: existing ? "identity added" : "created", detail: { vaultArmId, principalId } };
  });
  return { status: "SUCCEEDED", result: detail };
}

/** The PostgreSQL flexible server policy shape (CONTRACT §1.4) with the rule's schedule and default retention. */
export function pgFlexPolicy(backupInterval: string, retention: string) {
  return {
    properties: {
      objectType: "BackupPolicy" as const,
      datasourceTypes: [PG_FLEX_DATASOURCE_TYPE],
      policyRules: [
        {
          name: backupInterval === "P1D" ? "BackupDaily" : "BackupWeekly",
          objectType: "AzureBackupRule",
          backupParameters: { objectType: "AzureBackupParams", backupType: "Full" },
          dataStore: { objectType: "DataStoreInfoBase", dataStoreType: "VaultStore" },
          trigger: {
            objectType: "ScheduleBasedTriggerContext",
            schedule: { repeatingTimeIntervals: [`R/2024-01-07T23:00:00+00:00/${backupInterval}`], timeZone: "UTC" },
            taggingCriteria: [{ isDefault: true, taggingPriority: 99, tagInfo: { tagName: "Default" } }],
          },
        },
        {
          name: "Default",
          objectType: "AzureRetentionRule",
          isDefault: true,
          lifecycles: [{ deleteAfter: { objectType: "AbsoluteDeleteOption", duration: retention }, sourceDataStore: { objectType: "DataStoreInfoBase", dataStoreType: "VaultStore" }, targetDataStoreCopySettings: [] }],
        },
      ],
    },
  };
}

const ruleNames = new Map<string, Promise<string>>();

/** The policy's backup rule name, which an on-demand backup names; read once per policy and process. */
function backupRuleName(subscriptionId: string, policyArmId: string): Promise<string> {
  const key = lower(policyArmId);
  let name = ruleNames.get(key);
  if (!name) {
    const m = /\/resourceGroups\/([^/]+)\/providers\/Microsoft\.DataProtection\/backupVaults\/([^/]+)\/backupPolicies\/([^/]+)$/i.exec(policyArmId);
    name = m
      ? dataProtectionClient(subscriptionId)
          .backupPolicies.get(m[1]!, m[2]!, m[3]!)
          .then((p) => String(p.properties.policyRules.find((r) => r.objectType === "AzureBackupRule")?.name ?? "BackupWeekly"))
      : Promise.resolve("BackupWeekly");
    name.catch(() => ruleNames.delete(key));
    ruleNames.set(key, name);
  }
  return name;
}

async function getOrUndefined<T>(get: () => Promise<T>): Promise<T | undefined> {
  try {
    return await get();
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode === 404) return undefined;
    throw err;
  }
}
