// The inventory as the evaluator takes it (everything but the servers, which callers stream), mapped from the
// inventory tables the same way the bulk job maps them. What-if reads it; nothing here writes.
import { env } from "../config/env";
import { db, pgPool } from "../db/client";
import type { Server } from "../db/generated/client";
import type { InventoryBackupInstance, InventoryBackupPolicy, InventoryRoleAssignment, InventoryServer, InventoryVault, Tags } from "../inventory/types";
import type { EvaluationSetup, InventoryGap } from "../rules/evaluate";

/** Vaults, policies, backup instances, role assignments, gaps and Flexguard's principal; rules and exemptions are the caller's. */
export async function loadInventorySetup(): Promise<Omit<EvaluationSetup, "rules" | "exemptions">> {
  // Raw SQL with only the columns the evaluator reads, through node-postgres: Prisma's row mapping (and its raw
  // query path) costs seconds for the 100,000s of role assignments and backup instances of a large fleet.
  const [vaults, backupPolicies, backupInstances, roleAssignments, gaps] = await Promise.all([
    rows<InventoryVault>(`
      SELECT arm_id AS "armId", name, subscription_id AS "subscriptionId", resource_group AS "resourceGroup", location,
             principal_id AS "principalId", tags
      FROM vault WHERE deleted_at IS NULL`),
    rows<InventoryBackupPolicy>(`
      SELECT arm_id AS "armId", vault_arm_id_key AS "vaultArmId", name, datasource_types AS "datasourceTypes",
             backup_interval AS "backupInterval", default_retention AS "defaultRetention"
      FROM backup_policy WHERE deleted_at IS NULL`),
    rows<InventoryBackupInstance>(`
      SELECT arm_id AS "armId", vault_arm_id_key AS "vaultArmId", name, data_source_arm_id AS "dataSourceArmId",
             policy_arm_id_key AS "policyArmId", protection_status AS "protectionStatus",
             current_protection_state AS "currentProtectionState", error_code AS "errorCode", error_message AS "errorMessage"
      FROM backup_instance WHERE deleted_at IS NULL`),
    rows<InventoryRoleAssignment>(`
      SELECT arm_id AS "armId", principal_id AS "principalId", role_definition_guid AS "roleDefinitionGuid", scope
      FROM role_assignment WHERE deleted_at IS NULL`),
    inventoryGaps(),
  ]);
  return { vaults, backupPolicies, backupInstances, roleAssignments, inventoryGaps: gaps, flexguardPrincipalId: env().AZURE_PRINCIPAL_ID ?? null };
}

const rows = async <T extends object>(sql: string): Promise<T[]> => (await pgPool().query<T>(sql)).rows;

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
