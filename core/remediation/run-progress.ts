// A run's progress as the dashboard, the events stream and `flexguard plan status` show it: counts, share done, ETA.
import { db } from "../db/client";
import { countItems } from "./run-dispatch";

export interface RunProgress {
  planId: string;
  name: string;
  status: string;
  pauseReason: string | null;
  startedAt: string | null;
  finishedAt: string | null;
  /** Items per status. */
  counts: Record<string, number>;
  /** Items the run executes (NEEDS_ACTION items are for people and not counted). */
  total: number;
  /** Executable items that ended (any outcome). */
  done: number;
  /** 0 to 100. */
  percent: number;
  /** Seconds left at the pace so far; null before the first item ends or when the run is not running. */
  etaSeconds: number | null;
  /** Estimated duration from planning, in seconds. */
  estimateSeconds: number;
}

const ENDED = ["SUCCEEDED", "NO_CHANGE", "BACKUP_PENDING", "STALE", "FAILED", "CANCELLED"];

export async function getRunProgress(planId: string, now = new Date()): Promise<RunProgress | null> {
  const plan = await db().remediationPlan.findUnique({
    where: { id: planId },
    select: { id: true, name: true, status: true, pauseReason: true, startedAt: true, finishedAt: true, estimateSeconds: true },
  });
  if (!plan) return null;
  const { total: all, byStatus } = await countItems(db(), planId);
  const total = all - (byStatus.NEEDS_ACTION ?? 0);
  const done = ENDED.reduce((n, s) => n + (byStatus[s] ?? 0), 0);
  let etaSeconds: number | null = null;
  if (plan.status === "RUNNING" && plan.startedAt && done > 0) {
    const elapsed = (now.getTime() - plan.startedAt.getTime()) / 1000;
    etaSeconds = Math.max(0, Math.round((elapsed / done) * (total - done)));
  } else if (plan.status === "RUNNING" && done === 0) etaSeconds = plan.estimateSeconds || null;
  return {
    planId: plan.id,
    name: plan.name,
    status: plan.status,
    pauseReason: plan.pauseReason,
    startedAt: plan.startedAt?.toISOString() ?? null,
    finishedAt: plan.finishedAt?.toISOString() ?? null,
    counts: byStatus,
    total,
    done,
    percent: total === 0 ? 100 : Math.floor((done * 1000) / total) / 10,
    etaSeconds,
    estimateSeconds: plan.estimateSeconds,
  };
}

/** Whether a run has nothing more to do (status final, or paused). */
export const isRunSettled = (status: string) => ["SUCCEEDED", "FAILED", "CANCELLED", "PAUSED", "REJECTED"].includes(status);
