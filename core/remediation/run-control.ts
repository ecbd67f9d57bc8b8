// Starting and steering a remediation run: start, pause, resume, cancel, retry failed items. Each is a
// person's decision, checked against the plan's state and approval under the plan row lock, and audited.
import { recordAudit } from "../audit/record-audit";
import { authorize, inScope, type Actor } from "../auth/actor";
import { db, type Db, type Prisma } from "../db/client";
import { AppError } from "../errors";
import { countItems, dispatchPlan, type RunCounts } from "./run-dispatch";

export interface RunControlResult {
  planId: string;
  status: string;
  /** Items the call started (start, resume, retry) or changed (cancel: pending items cancelled; retry: items reset). */
  items: number;
}

interface LockedPlan {
  id: string;
  name: string;
  status: string;
  content_hash: string;
  approved_hash: string | null;
  approval_expires_at: Date | null;
  counts: RunCounts | null;
}

async function lockPlan(tx: Db, actor: Actor, planId: string): Promise<LockedPlan> {
  const [plan] = await tx.$queryRaw<LockedPlan[]>`
    SELECT id::text, name, status::text AS status, content_hash, approved_hash, approval_expires_at, counts
    FROM remediation_plan WHERE id = ${planId}::uuid FOR UPDATE`;
  if (!plan) throw new AppError("NOT_FOUND", `There is no plan ${planId}`);
  if (actor.subscriptions) {
    // A user limited to some subscriptions may only steer plans that stay within them.
    const outside = await tx.remediationItem.findFirst({ where: { planId, subscriptionId: { notIn: actor.subscriptions } }, select: { id: true } });
    if (outside) throw new AppError("NOT_FOUND", `There is no plan ${planId}`);
  }
  return plan;
}

function checkApproval(plan: LockedPlan, now = new Date()): void {
  if (!plan.approved_hash || plan.approved_hash !== plan.content_hash)
    throw new AppError("CONFLICT", `Plan ${plan.id} was changed after its approval (or was never approved): it needs a new approval before it runs`);
  if (!plan.approval_expires_at || plan.approval_expires_at <= now)
    throw new AppError("CONFLICT", `The approval of plan ${plan.id} expired at ${plan.approval_expires_at?.toISOString() ?? "(none)"}: it needs a new approval`);
}

async function control(
  actor: Actor,
  planId: string,
  action: string,
  change: (tx: Db, plan: LockedPlan) => Promise<{ status: string; items: number }>,
  dispatchAfter: boolean,
): Promise<RunControlResult> {
  authorize(actor, "runs:control");
  const result = await db().$transaction(async (tx) => {
    const plan = await lockPlan(tx, actor, planId);
    const changed = await change(tx, plan);
    await recordAudit(actor, { action, targetType: "plan", targetId: planId, before: { status: plan.status }, after: changed }, tx);
    return changed;
  });
  if (dispatchAfter) {
    const started = await dispatchPlan(planId);
    return { planId, status: result.status, items: result.items || started };
  }
  // Cancel with nothing in flight ends the run now.
  await dispatchPlan(planId);
  return { planId, ...result };
}

/** Starts an approved plan whose approval is current and matches its content. */
export function startRun(actor: Actor, planId: string): Promise<RunControlResult> {
  return control(actor, planId, "plan.run", async (tx, plan) => {
    if (plan.status !== "APPROVED") throw new AppError("CONFLICT", `Plan ${planId} is ${plan.status}: only an APPROVED plan can be started`);
    checkApproval(plan);
    await tx.remediationPlan.update({
      where: { id: planId },
      data: { status: "RUNNING", startedBy: actor.label, startedAt: new Date(), finishedAt: null, pausedAt: null, pauseReason: null, updatedAt: new Date() },
    });
    return { status: "RUNNING", items: 0 };
  }, true);
}

/** Pauses a running plan: items in flight finish their current step and return to PENDING; nothing new starts. */
export function pauseRun(actor: Actor, planId: string, reason?: string): Promise<RunControlResult> {
  return control(actor, planId, "plan.pause", async (tx, plan) => {
    if (plan.status !== "RUNNING") throw new AppError("CONFLICT", `Plan ${planId} is ${plan.status}: only a RUNNING plan can be paused`);
    await tx.remediationPlan.update({ where: { id: planId }, data: { status: "PAUSED", pausedAt: new Date(), pauseReason: reason?.trim() || `paused by ${actor.label}`, updatedAt: new Date() } });
    return { status: "PAUSED", items: 0 };
  }, false);
}

/** Resumes a paused plan; the failure threshold counts failures from here on. */
export function resumeRun(actor: Actor, planId: string): Promise<RunControlResult> {
  return control(actor, planId, "plan.resume", async (tx, plan) => {
    if (plan.status !== "PAUSED") throw new AppError("CONFLICT", `Plan ${planId} is ${plan.status}: only a PAUSED plan can be resumed`);
    if (!plan.approved_hash || plan.approved_hash !== plan.content_hash) checkApproval(plan);
    await setBaseline(tx, planId, plan);
    await tx.remediationPlan.update({ where: { id: planId }, data: { status: "RUNNING", pausedAt: null, pauseReason: null, updatedAt: new Date() } });
    return { status: "RUNNING", items: 0 };
  }, true);
}

/** Cancels a plan: pending items are cancelled, items in flight finish their current step and end CANCELLED. */
export function cancelRun(actor: Actor, planId: string): Promise<RunControlResult> {
  return control(actor, planId, "plan.cancel", async (tx, plan) => {
    if (!["RUNNING", "PAUSED", "APPROVED"].includes(plan.status))
      throw new AppError("CONFLICT", `Plan ${planId} is ${plan.status}: only an approved, running or paused plan can be cancelled`);
    await tx.remediationPlan.update({ where: { id: planId }, data: { status: "CANCELLED", cancelRequestedAt: new Date(), updatedAt: new Date() } });
    const cancelled = await tx.remediationItem.updateMany({ where: { planId, status: "PENDING" }, data: { status: "CANCELLED", finishedAt: new Date() } });
    return { status: "CANCELLED", items: cancelled.count };
  }, false);
}

/** Puts failed items (and items failed because of them) back to PENDING and runs the plan again; finished steps are not repeated. */
export function retryRun(actor: Actor, planId: string): Promise<RunControlResult> {
  return control(actor, planId, "plan.retry", async (tx, plan) => {
    if (!["RUNNING", "PAUSED", "FAILED"].includes(plan.status))
      throw new AppError("CONFLICT", `Plan ${planId} is ${plan.status}: failed items can be retried in a running, paused or failed run`);
    if (plan.approved_hash !== plan.content_hash) checkApproval(plan);
    const reset = await tx.remediationItem.updateMany({
      where: { planId, status: "FAILED" },
      data: { status: "PENDING", finishedAt: null, errorCode: null, errorMessage: null, leaseUntil: null },
    });
    if (reset.count === 0) throw new AppError("CONFLICT", `Plan ${planId} has no failed items to retry`);
    await setBaseline(tx, planId, plan);
    await tx.remediationPlan.update({ where: { id: planId }, data: { status: "RUNNING", finishedAt: null, pausedAt: null, pauseReason: null, updatedAt: new Date() } });
    return { status: "RUNNING", items: reset.count };
  }, true);
}

/** The failure threshold counts from now: finished and failed items so far are the baseline. */
async function setBaseline(tx: Db, planId: string, plan: LockedPlan): Promise<void> {
  const { total, byStatus } = await countItems(tx, planId);
  const finished = (byStatus.SUCCEEDED ?? 0) + (byStatus.NO_CHANGE ?? 0) + (byStatus.BACKUP_PENDING ?? 0) + (byStatus.STALE ?? 0) + (byStatus.FAILED ?? 0);
  const counts = { ...(plan.counts ?? {}), total, byStatus, baseline: { finished, failed: byStatus.FAILED ?? 0 } };
  await tx.remediationPlan.update({ where: { id: planId }, data: { counts: counts as Prisma.InputJsonValue } });
}

/** Whether the actor may see this plan's run (used by progress and history readers). */
export async function assertPlanVisible(actor: Actor, planId: string): Promise<void> {
  authorize(actor, "fleet:read");
  const plan = await db().remediationPlan.findUnique({ where: { id: planId }, select: { id: true } });
  if (!plan) throw new AppError("NOT_FOUND", `There is no plan ${planId}`);
  if (actor.subscriptions) {
    const subs = await db().remediationItem.findMany({ where: { planId }, distinct: ["subscriptionId"], select: { subscriptionId: true } });
    if (subs.some((s) => !inScope(actor, s.subscriptionId))) throw new AppError("NOT_FOUND", `There is no plan ${planId}`);
  }
}
