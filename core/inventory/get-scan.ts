import { authorize, inScope, type Actor } from "../auth/actor";
import { db } from "../db/client";

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
export async function waitForScan(scanId: string, { timeoutMs = 10 * 60_000, intervalMs = 250 } = {}): Promise<ScanRecord> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const scan = await getScan(scanId);
    if (!scan) throw new Error(`Scan ${scanId} does not exist`);
    if (isFinished(scan.status)) return scan;
    if (Date.now() > deadline) throw new Error(`Scan ${scanId} did not finish within ${Math.round(timeoutMs / 1000)} s (status ${scan.status})`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
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
