import { env } from "../config/env";
import { db } from "../db/client";
import { AppError } from "../errors";
import { log } from "../log";
import { enqueueMany, scanPartQueue } from "../queues";
import { finishScanIfDone } from "./finish-scan";
import { chunk, subscriptionsInScope, type ScanScope } from "./scope";

export interface RunAttempt {
  attempt: number;
  maxAttempts: number;
}

/**
 * Starts a scan: resolves the subscriptions in scope and fans out one scan-part job per group of them.
 * Safe to run again for the same scan (a retried or re-enqueued job): parts already made are re-enqueued,
 * and their deduplicating job ids keep the work from running twice.
 */
export async function runScan(scanId: string, { attempt, maxAttempts }: RunAttempt): Promise<{ parts: number }> {
  const scan = await db().scan.findUnique({ where: { id: scanId }, include: { parts: { select: { id: true, status: true } } } });
  if (!scan) throw new AppError("NOT_FOUND", `Scan ${scanId} does not exist`);
  if (scan.status !== "QUEUED" && scan.status !== "RUNNING") return { parts: scan.parts.length };

  if (scan.parts.length > 0) {
    const open = scan.parts.filter((p) => p.status === "QUEUED" || p.status === "RUNNING");
    await enqueueMany(scanPartQueue, open.map((p) => ({ scanId, partId: p.id })));
    await finishScanIfDone(scanId);
    return { parts: scan.parts.length };
  }

  await db().scan.update({ where: { id: scanId }, data: { status: "RUNNING", startedAt: scan.startedAt ?? new Date(), error: null } });
  let scope: ScanScope;
  try {
    scope = await subscriptionsInScope();
  } catch (err) {
    const e = err instanceof AppError ? err : new AppError("AZURE_REQUEST_FAILED", String(err), { cause: err, retryable: true });
    const willRetry = e.retryable && attempt < maxAttempts;
    await db().scan.update({
      where: { id: scanId },
      data: willRetry
        ? { error: `Finding the subscriptions in scope failed (attempt ${attempt} of ${maxAttempts}), retrying: ${e.message}` }
        : { status: "FAILED", finishedAt: new Date(), error: `Finding the subscriptions in scope failed: ${e.message}` },
    });
    throw e;
  }
  const subscriptions = scope.visible;
  if (subscriptions.length === 0 && scope.inaccessible.length === 0) {
    await db().scan.update({
      where: { id: scanId },
      data: { status: "FAILED", finishedAt: new Date(), error: noSubscriptionsMessage() },
    });
    return { parts: 0 };
  }

  const groups = chunk(subscriptions, env().SCAN_SUBSCRIPTIONS_PER_JOB);
  const now = new Date();
  const parts = await db().$transaction([
    ...groups.map((group) => db().scanPart.create({ data: { scanId, subscriptions: group }, select: { id: true } })),
    // A configured subscription the principal cannot see is recorded as failed for itself; its inventory stays.
    ...scope.inaccessible.map((subscription) =>
      db().scanPart.create({
        data: { scanId, subscriptions: [subscription], status: "FAILED", startedAt: now, finishedAt: now, errorCode: "SubscriptionNotVisible", error: inaccessibleMessage(subscription) },
        select: { id: true },
      }),
    ),
  ]);
  await db().scan.update({ where: { id: scanId }, data: { counts: { subscriptions: subscriptions.length + scope.inaccessible.length } } });
  await enqueueMany(scanPartQueue, parts.slice(0, groups.length).map((p) => ({ scanId, partId: p.id })));
  if (groups.length === 0) await finishScanIfDone(scanId);
  log().info({ scanId, subscriptions: subscriptions.length, parts: parts.length }, "scan fanned out");
  return { parts: parts.length };
}

function principalText(): string {
  const config = env();
  return config.AZURE_MODE === "emulator" ? ` (principal ${config.EMULATOR_PRINCIPAL_ID})` : "";
}

function inaccessibleMessage(subscription: string): string {
  return `Subscription ${subscription} is configured in AZURE_SUBSCRIPTIONS but Flexguard's credential${principalText()} cannot read it (it may not exist, or the credential lacks Reader there). Its last inventory is kept; grant Reader on it or remove it from AZURE_SUBSCRIPTIONS.`;
}

function noSubscriptionsMessage(): string {
  const config = env();
  const principal = principalText();
  const scope = config.AZURE_MANAGEMENT_GROUP ? ` in management group ${config.AZURE_MANAGEMENT_GROUP}` : "";
  return `No subscriptions are visible to Flexguard's credential${principal}${scope}. Grant it Reader on the subscriptions to protect, or list them in AZURE_SUBSCRIPTIONS.`;
}
