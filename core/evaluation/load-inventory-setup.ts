// The inventory as the evaluator takes it (everything but the servers, which callers stream), mapped from the
// inventory tables the same way the bulk job maps them. What-if reads it; nothing here writes.
import { env } from "../config/env";
import { db } from "../db/client";
import type { Server } from "../db/generated/client";
import type { InventoryBackupInstance, InventoryBackupPolicy, InventoryRoleAssignment, InventoryServer, InventoryVault, Tags } from "../inventory/types";
import type { EvaluationSetup, InventoryGap } from "../rules/evaluate";

/** Vaults, policies, backup instances, role assignments, gaps and Flexguard's principal; rules and exemptions are the caller's. */
export async function loadInventorySetup(): Promise<Omit<EvaluationSetup, "rules" | "exemptions">> {
  const [vaults, policies, instances, assignments, gaps] = await Promise.all([
    db().vault.findMany({ where: { deletedAt: null } }),
    db().backupPolicy.findMany({ where: { deletedAt: null } }),
    db().backupInstance.findMany({ where: { deletedAt: null } }),
    db().roleAssignment.findMany({ where: { deletedAt: null }, select: { armId: true, principalId: true, roleDefinitionGuid: true, scope: true } }),
    inventoryGaps(),
  ]);
  return {
    vaults: vaults.map<InventoryVault>((v) => ({ armId: v.armId, name: v.name, subscriptionId: v.subscriptionId, resourceGroup: v.resourceGroup, location: v.location, principalId: v.principalId, tags: v.tags as Tags })),
    backupPolicies: policies.map<InventoryBackupPolicy>((p) => ({ armId: p.armId, vaultArmId: p.vaultArmIdKey, name: p.name, datasourceTypes: p.datasourceTypes, backupInterval: p.backupInterval, defaultRetention: p.defaultRetention })),
    backupInstances: instances.map<InventoryBackupInstance>((b) => ({
      armId: b.armId, vaultArmId: b.vaultArmIdKey, name: b.name, dataSourceArmId: b.dataSourceArmId, policyArmId: b.policyArmIdKey,
      protectionStatus: b.protectionStatus, currentProtectionState: b.currentProtectionState, errorCode: b.errorCode, errorMessage: b.errorMessage,
    })),
    roleAssignments: assignments as InventoryRoleAssignment[],
    inventoryGaps: gaps,
    flexguardPrincipalId: env().AZURE_PRINCIPAL_ID ?? null,
  };
}

/** A server row as the evaluator takes it. */
export function toInventoryServer(row: Server): InventoryServer {
  return { id: row.id, armId: row.armId, name: row.name, subscriptionId: row.subscriptionId, resourceGroup: row.resourceGroup, location: row.location, version: row.version, skuName: row.skuName, skuTier: row.skuTier, state: row.state, tags: row.tags as Tags };
}

/** Subscriptions the last finished scan could not read: their servers are not evaluable rather than guessed at. */
async function inventoryGaps(): Promise<InventoryGap[]> {
  const scan = await db().scan.findFirst({ where: { status: { in: ["SUCCEEDED", "PARTIAL", "FAILED"] } }, orderBy: { queuedAt: "desc" }, include: { parts: true } });
  if (!scan) return [];
  return scan.parts
    .filter((p) => p.status === "FAILED" && p.splitInto === null)
    .flatMap((p) => p.subscriptions.map((subscriptionId) => ({ subscriptionId, reason: p.error ?? p.errorCode ?? "the last scan could not read it" })));
}
