// Remediation fixtures: an emulator fleet of unprotected servers whose vault identities lack roles on some of
// them, and an APPROVED plan (rows as planning writes them) protecting the scanned servers, so execution tests
// need not go through drafting and approval.
import { createHash, randomUUID } from "node:crypto";
import type { PrismaClient } from "@/core/db/generated/client";
import type { PlanAction, PlanOptions, ServerSituation } from "@/core/remediation/plan-types";
import { roleAssignmentName } from "@/core/templates/role-assignment-name";
import { FLEXGUARD_PRINCIPAL, ROLE_GUID } from "./fleet";

export interface RemediationFleetOptions {
  subscriptions: number;
  serversPerSubscription: number;
  /** Every n-th server (0, n, 2n, ...) has its vault identity lacking both roles; others hold them. 0: none lack. */
  rolesMissingEvery?: number;
  location?: string;
}

export interface FleetServer {
  armId: string;
  name: string;
  subscriptionId: string;
  resourceGroup: string;
  location: string;
  rolesMissing: boolean;
  vault: { armId: string; name: string; principalId: string; resourceGroup: string };
  policyArmId: string;
}

export interface RemediationFleet {
  subscriptions: string[];
  servers: FleetServer[];
  description: Record<string, unknown>;
}

/** Unprotected Ready servers, one vault and policy per subscription, Flexguard allowed to assign roles in the server groups. */
export function remediationFleet(options: RemediationFleetOptions): RemediationFleet {
  const location = options.location ?? "westeurope";
  const every = options.rolesMissingEvery ?? 2;
  const subscriptions = Array.from({ length: options.subscriptions }, () => randomUUID());
  const servers: FleetServer[] = [];
  const vaults: Record<string, unknown>[] = [];
  const policies: Record<string, unknown>[] = [];
  const roleAssignments: Record<string, unknown>[] = [];
  for (const [s, subscriptionId] of subscriptions.entries()) {
    const rg = `/subscriptions/${subscriptionId}/resourceGroups/rg-data`;
    const vaultArmId = `/subscriptions/${subscriptionId}/resourceGroups/rg-backup/providers/Microsoft.DataProtection/backupVaults/bv-${s}`;
    const principalId = randomUUID();
    const policyArmId = `${vaultArmId}/backupPolicies/pg-weekly-3m`;
    vaults.push({ id: vaultArmId, location, principalId });
    policies.push({ id: policyArmId, retention: "P3M", schedule: "R/2024-01-07T23:00:00+00:00/P1W" });
    roleAssignments.push(
      { scope: `/subscriptions/${subscriptionId}`, principalId: FLEXGUARD_PRINCIPAL, roleDefinitionId: ROLE_GUID.reader, name: randomUUID() },
      { scope: `/subscriptions/${subscriptionId}`, principalId: FLEXGUARD_PRINCIPAL, roleDefinitionId: ROLE_GUID.backupContributor, name: randomUUID() },
      { scope: rg, principalId: FLEXGUARD_PRINCIPAL, roleDefinitionId: ROLE_GUID.owner, name: randomUUID() },
      { scope: `/subscriptions/${subscriptionId}/resourceGroups/rg-new`, principalId: FLEXGUARD_PRINCIPAL, roleDefinitionId: ROLE_GUID.owner, name: randomUUID() },
    );
    // Servers whose identity lacks roles live in rg-new, where the identity lacks Reader too; the others in rg-data.
    for (let i = 0; i < options.serversPerSubscription; i++) {
      const name = `pg-${s}-${i}`;
      const rolesMissing = every > 0 && i % every === 0;
      const resourceGroup = rolesMissing ? "rg-new" : "rg-data";
      const armId = `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}/providers/Microsoft.DBforPostgreSQL/flexibleServers/${name}`;
      if (!rolesMissing) roleAssignments.push({ scope: armId, principalId, roleDefinitionId: ROLE_GUID.ltr, name: randomUUID() });
      servers.push({ armId, name, subscriptionId, resourceGroup, location, rolesMissing, vault: { armId: vaultArmId, name: `bv-${s}`, principalId, resourceGroup: "rg-backup" }, policyArmId });
    }
    roleAssignments.push({ scope: rg, principalId, roleDefinitionId: ROLE_GUID.reader, name: randomUUID() });
  }
  const description = {
    tenantId: randomUUID(),
    principals: [{ id: FLEXGUARD_PRINCIPAL, displayName: "Flexguard", type: "ServicePrincipal" }],
    subscriptions: subscriptions.map((subscriptionId, s) => ({
      subscriptionId,
      displayName: `sub-${s}`,
      resourceGroups: [{ name: "rg-data", location }, { name: "rg-new", location }, { name: "rg-backup", location }],
    })),
    servers: servers.map((s) => ({ id: s.armId, location: s.location, version: "16", tags: {} })),
    vaults,
    policies,
    backupInstances: [],
    roleAssignments,
  };
  return { subscriptions, servers, description };
}

/** The deterministic backup instance name: CLI's {server}-{server}-{uuid}, the uuid derived from server and vault. */
export function backupInstanceNameFor(serverArmId: string, vaultArmId: string, serverName: string): string {
  const h = createHash("sha256").update(`${serverArmId.toLowerCase()}|${vaultArmId.toLowerCase()}`).digest("hex");
  return `${serverName}-${serverName}-${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export interface PlanServer extends FleetServer {
  /** The server row's id (after a scan), or any uuid for benchmarks that skip the scan. */
  id: string;
}

/** The protectServer action planning writes for a server of the remediation fleet. */
export function protectAction(server: PlanServer, firstBackup: boolean): PlanAction {
  const rg = `/subscriptions/${server.subscriptionId}/resourceGroups/${server.resourceGroup}`;
  const roles = server.rolesMissing
    ? [
        { roleDefinitionGuid: ROLE_GUID.ltr, roleName: "PostgreSQL Flexible Server Long Term Retention Backup Role", scope: server.armId },
        { roleDefinitionGuid: ROLE_GUID.reader, roleName: "Reader", scope: rg },
      ]
    : [];
  return {
    kind: "protectServer",
    server: { id: server.id, armId: server.armId, name: server.name, subscriptionId: server.subscriptionId, resourceGroup: server.resourceGroup, location: server.location },
    vault: { armId: server.vault.armId, name: server.vault.name, subscriptionId: server.subscriptionId, resourceGroup: server.vault.resourceGroup, location: server.location, principalId: server.vault.principalId, fromItem: null },
    policy: { armId: server.policyArmId, name: "pg-weekly-3m", fromItem: null },
    rolesToAssign: roles.map((r) => ({
      ...r,
      assignmentName: roleAssignmentName({ scope: r.scope, principalId: server.vault.principalId, subscriptionId: server.subscriptionId, roleDefinitionGuid: r.roleDefinitionGuid }),
    })),
    backupInstanceName: backupInstanceNameFor(server.armId, server.vault.armId, server.name),
    firstBackup,
    ruleId: null,
    ruleRevision: null,
  };
}

export const unprotectedSituation = (): ServerSituation => ({
  verdictState: "UNPROTECTED",
  serverState: "Ready",
  backupInstanceArmId: null,
  backupVaultArmId: null,
  policyArmId: null,
  protectionState: null,
  rolesHeld: [],
});

export interface ApprovedPlanInput {
  servers: PlanServer[];
  options?: Partial<PlanOptions>;
  /** Extra items (e.g. createPolicy) placed before the servers; the server items depend on them when `dependsOn` says so. */
  leading?: { action: PlanAction; subscriptionId: string; vaultArmIdKey?: string | null }[];
  /** seqs each server item depends on. */
  dependsOn?: number[];
  /** The first `canary` server items are the canary batch. */
  canary?: number;
  approvalExpiresAt?: Date;
  name?: string;
}

/** Inserts an APPROVED plan (approved hash = content hash, approval valid for an hour) with one PENDING item per server. */
export async function createApprovedPlan(db: PrismaClient, input: ApprovedPlanInput): Promise<{ planId: string; itemCount: number }> {
  const options: PlanOptions = {
    firstBackup: true,
    concurrency: 50,
    perVaultConcurrency: 10,
    canarySize: input.canary ?? 0,
    failureThresholdPercent: 20,
    failureMinItems: 5,
    createVaultsIn: [],
    ...input.options,
  };
  const hash = createHash("sha256").update(randomUUID()).digest("hex");
  const leading = input.leading ?? [];
  const plan = await db.remediationPlan.create({
    data: {
      name: input.name ?? `test plan ${randomUUID().slice(0, 8)}`,
      status: "APPROVED",
      options,
      // As drafting stores it: the plan views parse it.
      selection: { selection: input.servers.length ? { kind: "servers", serverIds: input.servers.map((s) => s.id) } : { kind: "all" }, excludedServerIds: [], vaultStorageType: null },
      contentHash: hash,
      approvedHash: hash,
      approvalExpiresAt: input.approvalExpiresAt ?? new Date(Date.now() + 3_600_000),
      itemCount: leading.length + input.servers.length,
      createdBy: "test",
      decidedBy: "approver",
      decidedAt: new Date(),
    },
  });
  const rows = [
    ...leading.map((l, i) => ({ planId: plan.id, seq: i + 1, kind: l.action.kind, subscriptionId: l.subscriptionId, vaultArmIdKey: l.vaultArmIdKey ?? null, action: l.action, before: {}, dependsOn: [] as number[], canary: false })),
    ...input.servers.map((s, i) => ({
      planId: plan.id,
      seq: leading.length + i + 1,
      kind: "protectServer",
      serverId: s.id,
      subscriptionId: s.subscriptionId,
      vaultArmIdKey: s.vault.armId.toLowerCase(),
      action: protectAction(s, options.firstBackup),
      before: unprotectedSituation(),
      dependsOn: input.dependsOn ?? [],
      canary: i < (input.canary ?? 0),
    })),
  ];
  for (let i = 0; i < rows.length; i += 1000) await db.remediationItem.createMany({ data: rows.slice(i, i + 1000) as never });
  return { planId: plan.id, itemCount: rows.length };
}
