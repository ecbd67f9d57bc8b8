import { recordAudit } from "../audit/record-audit";
import { authorize, type Actor } from "../auth/actor";
import { db } from "../db/client";
import { enqueue, scanQueue } from "../queues";

export interface RequestScanInput {
  /** What asked: schedule, cli, dashboard, api, seed. */
  trigger: string;
  requestedBy?: string;
  /** Who asked, when a person or token did: checked for scan:run and audited. */
  actor?: Actor;
}

export interface RequestedScan {
  scanId: string;
  /** false when a scan was already queued or running and this request joined it. */
  created: boolean;
}

/**
 * Starts a scan unless one is already queued or running, in which case the caller gets that one:
 * two scans never run at once. The row is committed before the job is enqueued (Postgres holds the decision).
 */
export async function requestScan({ trigger, requestedBy, actor }: RequestScanInput): Promise<RequestedScan> {
  if (actor) authorize(actor, "scan:run");
  const result = await db().$transaction(async (tx) => {
    // Serialises concurrent requests so that two of them cannot both see "no active scan".
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext('flexguard:request-scan'))`;
    const active = await tx.scan.findFirst({ where: { status: { in: ["QUEUED", "RUNNING"] } }, orderBy: { queuedAt: "asc" } });
    if (active) return { scanId: active.id, created: false };
    const scan = await tx.scan.create({ data: { trigger, requestedBy: requestedBy ?? actor?.label } });
    if (actor) await recordAudit(actor, { action: "scan.request", targetType: "scan", targetId: scan.id, details: { trigger } }, tx);
    return { scanId: scan.id, created: true };
  });
  // Enqueued even when joining: if Redis lost the job, the deduplicating job id makes this a no-op otherwise.
  await enqueue(scanQueue, { scanId: result.scanId });
  return result;
}
