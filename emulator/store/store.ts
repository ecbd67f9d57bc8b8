// The emulator's state: entities keyed by lower-case ARM id, the Resource Graph index built from
// them (updated after a configurable lag, as Azure's is), the role-assignment based access model,
// and the scheduler of timed events in emulated time.
import { type EmulatedClock } from "../clock.ts";
import { type FleetDescription } from "../fleet/schema.ts";
import { idKey, nameGuid, parseResourceId, scopeContains } from "../ids.ts";
import { type Capability, ROLE, ROLE_DEFINITIONS, roleGuidOf } from "../roles.ts";
import type {
  BackupInstanceEntity,
  DeploymentEntity,
  JobEntity,
  OperationEntity,
  PolicyEntity,
  ResourceGroupEntity,
  RoleAssignmentEntity,
  ServerEntity,
  SubscriptionEntity,
  VaultEntity,
} from "./entities.ts";
import { EventHeap } from "./heap.ts";
import {
  type ArgRow,
  type ArgTable,
  TYPE,
  backupInstanceArgRow,
  jobArgRow,
  resourceGroupArgRow,
  subscriptionArgRow,
  policyArgRow,
  roleAssignmentArgRow,
  serverArgRow,
  vaultArgRow,
} from "./views.ts";

export interface Timings {
  /** Emulated ms before Resource Graph shows a change made through the other APIs. */
  argLagMs: number;
  /** Emulated ms before validateForBackup sees a new role assignment (RBAC propagation). */
  rbacPropagationMs: number;
  /** Configure protection (backup instance PUT) duration. */
  configureProtectionMs: number;
  /** validateForBackup duration. */
  validateMs: number;
  /** A backup job's duration. */
  backupJobMs: number;
  /** Deployment duration. */
  deploymentMs: number;
  /** Backup instance delete duration. */
  deleteMs: number;
}

export const DEFAULT_TIMINGS: Timings = {
  argLagMs: 5_000,
  rbacPropagationMs: 5 * 60_000,
  configureProtectionMs: 60_000,
  validateMs: 20_000,
  backupJobMs: 10 * 60_000,
  deploymentMs: 15_000,
  deleteMs: 30_000,
};

export const DEFAULT_POLICY_SCHEDULE = "R/2024-01-07T23:00:00+00:00/P1W";

interface Access {
  version: number;
  /** For each capability: scopes (lower-case) where the principal has it; "" = tenant-wide. */
  scopes: Map<Capability, string[]>;
  tenantWide: Set<Capability>;
  subscriptions: Map<Capability, Set<string>>;
  resourceGroups: Map<Capability, Set<string>>;
  readableSubscriptions?: string[];
}

export class EmulatorStore {
  tenantId = "";
  principals = new Map<string, { id: string; displayName: string; type: string }>();
  subscriptions = new Map<string, SubscriptionEntity>();
  resourceGroups = new Map<string, ResourceGroupEntity>();
  servers = new Map<string, ServerEntity>();
  vaults = new Map<string, VaultEntity>();
  vaultsBySubscription = new Map<string, VaultEntity[]>();
  policies = new Map<string, PolicyEntity>();
  backupInstances = new Map<string, BackupInstanceEntity>();
  backupInstancesByServer = new Map<string, Set<string>>();
  jobs = new Map<string, JobEntity>();
  jobsByVault = new Map<string, JobEntity[]>();
  roleAssignments = new Map<string, RoleAssignmentEntity>();
  roleAssignmentsByPrincipal = new Map<string, Set<RoleAssignmentEntity>>();
  operations = new Map<string, OperationEntity>();
  deployments = new Map<string, DeploymentEntity>();

  /** table → lower-case type → key → row */
  private argTables = new Map<ArgTable, Map<string, Map<string, ArgRow>>>();
  /** Bumped on every visible Resource Graph change; part of the query-cache key. */
  argVersion = 0;
  private accessVersion = 0;
  private accessCache = new Map<string, Access>();
  readonly events = new EventHeap();
  private idCounter = 0;

  constructor(
    readonly clock: EmulatedClock,
    public timings: Timings = { ...DEFAULT_TIMINGS },
  ) {}

  // ---------- loading ----------

  load(fleet: FleetDescription): void {
    this.clear();
    this.tenantId = fleet.tenantId.toLowerCase();
    const now = this.clock.now();
    const createdAt = new Date(now - 90 * 86_400_000).toISOString();
    for (const principal of fleet.principals) this.principals.set(principal.id.toLowerCase(), principal);
    for (const subscription of fleet.subscriptions) {
      this.subscriptions.set(subscription.subscriptionId.toLowerCase(), { subscriptionId: subscription.subscriptionId, displayName: subscription.displayName });
      for (const group of subscription.resourceGroups) {
        const id = `/subscriptions/${subscription.subscriptionId}/resourceGroups/${group.name}`;
        const entity = { id, subscriptionId: subscription.subscriptionId, name: group.name, location: group.location, tags: group.tags ?? {} };
        this.resourceGroups.set(idKey(id), entity);
        this.publish("resourcecontainers", TYPE.resourceGroup, entity.id.toLowerCase(), () => resourceGroupArgRow(entity, this.tenantId), true);
      }
      const entity = this.subscriptions.get(subscription.subscriptionId.toLowerCase())!;
      this.publish("resourcecontainers", TYPE.subscription, `/subscriptions/${entity.subscriptionId}`.toLowerCase(), () => subscriptionArgRow(entity, this.tenantId), true);
    }
    for (const server of fleet.servers) {
      const parsed = this.requireInFleet(server.id, "server");
      const entity: ServerEntity = {
        id: server.id,
        key: idKey(server.id),
        subscriptionId: parsed.subscriptionId,
        resourceGroup: parsed.resourceGroup,
        name: parsed.name,
        location: server.location,
        version: server.version,
        state: server.state,
        skuName: server.skuName,
        skuTier: server.skuTier,
        storageSizeGB: server.storageSizeGB,
        storageType: server.storageType,
        tags: server.tags,
        protectionFailureCode: server.protectionFailureCode,
        createdAt,
      };
      this.servers.set(entity.key, entity);
      this.setArgRow("resources", TYPE.server, serverArgRow(entity, this.tenantId));
    }
    for (const vault of fleet.vaults) {
      const parsed = this.requireInFleet(vault.id, "vault");
      this.addVault({
        id: vault.id,
        key: idKey(vault.id),
        subscriptionId: parsed.subscriptionId,
        resourceGroup: parsed.resourceGroup,
        name: parsed.name,
        location: vault.location,
        principalId: vault.principalId?.toLowerCase() ?? null,
        storageRedundancy: vault.storageRedundancy,
        tags: vault.tags,
        createdAt,
        createdBy: "fleet@emulator",
      }, true);
    }
    for (const policy of fleet.policies) {
      const vaultId = policy.id.replace(/\/backupPolicies\/[^/]+$/i, "");
      const vault = this.vaults.get(idKey(vaultId));
      if (!vault) throw new Error(`fleet: policy ${policy.id} names a vault that is not in the fleet`);
      this.putPolicy(vault, policy.id.split("/").pop()!, pgFlexPolicyProperties(policy.retention, policy.schedule), true);
    }
    for (const bi of fleet.backupInstances) {
      const vaultId = bi.id.replace(/\/backupInstances\/[^/]+$/i, "");
      const vault = this.vaults.get(idKey(vaultId));
      if (!vault) throw new Error(`fleet: backup instance ${bi.id} names a vault that is not in the fleet`);
      const server = this.servers.get(idKey(bi.serverId));
      const name = bi.id.split("/").pop()!;
      const entity: BackupInstanceEntity = {
        id: `${vault.id}/backupInstances/${name}`,
        key: idKey(`${vault.id}/backupInstances/${name}`),
        vaultKey: vault.key,
        name,
        friendlyName: server?.name ?? bi.serverId.split("/").pop()!,
        serverId: server?.id ?? bi.serverId,
        serverKey: idKey(bi.serverId),
        policyId: bi.policyId,
        dataSourceInfo: dataSourceInfoFor(server, bi.serverId),
        protectionStatus: "",
        currentProtectionState: bi.protectionState,
        provisioningState: "Succeeded",
        errorCode: bi.errorCode ?? (bi.protectionState === "ProtectionError" || bi.protectionState === "ConfiguringProtectionFailed" ? "UserErrorPostgreSQLFlexServerUnreachable" : undefined),
        nextBackupAt: null,
        busyUntil: 0,
      };
      this.saveBackupInstance(entity, true);
      if (entity.currentProtectionState === "ProtectionConfigured") this.seedJobHistory(entity, now);
    }
    for (const assignment of fleet.roleAssignments) {
      const scope = assignment.scope ?? assignment.id?.replace(/\/providers\/Microsoft\.Authorization\/roleAssignments\/[^/]+$/i, "");
      const name = assignment.name ?? assignment.id?.split("/").pop();
      if (scope === undefined || name === undefined) throw new Error("fleet: a role assignment needs an id, or a scope and a name");
      this.addRoleAssignment({
        scope: scope === "" ? "/" : scope,
        name,
        principalId: assignment.principalId,
        principalType: assignment.principalType,
        roleDefinitionId: this.fullRoleDefinitionId(assignment.roleDefinitionId, scope),
        condition: assignment.condition,
        createdBy: "fleet@emulator",
        effectiveAt: 0,
        createdOn: createdAt,
        immediate: true,
      });
    }
  }

  clear(): void {
    this.principals.clear();
    this.subscriptions.clear();
    this.resourceGroups.clear();
    this.servers.clear();
    this.vaults.clear();
    this.vaultsBySubscription.clear();
    this.policies.clear();
    this.backupInstances.clear();
    this.backupInstancesByServer.clear();
    this.jobs.clear();
    this.jobsByVault.clear();
    this.roleAssignments.clear();
    this.roleAssignmentsByPrincipal.clear();
    this.operations.clear();
    this.deployments.clear();
    this.argTables.clear();
    this.events.clear();
    this.accessCache.clear();
    this.argVersion++;
    this.accessVersion++;
  }

  private requireInFleet(id: string, what: string): { subscriptionId: string; resourceGroup: string; name: string } {
    const parsed = parseResourceId(id);
    const name = parsed.names[parsed.names.length - 1];
    if (!parsed.subscriptionId || !parsed.resourceGroup || !name) throw new Error(`fleet: ${what} id '${id}' is not a resource id`);
    const subscription = this.subscriptions.get(parsed.subscriptionId.toLowerCase());
    if (!subscription) throw new Error(`fleet: ${what} '${id}' is in subscription ${parsed.subscriptionId}, which the fleet does not list`);
    const group = this.resourceGroups.get(idKey(`/subscriptions/${parsed.subscriptionId}/resourceGroups/${parsed.resourceGroup}`));
    if (!group) throw new Error(`fleet: ${what} '${id}' is in resource group ${parsed.resourceGroup}, which its subscription does not list`);
    return { subscriptionId: subscription.subscriptionId, resourceGroup: group.name, name };
  }

  /** A fresh GUID, deterministic in the order operations happen (so runs repeat exactly). */
  newGuid(kind: string): string {
    return nameGuid(this.tenantId, kind, ++this.idCounter);
  }

  // ---------- emulated time ----------

  schedule(atMs: number, run: () => void): void {
    this.events.push(atMs, run);
  }

  /** Runs every event due by now; called before each request is handled. */
  runDueEvents(): void {
    const now = this.clock.now();
    for (let event = this.events.peek(); event && event.at <= now; event = this.events.peek()) {
      this.events.pop();
      event.run();
    }
  }

  // ---------- Resource Graph index ----------

  private setArgRow(table: ArgTable, type: string, row: ArgRow): void {
    let byType = this.argTables.get(table);
    if (!byType) this.argTables.set(table, (byType = new Map()));
    const lowerType = type.toLowerCase();
    let rows = byType.get(lowerType);
    if (!rows) byType.set(lowerType, (rows = new Map()));
    rows.set(row.key, row);
    this.argVersion++;
  }

  private deleteArgRow(table: ArgTable, type: string, key: string): void {
    if (this.argTables.get(table)?.get(type.toLowerCase())?.delete(key)) this.argVersion++;
  }

  /** Publishes a change to Resource Graph after the configured lag (immediately during a fleet load). */
  publish(table: ArgTable, type: string, key: string, build: (() => ArgRow) | null, immediate = false): void {
    const apply = () => {
      if (build) this.setArgRow(table, type, build());
      else this.deleteArgRow(table, type, key);
    };
    if (immediate || this.timings.argLagMs <= 0) apply();
    else this.schedule(this.clock.now() + this.timings.argLagMs, apply);
  }

  /** The row collections of a table, optionally only those of the given lower-case types. */
  argPartitions(table: ArgTable, types: readonly string[] | null): Map<string, ArgRow>[] {
    const byType = this.argTables.get(table);
    if (!byType) return [];
    if (types === null) return [...byType.values()];
    return types.map((t) => byType.get(t)).filter((m): m is Map<string, ArgRow> => m !== undefined);
  }

  argTypeCount(table: ArgTable, type: string): number {
    return this.argTables.get(table)?.get(type.toLowerCase())?.size ?? 0;
  }

  // ---------- access ----------

  private accessOf(principalId: string): Access {
    const key = principalId.toLowerCase();
    const cached = this.accessCache.get(key);
    if (cached && cached.version === this.accessVersion) return cached;
    const access: Access = { version: this.accessVersion, scopes: new Map(), tenantWide: new Set(), subscriptions: new Map(), resourceGroups: new Map() };
    for (const assignment of this.roleAssignmentsByPrincipal.get(key) ?? []) {
      const role = ROLE_DEFINITIONS.get(assignment.roleGuid);
      if (!role) continue;
      const scopeKey = assignment.scopeKey;
      const parsed = parseResourceId(assignment.scope);
      const isTenantWide = scopeKey === "" || scopeKey === "/" || scopeKey.startsWith("/providers/microsoft.management/managementgroups/");
      for (const capability of role.capabilities) {
        if (isTenantWide) access.tenantWide.add(capability);
        else if (parsed.subscriptionId && !parsed.resourceGroup && parsed.types.length === 0) {
          addTo(access.subscriptions, capability, parsed.subscriptionId.toLowerCase());
        } else if (parsed.subscriptionId && parsed.resourceGroup && parsed.types.length === 0) {
          addTo(access.resourceGroups, capability, scopeKey);
        }
        const list = access.scopes.get(capability) ?? [];
        list.push(scopeKey);
        access.scopes.set(capability, list);
      }
    }
    this.accessCache.set(key, access);
    return access;
  }

  /** Whether the principal holds the capability at the scope (through an assignment at or above it). */
  can(principalId: string, capability: Capability, scope: string): boolean {
    const access = this.accessOf(principalId);
    if (access.tenantWide.has(capability)) return true;
    const target = idKey(scope);
    return (access.scopes.get(capability) ?? []).some((s) => target === s || target.startsWith(s + "/"));
  }

  /** A fast row filter for Resource Graph: can the principal read this row? */
  rowReader(principalId: string): (row: ArgRow) => boolean {
    const access = this.accessOf(principalId);
    if (access.tenantWide.has("read")) return () => true;
    const subscriptions = access.subscriptions.get("read") ?? new Set<string>();
    const groups = access.resourceGroups.get("read") ?? new Set<string>();
    const others = (access.scopes.get("read") ?? []).filter((s) => !groups.has(s) && !/^\/subscriptions\/[^/]+$/.test(s));
    return (row) =>
      subscriptions.has(row.subscriptionKey) ||
      (row.resourceGroupKey !== "" && groups.has(row.resourceGroupKey)) ||
      others.some((s) => row.key === s || row.key.startsWith(s + "/"));
  }

  /** Subscriptions in which the principal can read something (what ARG covers when none are given). */
  readableSubscriptions(principalId: string): string[] {
    const access = this.accessOf(principalId);
    if (access.readableSubscriptions) return access.readableSubscriptions;
    let result: string[];
    if (access.tenantWide.has("read")) result = [...this.subscriptions.keys()];
    else {
      const found = new Set<string>();
      for (const scope of access.scopes.get("read") ?? []) {
        const sub = /^\/subscriptions\/([^/]+)/.exec(scope)?.[1];
        if (sub && this.subscriptions.has(sub)) found.add(sub);
      }
      result = [...found];
    }
    // Cached with the access entry: recomputed only when role assignments change.
    access.readableSubscriptions = result;
    return result;
  }

  /** Whether the assignment lets the identity act on the scope, as Backup's validation sees it (after propagation). */
  effectiveRole(principalId: string, roleGuids: readonly string[], scope: string, atMs: number): boolean {
    for (const assignment of this.roleAssignmentsByPrincipal.get(principalId.toLowerCase()) ?? []) {
      if (assignment.effectiveAt > atMs) continue;
      if (!roleGuids.includes(assignment.roleGuid)) continue;
      if (scopeContains(assignment.scope, scope)) return true;
    }
    return false;
  }

  // ---------- role assignments ----------

  fullRoleDefinitionId(roleDefinitionId: string, scope: string): string {
    if (roleDefinitionId.startsWith("/")) return roleDefinitionId;
    const sub = parseResourceId(scope).subscriptionId;
    const guid = roleDefinitionId.toLowerCase();
    return sub ? `/subscriptions/${sub}/providers/Microsoft.Authorization/roleDefinitions/${guid}` : `/providers/Microsoft.Authorization/roleDefinitions/${guid}`;
  }

  addRoleAssignment(input: {
    scope: string;
    name: string;
    principalId: string;
    principalType: string;
    roleDefinitionId: string;
    condition?: string;
    conditionVersion?: string;
    description?: string;
    createdBy: string;
    effectiveAt: number;
    createdOn?: string;
    immediate?: boolean;
  }): RoleAssignmentEntity {
    const scope = input.scope.replace(/\/+$/, "") || "/";
    const id = `${scope === "/" ? "" : scope}/providers/Microsoft.Authorization/roleAssignments/${input.name}`;
    const now = input.createdOn ?? this.clock.nowIso();
    const entity: RoleAssignmentEntity = {
      id,
      key: idKey(id),
      name: input.name,
      scope,
      scopeKey: scope === "/" ? "/" : idKey(scope),
      principalId: input.principalId.toLowerCase(),
      principalType: input.principalType,
      roleDefinitionId: input.roleDefinitionId,
      roleGuid: roleGuidOf(input.roleDefinitionId),
      condition: input.condition,
      conditionVersion: input.conditionVersion,
      description: input.description,
      createdOn: now,
      updatedOn: now,
      createdBy: input.createdBy,
      updatedBy: input.createdBy,
      effectiveAt: input.effectiveAt,
    };
    this.roleAssignments.set(entity.key, entity);
    let set = this.roleAssignmentsByPrincipal.get(entity.principalId);
    if (!set) this.roleAssignmentsByPrincipal.set(entity.principalId, (set = new Set()));
    set.add(entity);
    this.accessVersion++;
    const parsed = parseResourceId(scope);
    this.publish(
      "authorizationresources",
      TYPE.roleAssignment,
      entity.key,
      () => roleAssignmentArgRow(entity, this.tenantId, parsed.subscriptionId ?? "", parsed.resourceGroup ?? ""),
      input.immediate,
    );
    return entity;
  }

  deleteRoleAssignment(entity: RoleAssignmentEntity): void {
    this.roleAssignments.delete(entity.key);
    this.roleAssignmentsByPrincipal.get(entity.principalId)?.delete(entity);
    this.accessVersion++;
    this.publish("authorizationresources", TYPE.roleAssignment, entity.key, null);
  }

  /** An equivalent assignment (same scope, principal and role) under any name, as ARM's 409 checks. */
  findEquivalentAssignment(scope: string, principalId: string, roleGuid: string): RoleAssignmentEntity | undefined {
    const scopeKey = idKey(scope) || "/";
    for (const assignment of this.roleAssignmentsByPrincipal.get(principalId.toLowerCase()) ?? []) {
      if (assignment.scopeKey === scopeKey && assignment.roleGuid === roleGuid) return assignment;
    }
    return undefined;
  }

  // ---------- vaults, policies, backup instances, jobs ----------

  addVault(vault: VaultEntity, immediate = false): void {
    const existing = this.vaults.get(vault.key);
    this.vaults.set(vault.key, vault);
    if (!existing) {
      const subKey = vault.subscriptionId.toLowerCase();
      const list = this.vaultsBySubscription.get(subKey) ?? [];
      list.push(vault);
      this.vaultsBySubscription.set(subKey, list);
    } else {
      const list = this.vaultsBySubscription.get(vault.subscriptionId.toLowerCase()) ?? [];
      const index = list.indexOf(existing);
      if (index >= 0) list[index] = vault;
    }
    this.publish("resources", TYPE.vault, vault.key, () => vaultArgRow(vault, this.tenantId), immediate);
  }

  putPolicy(vault: VaultEntity, name: string, properties: Record<string, unknown>, immediate = false): PolicyEntity {
    const id = `${vault.id}/backupPolicies/${name}`;
    const policy: PolicyEntity = { id, key: idKey(id), vaultKey: vault.key, name, properties };
    this.policies.set(policy.key, policy);
    this.publish("recoveryservicesresources", TYPE.policy, policy.key, () => policyArgRow(policy, vault, this.tenantId), immediate);
    return policy;
  }

  deletePolicy(policy: PolicyEntity): void {
    this.policies.delete(policy.key);
    this.publish("recoveryservicesresources", TYPE.policy, policy.key, null);
  }

  policiesOf(vaultKey: string): PolicyEntity[] {
    return [...this.policies.values()].filter((p) => p.vaultKey === vaultKey);
  }

  backupInstancesOf(vaultKey: string): BackupInstanceEntity[] {
    return [...this.backupInstances.values()].filter((b) => b.vaultKey === vaultKey);
  }

  /** Stores the instance, indexes it by server, publishes it to ARG and (re)plans its scheduled backups. */
  saveBackupInstance(bi: BackupInstanceEntity, immediate = false): void {
    this.backupInstances.set(bi.key, bi);
    let set = this.backupInstancesByServer.get(bi.serverKey);
    if (!set) this.backupInstancesByServer.set(bi.serverKey, (set = new Set()));
    set.add(bi.key);
    const vault = this.vaults.get(bi.vaultKey)!;
    const snapshot = { ...bi };
    this.publish("recoveryservicesresources", TYPE.backupInstance, bi.key, () => backupInstanceArgRow(snapshot, vault, this.tenantId), immediate);
    this.planScheduledBackup(bi);
  }

  deleteBackupInstance(bi: BackupInstanceEntity): void {
    this.backupInstances.delete(bi.key);
    this.backupInstancesByServer.get(bi.serverKey)?.delete(bi.key);
    bi.nextBackupAt = null;
    this.publish("recoveryservicesresources", TYPE.backupInstance, bi.key, null);
  }

  private planScheduledBackup(bi: BackupInstanceEntity): void {
    if (bi.currentProtectionState !== "ProtectionConfigured") {
      bi.nextBackupAt = null;
      return;
    }
    const policy = this.policies.get(idKey(bi.policyId));
    const schedule = scheduleOf(policy);
    const next = nextOccurrence(schedule, this.clock.now());
    if (next === null || bi.nextBackupAt === next) return;
    bi.nextBackupAt = next;
    this.schedule(next, () => {
      const current = this.backupInstances.get(bi.key);
      if (current !== bi || bi.nextBackupAt !== next) return; // replanned or deleted since
      bi.nextBackupAt = null;
      if (bi.currentProtectionState === "ProtectionConfigured") this.startJob(bi, false, next);
      this.planScheduledBackup(bi);
    });
  }

  /** Starts a backup job on the instance (a scheduled or an on-demand one) and publishes it. */
  startJob(bi: BackupInstanceEntity, isUserTriggered: boolean, startMs: number): JobEntity {
    const vault = this.vaults.get(bi.vaultKey)!;
    const server = this.servers.get(bi.serverKey);
    const jobId = this.newGuid("job");
    const failure = !server ? "UserErrorPostgreSQLFlexServerUnreachable" : server.state !== "Ready" ? "ServerNotReadyForLongTermBackup" : server.protectionFailureCode;
    const job: JobEntity = {
      id: `${vault.id}/backupJobs/${jobId}`,
      key: idKey(`${vault.id}/backupJobs/${jobId}`),
      jobId,
      vaultKey: vault.key,
      backupInstanceKey: bi.key,
      operation: "Backup",
      operationCategory: "Backup",
      isUserTriggered,
      startMs,
      endMs: startMs + (failure ? Math.min(60_000, this.timings.backupJobMs) : this.timings.backupJobMs),
      finalStatus: failure ? "Failed" : "Completed",
      errorCode: failure,
    };
    this.addJob(job, bi, vault, server);
    bi.busyUntil = job.endMs;
    return job;
  }

  private addJob(job: JobEntity, bi: BackupInstanceEntity, vault: VaultEntity, server: ServerEntity | undefined, immediate = false): void {
    this.jobs.set(job.key, job);
    const list = this.jobsByVault.get(vault.key) ?? [];
    list.push(job);
    this.jobsByVault.set(vault.key, list);
    const build = (at: number) => () => jobArgRow(job, bi, vault, server, this.tenantId, at);
    if (job.endMs > this.clock.now()) {
      this.publish("recoveryservicesresources", TYPE.job, job.key, build(job.startMs), immediate);
      // The finished state reaches Resource Graph too, after the same lag.
      this.schedule(job.endMs, () => this.publish("recoveryservicesresources", TYPE.job, job.key, build(job.endMs)));
    } else {
      this.publish("recoveryservicesresources", TYPE.job, job.key, build(job.endMs), immediate);
    }
  }

  /** Two weeks of past scheduled jobs for an instance loaded as protected, as a real vault would show. */
  private seedJobHistory(bi: BackupInstanceEntity, nowMs: number): void {
    const schedule = scheduleOf(this.policies.get(idKey(bi.policyId)));
    if (!schedule) return;
    const vault = this.vaults.get(bi.vaultKey)!;
    const server = this.servers.get(bi.serverKey);
    const horizon = nowMs - 14 * 86_400_000;
    for (let at = previousOccurrence(schedule, nowMs); at !== null && at >= horizon; at = previousOccurrence(schedule, at - 1)) {
      const jobId = nameGuid(bi.key, "job", at);
      const failure = server?.protectionFailureCode;
      this.addJob(
        {
          id: `${vault.id}/backupJobs/${jobId}`,
          key: idKey(`${vault.id}/backupJobs/${jobId}`),
          jobId,
          vaultKey: vault.key,
          backupInstanceKey: bi.key,
          operation: "Backup",
          operationCategory: "Backup",
          isUserTriggered: false,
          startMs: at,
          endMs: at + this.timings.backupJobMs,
          finalStatus: failure ? "Failed" : "Completed",
          errorCode: failure,
        },
        bi,
        vault,
        server,
        true,
      );
    }
  }

  setServerState(server: ServerEntity, state: string): void {
    server.state = state;
    this.publish("resources", TYPE.server, server.key, () => serverArgRow({ ...server }, this.tenantId));
  }

  newOperationId(): string {
    // ARM's Data Protection operation ids are base64 of "{guid};{guid}".
    return Buffer.from(`${this.newGuid("op")};${this.newGuid("op")}`).toString("base64");
  }

  counts(): Record<string, number> {
    return {
      subscriptions: this.subscriptions.size,
      resourceGroups: this.resourceGroups.size,
      servers: this.servers.size,
      vaults: this.vaults.size,
      policies: this.policies.size,
      backupInstances: this.backupInstances.size,
      jobs: this.jobs.size,
      roleAssignments: this.roleAssignments.size,
      pendingEvents: this.events.size,
    };
  }
}

function addTo(map: Map<Capability, Set<string>>, capability: Capability, value: string): void {
  let set = map.get(capability);
  if (!set) map.set(capability, (set = new Set()));
  set.add(value);
}

export function dataSourceInfoFor(server: ServerEntity | undefined, serverId: string): Record<string, unknown> {
  const name = server?.name ?? serverId.split("/").pop() ?? "";
  return {
    objectType: "Datasource",
    datasourceType: TYPE.server,
    resourceType: TYPE.server,
    resourceID: server?.id ?? serverId,
    resourceName: name,
    resourceLocation: server?.location ?? "",
    resourceUri: "",
  };
}

/** The PostgreSQL flexible server policy shape (CONTRACT §1.4) with the given retention and schedule. */
export function pgFlexPolicyProperties(retention: string, schedule: string): Record<string, unknown> {
  const vaultStore = { objectType: "DataStoreInfoBase", dataStoreType: "VaultStore" };
  return {
    objectType: "BackupPolicy",
    datasourceTypes: [TYPE.server],
    policyRules: [
      {
        name: "BackupWeekly",
        objectType: "AzureBackupRule",
        backupParameters: { objectType: "AzureBackupParams", backupType: "Full" },
        dataStore: vaultStore,
        trigger: {
          objectType: "ScheduleBasedTriggerContext",
          schedule: { repeatingTimeIntervals: [schedule], timeZone: "UTC" },
          taggingCriteria: [{ isDefault: true, taggingPriority: 99, tagInfo: { id: "Default_", tagName: "Default" } }],
        },
      },
      {
        name: "Default",
        objectType: "AzureRetentionRule",
        isDefault: true,
        lifecycles: [{ deleteAfter: { objectType: "AbsoluteDeleteOption", duration: retention }, sourceDataStore: vaultStore, targetDataStoreCopySettings: [] }],
      },
    ],
  };
}

interface Schedule {
  startMs: number;
  periodMs: number;
}

/** Reads `R/<start>/<period>` from the policy's first backup rule; only week/day periods are scheduled. */
export function scheduleOf(policy: PolicyEntity | undefined): Schedule | null {
  const rules = policy?.properties.policyRules;
  if (!Array.isArray(rules)) return null;
  for (const rule of rules as Record<string, unknown>[]) {
    const trigger = rule.trigger as { schedule?: { repeatingTimeIntervals?: unknown } } | undefined;
    const intervals = trigger?.schedule?.repeatingTimeIntervals;
    if (!Array.isArray(intervals) || typeof intervals[0] !== "string") continue;
    const match = /^R\/([^/]+)\/P(?:(\d+)W|(\d+)D|T(\d+)H)$/.exec(intervals[0]);
    if (!match) continue;
    const startMs = Date.parse(match[1]!);
    if (Number.isNaN(startMs)) continue;
    const periodMs = match[2] ? Number(match[2]) * 7 * 86_400_000 : match[3] ? Number(match[3]) * 86_400_000 : Number(match[4]) * 3_600_000;
    if (periodMs > 0) return { startMs, periodMs };
  }
  return null;
}

function nextOccurrence(schedule: Schedule | null, afterMs: number): number | null {
  if (!schedule) return null;
  if (afterMs < schedule.startMs) return schedule.startMs;
  const periods = Math.floor((afterMs - schedule.startMs) / schedule.periodMs) + 1;
  return schedule.startMs + periods * schedule.periodMs;
}

function previousOccurrence(schedule: Schedule, atOrBeforeMs: number): number | null {
  if (atOrBeforeMs < schedule.startMs) return null;
  const periods = Math.floor((atOrBeforeMs - schedule.startMs) / schedule.periodMs);
  return schedule.startMs + periods * schedule.periodMs;
}

export const ROLE_WRITERS = [ROLE.owner, ROLE.userAccessAdministrator, ROLE.rbacAdministrator] as const;
