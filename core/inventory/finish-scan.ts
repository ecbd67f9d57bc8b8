import { db, type Prisma } from "../db/client";
import { log } from "../log";
import { requestEvaluation } from "../evaluation/request-evaluation";

const ACTIVE = ["QUEUED", "RUNNING"] as const;

/**
 * Closes a scan once none of its parts is queued or running: SUCCEEDED when every subscription was
 * inventoried, PARTIAL when some failed (each named with its error), FAILED when all did. Runs under a lock
 * per scan so that the last two parts finishing at once cannot both close it.
 * Returns true when it closed the scan with an inventory worth evaluating, and then requests the evaluation.
 */
export async function finishScanIfDone(scanId: string): Promise<boolean> {
  const finished = await db().$transaction(async (tx) => {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${`flexguard:scan:${scanId}`}))`;
    const scan = await tx.scan.findUnique({ where: { id: scanId }, select: { status: true, counts: true } });
    if (!scan || (scan.status !== "QUEUED" && scan.status !== "RUNNING")) return false;
    const parts = await tx.scanPart.findMany({ where: { scanId }, select: { status: true, subscriptions: true, counts: true, error: true, errorCode: true, splitInto: true } });
    if (parts.length === 0 || parts.some((p) => (ACTIVE as readonly string[]).includes(p.status))) return false;

    const live = parts.filter((p) => p.splitInto === null); // a split part's subscriptions live on in its children
    const failed = live.filter((p) => p.status === "FAILED");
    const subscriptions = live.reduce((n, p) => n + p.subscriptions.length, 0);
    const failedSubscriptions = failed.reduce((n, p) => n + p.subscriptions.length, 0);
    const totals: Record<string, number> = { subscriptions, failedSubscriptions };
    for (const p of live) for (const [k, v] of Object.entries((p.counts ?? {}) as Record<string, number>)) totals[k] = (totals[k] ?? 0) + v;

    const status = failed.length === 0 ? "SUCCEEDED" : failedSubscriptions === subscriptions ? "FAILED" : "PARTIAL";
    const error = failed.length
      ? `${failedSubscriptions} of ${subscriptions} subscription${subscriptions === 1 ? "" : "s"} could not be inventoried:\n` +
        failed.map((p) => `${p.subscriptions.join(", ")}: ${p.error ?? p.errorCode ?? "unknown error"}`).join("\n")
      : null;
    await tx.scan.update({
      where: { id: scanId },
      data: { status, finishedAt: new Date(), error, counts: totals as Prisma.InputJsonValue },
    });
    log().info({ scanId, status, ...totals }, "scan finished");
    return status !== "FAILED";
  });
  // A finished scan is judged against the rules (after commit: Postgres holds the scan, the queue carries the work).
  if (finished) await requestEvaluation("scan");
  return finished;
}
