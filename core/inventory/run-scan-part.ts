import { db, type Prisma } from "../db/client";
import { AppError } from "../errors";
import { log } from "../log";
import { queryResourceGraph } from "../azure/resource-graph";
import { enqueueMany, scanPartQueue } from "../queues";
import { finishScanIfDone } from "./finish-scan";
import {
  BACKUP_INSTANCES_QUERY,
  POLICIES_QUERY,
  ROLE_ASSIGNMENTS_QUERY,
  SERVERS_QUERY,
  VAULTS_QUERY,
} from "./queries";
import { markMissingDeleted, upsertBackupInstances, upsertPolicies, upsertRoleAssignments, upsertServers, upsertVaults } from "./upsert";
import type { RunAttempt } from "./run-scan";

/** What one part reads, in order, and where each page goes. */
const STEPS = [
  { count: "servers", query: SERVERS_QUERY, upsert: upsertServers, scopeFilter: undefined },
  { count: "vaults", query: VAULTS_QUERY, upsert: upsertVaults, scopeFilter: undefined },
  { count: "backupPolicies", query: POLICIES_QUERY, upsert: upsertPolicies, scopeFilter: undefined },
  { count: "backupInstances", query: BACKUP_INSTANCES_QUERY, upsert: upsertBackupInstances, scopeFilter: undefined },
  // Assignments inherited from above a subscription (management groups) count too.
  { count: "roleAssignments", query: ROLE_ASSIGNMENTS_QUERY, upsert: upsertRoleAssignments, scopeFilter: "AtScopeAboveAndBelow" as const },
] as const;

/**
 * Inventories one group of subscriptions, page by page, then marks what those subscriptions no longer have as
 * deleted. A group that fails for good is split into one part per subscription, so that one subscription
 * without access (403) or failing (5xx) is recorded against itself and the others complete.
 */
export async function runScanPart(scanId: string, partId: string, { attempt, maxAttempts }: RunAttempt): Promise<void> {
  const part = await db().scanPart.findUnique({ where: { id: partId } });
  if (!part) throw new AppError("NOT_FOUND", `Scan part ${partId} does not exist`);
  if (part.status !== "QUEUED" && part.status !== "RUNNING") return void (await finishScanIfDone(scanId));
  await db().scanPart.update({ where: { id: partId }, data: { status: "RUNNING", startedAt: new Date(), attempts: { increment: 1 } } });

  const counts: Record<string, number> = {};
  try {
    for (const step of STEPS) {
      let rows = 0;
      for await (const page of queryResourceGraph<never>(step.query, { subscriptions: part.subscriptions }, undefined, step.scopeFilter)) {
        await step.upsert(scanId, page);
        rows += (page as unknown[]).length;
      }
      counts[step.count] = rows;
    }
    const deleted = await markMissingDeleted(scanId, part.subscriptions);
    counts.deleted = Object.values(deleted).reduce((a, b) => a + b, 0);
    await db().scanPart.update({ where: { id: partId }, data: { status: "SUCCEEDED", finishedAt: new Date(), counts: counts as Prisma.InputJsonValue, error: null, errorCode: null } });
  } catch (err) {
    const e = err instanceof AppError ? err : new AppError("AZURE_REQUEST_FAILED", String(err), { cause: err, retryable: true });
    const azureCode = (e.opts.details?.azureCode as string | undefined) ?? e.code;
    if (e.retryable && attempt < maxAttempts) {
      await db().scanPart.update({ where: { id: partId }, data: { status: "QUEUED", errorCode: azureCode, error: `Attempt ${attempt} of ${maxAttempts} failed, retrying: ${e.message}` } });
      throw e;
    }
    if (part.subscriptions.length > 1) {
      const children = await db().$transaction(async (tx) => {
        const made = await Promise.all(part.subscriptions.map((s) => tx.scanPart.create({ data: { scanId, subscriptions: [s] }, select: { id: true } })));
        await tx.scanPart.update({ where: { id: partId }, data: { status: "FAILED", finishedAt: new Date(), errorCode: azureCode, error: e.message, splitInto: made.length, counts: counts as Prisma.InputJsonValue } });
        return made;
      });
      log().warn({ scanId, partId, subscriptions: part.subscriptions.length, err: e.message }, "scan group failed; retrying its subscriptions one by one");
      await enqueueMany(scanPartQueue, children.map((c) => ({ scanId, partId: c.id })));
      return;
    }
    await db().scanPart.update({ where: { id: partId }, data: { status: "FAILED", finishedAt: new Date(), errorCode: azureCode, error: e.message, counts: counts as Prisma.InputJsonValue } });
    log().warn({ scanId, partId, subscription: part.subscriptions[0], err: e.message }, "subscription could not be inventoried");
  }
  await finishScanIfDone(scanId);
}
