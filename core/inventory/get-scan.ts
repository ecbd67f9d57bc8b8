import { authorize, inScope, type Actor } from "../auth/actor";
import { db } from "../db/client";
import { pollUntil } from "../poll-until";

export type ScanRecord = NonNullable<Awaited<ReturnType<typeof getScan>>>;

/** One scan record, or null. */
export function getScan(scanId: string) {
  return db().scan.findUnique({ where: { id: scanId } });
}

/** The most recent scan, finished or not. */
export function latestScan() {
  return db().scan.findFirst({ orderBy: { queuedAt: "desc" } });
}

export const isFinished = (status: string) => status === "SUCCEEDED" || status === "PARTIAL" || status === "FAILED";

/** Polls a scan's row until it finishes (Postgres is the truth, not the queue) or the timeout passes. */
export function waitForScan(scanId: string, options: { timeoutMs?: number; intervalMs?: number } = {}): Promise<ScanRecord> {
  return pollUntil(`Scan ${scanId}`, () => getScan(scanId), (scan) => isFinished(scan.status), options);
}

/** Recent scans with their per-subscription outcomes, limited to the actor's subscriptions. */
export async function listScans(actor: Actor, take = 20) {
  authorize(actor, "fleet:read");
  const scans = await db().scan.findMany({ orderBy: { queuedAt: "desc" }, take, include: { parts: { orderBy: { id: "asc" } } } });
  return scans.map((scan) => ({
    ...scan,
    parts: scan.parts
      .filter((p) => p.subscriptions.some((s) => inScope(actor, s)))
      .map((p) => ({ ...p, subscriptions: p.subscriptions.filter((s) => inScope(actor, s)) })),
  }));
}
