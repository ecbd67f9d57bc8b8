import { db, Prisma } from "../db/client";
import { env } from "../config/env";
import { AppError } from "../errors";
import { log } from "../log";
import { queryResourceGraph } from "../azure/resource-graph";
import { SERVERS_QUERY, type ServerRow } from "./queries";
import { armKey } from "./types";

export interface ScanCounts {
  servers: number;
  subscriptions: number;
  /** Servers a complete scan no longer found, now marked deleted. */
  deleted: number;
}

export interface RunScanOptions {
  attempt: number;
  maxAttempts: number;
}

/**
 * Inventories the configured scope for one Scan row: streams Resource Graph pages, upserts each page in
 * one transaction, then marks servers that are gone as deleted. A failure leaves the previous inventory
 * intact and the scan record says why.
 */
export async function runScan(scanId: string, { attempt, maxAttempts }: RunScanOptions): Promise<ScanCounts> {
  const scan = await db().scan.findUnique({ where: { id: scanId } });
  if (!scan) throw new AppError("NOT_FOUND", `Scan ${scanId} does not exist`);
  if (scan.status !== "QUEUED" && scan.status !== "RUNNING") {
    log().info({ scanId, status: scan.status }, "scan already finished; nothing to do");
    return scan.counts as unknown as ScanCounts;
  }
  await db().scan.update({ where: { id: scanId }, data: { status: "RUNNING", startedAt: new Date(), error: null } });

  const config = env();
  const scope = { subscriptions: config.AZURE_SUBSCRIPTIONS, managementGroups: config.AZURE_MANAGEMENT_GROUP ? [config.AZURE_MANAGEMENT_GROUP] : undefined };
  const subscriptions = new Set<string>();
  let servers = 0;
  try {
    for await (const page of queryResourceGraph<ServerRow>(SERVERS_QUERY, scope)) {
      await upsertServers(scanId, page);
      servers += page.length;
      for (const row of page) subscriptions.add(row.subscriptionId.toLowerCase());
    }
    const deleted = await markMissingServersDeleted(scanId, [...subscriptions], config.AZURE_SUBSCRIPTIONS);
    const counts: ScanCounts = { servers, subscriptions: subscriptions.size, deleted };
    await db().scan.update({
      where: { id: scanId },
      data: { status: "SUCCEEDED", finishedAt: new Date(), counts: counts as unknown as Prisma.InputJsonValue },
    });
    return counts;
  } catch (err) {
    const appError = err instanceof AppError ? err : new AppError("AZURE_REQUEST_FAILED", String(err), { cause: err, retryable: true });
    const willRetry = appError.retryable && attempt < maxAttempts;
    await db().scan.update({
      where: { id: scanId },
      data: willRetry
        ? { status: "QUEUED", error: `Attempt ${attempt} of ${maxAttempts} failed, retrying: ${appError.message}` }
        : { status: "FAILED", finishedAt: new Date(), error: appError.message, counts: { servers, subscriptions: subscriptions.size, deleted: 0 } },
    });
    throw appError;
  }
}

async function upsertServers(scanId: string, rows: ServerRow[]): Promise<void> {
  // One row per resource id: Azure ids differ in case at times, and a page must not name a row twice.
  const byKey = new Map(rows.map((r) => [armKey(r.id), r]));
  const unique = [...byKey.values()];
  if (unique.length === 0) return;
  const subscriptionIds = [...new Set(unique.map((r) => r.subscriptionId.toLowerCase()))];
  const col = <K extends keyof ServerRow>(k: K) => unique.map((r) => r[k]);
  const blankToNull = (values: (string | null | undefined)[]) => values.map((v) => (v ? v : null));
  await db().$transaction([
    db().$executeRaw`
      INSERT INTO subscription (id, last_seen_at, deleted_at)
      SELECT s, now(), NULL FROM unnest(${subscriptionIds}::text[]) AS s
      ON CONFLICT (id) DO UPDATE SET last_seen_at = now(), deleted_at = NULL`,
    db().$executeRaw`
      INSERT INTO server (id, arm_id_key, arm_id, name, subscription_id, resource_group, location, version, sku_name, sku_tier, state, tags, first_seen_at, last_seen_at, deleted_at, last_scan_id)
      SELECT gen_random_uuid(), lower(r.arm_id), r.arm_id, r.name, lower(r.subscription_id), r.resource_group, r.location, r.version, r.sku_name, r.sku_tier, r.state, r.tags::jsonb, now(), now(), NULL, ${scanId}::uuid
      FROM unnest(
        ${col("id")}::text[], ${col("name")}::text[], ${col("subscriptionId")}::text[], ${col("resourceGroup")}::text[],
        ${col("location")}::text[], ${blankToNull(col("version"))}::text[], ${blankToNull(col("skuName"))}::text[],
        ${blankToNull(col("skuTier"))}::text[], ${blankToNull(col("state"))}::text[], ${unique.map((r) => JSON.stringify(r.tags ?? {}))}::text[]
      ) AS r(arm_id, name, subscription_id, resource_group, location, version, sku_name, sku_tier, state, tags)
      ON CONFLICT (arm_id_key) DO UPDATE SET
        arm_id = EXCLUDED.arm_id, name = EXCLUDED.name, subscription_id = EXCLUDED.subscription_id,
        resource_group = EXCLUDED.resource_group, location = EXCLUDED.location, version = EXCLUDED.version,
        sku_name = EXCLUDED.sku_name, sku_tier = EXCLUDED.sku_tier, state = EXCLUDED.state, tags = EXCLUDED.tags,
        last_seen_at = now(), deleted_at = NULL, last_scan_id = EXCLUDED.last_scan_id`,
  ]);
}

/**
 * Marks servers this complete scan did not see as deleted, keeping their rows and history. Only subscriptions
 * in scope are considered: a configured subscription that returned nothing has lost all its servers.
 */
async function markMissingServersDeleted(scanId: string, seen: string[], configured: string[] | undefined): Promise<number> {
  const inScope = configured ?? seen;
  if (configured === undefined) {
    // Scope is "everything visible": servers of subscriptions no longer visible at all are gone too.
    return db().$executeRaw`
      UPDATE server SET deleted_at = now()
      WHERE deleted_at IS NULL AND (last_scan_id IS DISTINCT FROM ${scanId}::uuid)`;
  }
  return db().$executeRaw`
    UPDATE server SET deleted_at = now()
    WHERE deleted_at IS NULL AND subscription_id = ANY(${inScope}::text[]) AND (last_scan_id IS DISTINCT FROM ${scanId}::uuid)`;
}
