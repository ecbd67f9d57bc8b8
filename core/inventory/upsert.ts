// Batch upserts of one Resource Graph page per table, each page in one statement, keyed by the lower-cased ARM id.
// A page travels as one JSON document (jsonb_to_recordset): Postgres parses it once, where text arrays would be
// escaped element by element in JavaScript and parsed again. Rows a scan saw get its id in last_scan_id;
// deletion marking compares against it.
import { db, pgPool, Prisma } from "../db/client";
import { policyFacts, vaultIdOf } from "./policy-facts";
import { armKey } from "./types";
import type { BackupInstanceRow, PolicyRow, RoleAssignmentRow, ServerRow, VaultRow } from "./queries";

/** The inventory tables the scan owns, and what "deleted" means for each. */
export const INVENTORY_TABLES = ["server", "vault", "backup_policy", "backup_instance", "role_assignment"] as const;
export type InventoryTable = (typeof INVENTORY_TABLES)[number];

/** Keeps one row per ARM id: ids can differ in case between pages, and one statement must not touch a row twice. */
function uniqueById<T extends { id: string }>(rows: T[]): T[] {
  return [...new Map(rows.map((r) => [armKey(r.id), r])).values()];
}

const orNull = (v: string | null | undefined) => (v ? v : null);
const lower = (v: string | null | undefined) => (v ?? "").toLowerCase();

async function upsertSubscriptions(ids: string[]): Promise<void> {
  const unique = [...new Set(ids.map(lower).filter(Boolean))];
  if (unique.length === 0) return;
  await pgPool().query(
    `INSERT INTO subscription (id, last_seen_at, deleted_at)
     SELECT s, now(), NULL FROM unnest($1::text[]) AS s
     ON CONFLICT (id) DO UPDATE SET last_seen_at = now(), deleted_at = NULL`,
    [unique],
  );
}

export async function upsertServers(scanId: string, page: ServerRow[]): Promise<void> {
  const rows = uniqueById(page);
  if (rows.length === 0) return;
  await upsertSubscriptions(rows.map((r) => r.subscriptionId));
  const doc = JSON.stringify(
    rows.map((r) => ({
      arm_id: r.id, name: r.name, subscription_id: r.subscriptionId, resource_group: r.resourceGroup, location: r.location,
      version: orNull(r.version), sku_name: orNull(r.skuName), sku_tier: orNull(r.skuTier), state: orNull(r.state), tags: r.tags ?? {},
    })),
  );
  await pgPool().query(
    `INSERT INTO server (id, arm_id_key, arm_id, name, subscription_id, resource_group, location, version, sku_name, sku_tier, state, tags, first_seen_at, last_seen_at, deleted_at, last_scan_id)
    SELECT gen_random_uuid(), lower(r.arm_id), r.arm_id, r.name, lower(r.subscription_id), r.resource_group, r.location, r.version, r.sku_name, r.sku_tier, r.state, r.tags, now(), now(), NULL, $1::uuid
    FROM jsonb_to_recordset($2::jsonb) AS r(arm_id text, name text, subscription_id text, resource_group text, location text, version text, sku_name text, sku_tier text, state text, tags jsonb)
    ON CONFLICT (arm_id_key) DO UPDATE SET
      arm_id = EXCLUDED.arm_id, name = EXCLUDED.name, subscription_id = EXCLUDED.subscription_id,
      resource_group = EXCLUDED.resource_group, location = EXCLUDED.location, version = EXCLUDED.version,
      sku_name = EXCLUDED.sku_name, sku_tier = EXCLUDED.sku_tier, state = EXCLUDED.state, tags = EXCLUDED.tags,
      last_seen_at = now(), deleted_at = NULL, last_scan_id = EXCLUDED.last_scan_id`,
    [scanId, doc],
  );
}

export async function upsertVaults(scanId: string, page: VaultRow[]): Promise<void> {
  const rows = uniqueById(page);
  if (rows.length === 0) return;
  const storage = (r: VaultRow) => (r.storageSettings ?? []).find((s) => s.datastoreType === "VaultStore")?.type ?? r.storageSettings?.[0]?.type ?? null;
  const doc = JSON.stringify(
    rows.map((r) => ({
      arm_id: r.id, name: r.name, subscription_id: r.subscriptionId, resource_group: r.resourceGroup, location: r.location,
      principal_id: orNull(r.principalId), identity_type: orNull(r.identityType), storage_type: storage(r), tags: r.tags ?? {},
    })),
  );
  await pgPool().query(
    `INSERT INTO vault (id, arm_id_key, arm_id, name, subscription_id, resource_group, location, principal_id, identity_type, storage_type, tags, first_seen_at, last_seen_at, deleted_at, last_scan_id)
    SELECT gen_random_uuid(), lower(r.arm_id), r.arm_id, r.name, lower(r.subscription_id), r.resource_group, r.location, lower(r.principal_id), r.identity_type, r.storage_type, r.tags, now(), now(), NULL, $1::uuid
    FROM jsonb_to_recordset($2::jsonb) AS r(arm_id text, name text, subscription_id text, resource_group text, location text, principal_id text, identity_type text, storage_type text, tags jsonb)
    ON CONFLICT (arm_id_key) DO UPDATE SET
      arm_id = EXCLUDED.arm_id, name = EXCLUDED.name, subscription_id = EXCLUDED.subscription_id, resource_group = EXCLUDED.resource_group,
      location = EXCLUDED.location, principal_id = EXCLUDED.principal_id, identity_type = EXCLUDED.identity_type,
      storage_type = EXCLUDED.storage_type, tags = EXCLUDED.tags, last_seen_at = now(), deleted_at = NULL, last_scan_id = EXCLUDED.last_scan_id`,
    [scanId, doc],
  );
}

const PG_FLEX = "microsoft.dbforpostgresql/flexibleservers";

export async function upsertPolicies(scanId: string, page: PolicyRow[]): Promise<void> {
  const rows = uniqueById(page).filter((r) => (r.datasourceTypes ?? []).some((t) => t.toLowerCase() === PG_FLEX));
  if (rows.length === 0) return;
  const facts = rows.map((r) => policyFacts(r.policyRules));
  const doc = JSON.stringify(
    rows.map((r, i) => ({
      arm_id: r.id, vault_id: vaultIdOf(r.id), subscription_id: r.subscriptionId, name: r.name, datasource_types: r.datasourceTypes ?? [],
      backup_interval: facts[i]!.backupInterval, default_retention: facts[i]!.defaultRetention, policy_rules: r.policyRules ?? [],
    })),
  );
  await pgPool().query(
    `INSERT INTO backup_policy (id, arm_id_key, arm_id, vault_arm_id_key, subscription_id, name, datasource_types, backup_interval, default_retention, policy_rules, first_seen_at, last_seen_at, deleted_at, last_scan_id)
    SELECT gen_random_uuid(), lower(r.arm_id), r.arm_id, lower(r.vault_id), lower(r.subscription_id), r.name, ARRAY(SELECT jsonb_array_elements_text(r.datasource_types)), r.backup_interval, r.default_retention, r.policy_rules, now(), now(), NULL, $1::uuid
    FROM jsonb_to_recordset($2::jsonb) AS r(arm_id text, vault_id text, subscription_id text, name text, datasource_types jsonb, backup_interval text, default_retention text, policy_rules jsonb)
    ON CONFLICT (arm_id_key) DO UPDATE SET
      arm_id = EXCLUDED.arm_id, vault_arm_id_key = EXCLUDED.vault_arm_id_key, subscription_id = EXCLUDED.subscription_id, name = EXCLUDED.name,
      datasource_types = EXCLUDED.datasource_types, backup_interval = EXCLUDED.backup_interval, default_retention = EXCLUDED.default_retention,
      policy_rules = EXCLUDED.policy_rules, last_seen_at = now(), deleted_at = NULL, last_scan_id = EXCLUDED.last_scan_id`,
    [scanId, doc],
  );
}

export async function upsertBackupInstances(scanId: string, page: BackupInstanceRow[]): Promise<void> {
  const rows = uniqueById(page);
  if (rows.length === 0) return;
  const doc = JSON.stringify(
    rows.map((r) => ({
      arm_id: r.id, vault_id: vaultIdOf(r.id), subscription_id: r.subscriptionId, name: r.name, data_source_id: r.dataSourceId,
      policy_id: orNull(r.policyId), protection_status: orNull(r.protectionStatus), protection_state: orNull(r.protectionState),
      error_code: orNull(r.errorCode), error_message: orNull(r.errorMessage),
    })),
  );
  await pgPool().query(
    `INSERT INTO backup_instance (id, arm_id_key, arm_id, vault_arm_id_key, subscription_id, name, data_source_arm_id_key, data_source_arm_id, policy_arm_id_key, protection_status, current_protection_state, error_code, error_message, first_seen_at, last_seen_at, deleted_at, last_scan_id)
    SELECT gen_random_uuid(), lower(r.arm_id), r.arm_id, lower(r.vault_id), lower(r.subscription_id), r.name, lower(r.data_source_id), r.data_source_id, lower(r.policy_id), r.protection_status, r.protection_state, r.error_code, r.error_message, now(), now(), NULL, $1::uuid
    FROM jsonb_to_recordset($2::jsonb) AS r(arm_id text, vault_id text, subscription_id text, name text, data_source_id text, policy_id text, protection_status text, protection_state text, error_code text, error_message text)
    ON CONFLICT (arm_id_key) DO UPDATE SET
      arm_id = EXCLUDED.arm_id, vault_arm_id_key = EXCLUDED.vault_arm_id_key, subscription_id = EXCLUDED.subscription_id, name = EXCLUDED.name,
      data_source_arm_id_key = EXCLUDED.data_source_arm_id_key, data_source_arm_id = EXCLUDED.data_source_arm_id, policy_arm_id_key = EXCLUDED.policy_arm_id_key,
      protection_status = EXCLUDED.protection_status, current_protection_state = EXCLUDED.current_protection_state,
      error_code = EXCLUDED.error_code, error_message = EXCLUDED.error_message, last_seen_at = now(), deleted_at = NULL, last_scan_id = EXCLUDED.last_scan_id`,
    [scanId, doc],
  );
}

export async function upsertRoleAssignments(scanId: string, page: RoleAssignmentRow[]): Promise<void> {
  const rows = uniqueById(page);
  if (rows.length === 0) return;
  const doc = JSON.stringify(
    rows.map((r) => ({ arm_id: r.id, subscription_id: r.subscriptionId ?? "", principal_id: r.principalId, principal_type: orNull(r.principalType), role_guid: r.roleGuid, scope: r.scope })),
  );
  await pgPool().query(
    `INSERT INTO role_assignment (id, arm_id_key, arm_id, subscription_id, principal_id, principal_type, role_definition_guid, scope, scope_key, first_seen_at, last_seen_at, deleted_at, last_scan_id)
    SELECT gen_random_uuid(), lower(r.arm_id), r.arm_id, lower(r.subscription_id), lower(r.principal_id), r.principal_type, lower(r.role_guid), r.scope, lower(r.scope), now(), now(), NULL, $1::uuid
    FROM jsonb_to_recordset($2::jsonb) AS r(arm_id text, subscription_id text, principal_id text, principal_type text, role_guid text, scope text)
    ON CONFLICT (arm_id_key) DO UPDATE SET
      arm_id = EXCLUDED.arm_id, subscription_id = EXCLUDED.subscription_id, principal_id = EXCLUDED.principal_id,
      principal_type = EXCLUDED.principal_type, role_definition_guid = EXCLUDED.role_definition_guid, scope = EXCLUDED.scope,
      scope_key = EXCLUDED.scope_key, last_seen_at = now(), deleted_at = NULL, last_scan_id = EXCLUDED.last_scan_id`,
    [scanId, doc],
  );
}

/**
 * Marks rows of these subscriptions that this scan did not see as deleted (the time stays in last_seen_at).
 * Called only after every query of the subscriptions succeeded, so a failed page never deletes anything.
 */
export async function markMissingDeleted(scanId: string, subscriptions: string[]): Promise<Record<InventoryTable, number>> {
  const subs = subscriptions.map(lower);
  const counts = {} as Record<InventoryTable, number>;
  for (const table of INVENTORY_TABLES) {
    // Table names come from the constant list above, never from input.
    counts[table] = await db().$executeRaw`
      UPDATE ${Prisma.raw(`"${table}"`)} SET deleted_at = now()
      WHERE deleted_at IS NULL AND subscription_id = ANY(${subs}::text[]) AND last_scan_id IS DISTINCT FROM ${scanId}::uuid`;
  }
  return counts;
}
