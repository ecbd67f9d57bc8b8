// The reconciler: Postgres holds every decision, Redis only carries work. After a worker was killed or Redis
// lost its data, it rebuilds the queue from the plans: items whose lease expired or whose executing process died
// (worker-lock.ts) are enqueued again, and every running plan is dispatched (which starts PENDING items, whatever
// Redis lost of them).
import { db } from "../db/client";
import { env } from "../config/env";
import { log } from "../log";
import { enqueueMany } from "../queues/enqueue";
import { remediateItemQueue } from "../queues/remediation";
import { dispatchPlan } from "./run-dispatch";
import { LIVE_OWNERS_SQL } from "./worker-lock";

export interface ReconcileResult {
  plans: number;
  /** RUNNING items whose lease had expired, enqueued again. */
  requeued: number;
  /** PENDING items started by the dispatch of running plans. */
  started: number;
  /** Items of plans no longer running that were lost mid-step, returned to PENDING (paused) or cancelled. */
  released: number;
}

export async function reconcileRuns(): Promise<ReconcileResult> {
  const lease = env().REMEDIATION_LEASE_SECONDS;
  // Take the item over as a new dispatch (attempts + 1): the lost job, should BullMQ ever run it again, finds the item
  // no longer its own and does nothing; the new job id is not blocked by the old job still held in Redis. The new
  // lease leaves the item alone while its job gets a chance to run.
  // An item whose executing process died (its worker lock is gone) is taken over at once, without waiting for its lease.
  const expired = await db().$queryRawUnsafe<{ id: string; plan_id: string; attempts: number; plan_status: string }[]>(
    `WITH live AS MATERIALIZED (${LIVE_OWNERS_SQL})
    UPDATE remediation_item i SET lease_until = now() + make_interval(secs => $1::int), attempts = i.attempts + 1, lease_owner = NULL
    FROM remediation_plan p
    WHERE p.id = i.plan_id AND i.status = 'RUNNING'
      AND (i.lease_until IS NULL OR i.lease_until < now() OR (i.lease_owner IS NOT NULL AND i.lease_owner::bigint NOT IN (SELECT objid FROM live)))
    RETURNING i.id::text, i.plan_id::text, i.attempts, p.status::text AS plan_status`,
    lease,
  );
  const live = expired.filter((i) => i.plan_status === "RUNNING");
  let released = 0;
  for (const item of expired.filter((i) => i.plan_status !== "RUNNING")) {
    // Its worker died while the plan was paused or cancelled: nothing will finish its step, so settle it here.
    const cancelled = item.plan_status === "CANCELLED";
    const r = await db().remediationItem.updateMany({
      where: { id: item.id, status: "RUNNING", attempts: item.attempts },
      data: cancelled ? { status: "CANCELLED", finishedAt: new Date(), leaseUntil: null } : { status: "PENDING", leaseUntil: null },
    });
    released += r.count;
  }
  if (live.length > 0) await enqueueMany(remediateItemQueue, live.map((i) => ({ planId: i.plan_id, itemId: i.id, dispatch: i.attempts })));

  const plans = await db().remediationPlan.findMany({
    where: { OR: [{ status: "RUNNING" }, { status: "CANCELLED", finishedAt: null }] },
    select: { id: true },
  });
  let started = 0;
  for (const p of plans) started += await dispatchPlan(p.id);
  if (live.length || started || released) log().info({ plans: plans.length, requeued: live.length, started, released }, "remediation reconciled");
  return { plans: plans.length, requeued: live.length, started, released };
}
