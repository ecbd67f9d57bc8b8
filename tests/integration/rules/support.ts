// Actors and a small inventory for the rules and exemptions tests, written with Prisma into the run's database.
// Every call makes its own subscription, so tests never see each other's servers.
import { randomUUID } from "node:crypto";
import type { Actor } from "@/core/auth/actor";
import { db } from "@/core/db/client";
import type { Role } from "@/core/db/generated/enums";
import type { InventoryBackupInstance, InventoryBackupPolicy, InventoryRoleAssignment, InventoryServer, InventoryVault } from "@/core/inventory/types";

/** A user row and the actor acting as them. */
export async function makeActor(role: Role, subscriptions: string[] = []): Promise<Actor> {
  const username = `rules-${randomUUID().slice(0, 8)}`;
  const user = await db().user.create({ data: { username, displayName: username, role, subscriptions } });
  return { kind: "user", userId: user.id, label: username, role, subscriptions: subscriptions.length ? subscriptions : null, sourceIp: "203.0.113.9" };
}

/** A fresh subscription id, stored as a row (servers reference it). */
export async function makeSubscription(): Promise<string> {
  const id = randomUUID();
  await db().subscription.create({ data: { id } });
  return id;
}

/** A precedence order no other test uses. */
let orderSequence = Math.floor(Math.random() * 100_000) * 5;
export const uniqueOrder = () => 500_000 + ++orderSequence;

export async function insertServer(server: InventoryServer) {
  return db().server.create({
    data: {
      armId: server.armId,
      armIdKey: server.armId.toLowerCase(),
      name: server.name,
      subscriptionId: server.subscriptionId,
      resourceGroup: server.resourceGroup,
      location: server.location,
      version: server.version,
      skuName: server.skuName,
      skuTier: server.skuTier,
      state: server.state,
      tags: server.tags,
    },
  });
}

export async function insertVault(vault: InventoryVault) {
  await db().vault.create({
    data: { armId: vault.armId, armIdKey: vault.armId.toLowerCase(), name: vault.name, subscriptionId: vault.subscriptionId, resourceGroup: vault.resourceGroup, location: vault.location, principalId: vault.principalId, tags: vault.tags },
  });
}

export async function insertPolicy(policy: InventoryBackupPolicy, subscriptionId: string) {
  await db().backupPolicy.create({
    data: {
      armId: policy.armId,
      armIdKey: policy.armId.toLowerCase(),
      vaultArmIdKey: policy.vaultArmId.toLowerCase(),
      subscriptionId,
      name: policy.name,
      datasourceTypes: [...policy.datasourceTypes],
      backupInterval: policy.backupInterval,
      defaultRetention: policy.defaultRetention,
    },
  });
}

export async function insertBackupInstance(instance: InventoryBackupInstance, subscriptionId: string) {
  await db().backupInstance.create({
    data: {
      armId: instance.armId,
      armIdKey: instance.armId.toLowerCase(),
      vaultArmIdKey: instance.vaultArmId.toLowerCase(),
      subscriptionId,
      name: instance.name,
      dataSourceArmId: instance.dataSourceArmId,
      dataSourceArmIdKey: instance.dataSourceArmId.toLowerCase(),
      policyArmIdKey: instance.policyArmId?.toLowerCase() ?? null,
      protectionStatus: instance.protectionStatus,
      currentProtectionState: instance.currentProtectionState,
    },
  });
}

export async function insertRoleAssignment(assignment: InventoryRoleAssignment, subscriptionId: string) {
  await db().roleAssignment.create({
    data: {
      armId: assignment.armId,
      armIdKey: assignment.armId.toLowerCase(),
      subscriptionId,
      principalId: assignment.principalId,
      roleDefinitionGuid: assignment.roleDefinitionGuid,
      scope: assignment.scope,
      scopeKey: assignment.scope.toLowerCase(),
    },
  });
}

/** Stores a verdict state for a server as if an evaluation had judged it. */
export async function insertVerdict(serverId: string, state: string, governingRuleId: string | null = null) {
  const now = new Date();
  await db().serverVerdict.create({
    data: { serverId, state, governingRuleId, ruleRevision: governingRuleId ? 1 : null, verdict: { state }, hash: randomUUID(), stateSince: now, evaluatedAt: now, runId: randomUUID() },
  });
}

/** A valid rule over one subscription that needs no explicit vault or policy. */
export function ruleInput(subscriptionId: string, overrides: Record<string, unknown> = {}) {
  return {
    name: `rule-${randomUUID().slice(0, 8)}`,
    description: "Weekly backups kept three months",
    order: uniqueOrder(),
    scope: { subscriptions: [subscriptionId] },
    requirement: {
      vault: { kind: "matchInRegion" as const, nameGlob: "bv-*" },
      policy: { kind: "constraints" as const, minRetention: "P3M", maxBackupInterval: "P1W" },
      roleAssignment: "assign" as const,
    },
    ...overrides,
  };
}
