// The dispatcher: decides, from Postgres alone, which items of a running plan start next, and ends or pauses the
// run. It runs after every item finishes, on start, resume and retry, and in the reconciler; the plan row lock
// serializes it, so two workers never start the same item or exceed the plan's concurrency.
import { db, type Db, type Prisma } from "../db/client";
import { log } from "../log";
import { enqueueMany } from "../queues/enqueue";
import { remediateItemQueue } from "../queues/remediation";
import { env } from "../config/env";
import { notify } from "../notifications/notify";
import { planOptionsSchema } from "./plan-types";

/** Item outcomes that satisfy a dependency. */
export const DONE_STATUSES = ["SUCCEEDED", "NO_CHANGE", "BACKUP_PENDING"] as const;
/** Item outcomes that end an item. */
export const TERMINAL_STATUSES = ["SUCCEEDED", "NO_CHANGE", "BACKUP_PENDING", "STALE", "FAILED", "CANCELLED", "NEEDS_ACTION"] as const;

export interface RunCounts {
  total: number;
  byStatus: Record<string, number>;
  /** Finished and failed items when the run was last resumed: the failure threshold counts from there. */
  baseline?: { finished: number; failed: number };
  [key: string]: unknown;
}

/** Items per status, as a plain object with every status present. */
export async function countItems(tx: Db, planId: string): Promise<{ total: number; byStatus: Record<string, number> }> {
  const rows = await tx.$queryRaw<{ status: string; n: bigint }[]>`
    SELECT status::text AS status, count(*) AS n FROM remediation_item WHERE plan_id = ${planId}::uuid GROUP BY status`;
  const byStatus: Record<string, number> = Object.fromEntries(["PENDING", "RUNNING", ...TERMINAL_STATUSES].map((s) => [s, 0]));
  let total = 0;
  for (const r of rows) {
    byStatus[r.status] = Number(r.n);
    total += Number(r.n);
  }
  return { total, byStatus };
}

const finishedOf = (byStatus: Record<string, number>) =>
  (byStatus.SUCCEEDED ?? 0) + (byStatus.NO_CHANGE ?? 0) + (byStatus.BACKUP_PENDING ?? 0) + (byStatus.STALE ?? 0) + (byStatus.FAILED ?? 0);

type PlanEvent = { kind: "finished"; status: "SUCCEEDED" | "FAILED" | "CANCELLED" } | { kind: "paused"; reason: string; pausedAt: Date };

/**
 * Starts what may start now and returns how many items it enqueued. Also: fails items whose dependency failed,
 * keeps the plan's counts current, pauses on a failed canary or the failure threshold, and ends the run.
 */
export async function dispatchPlan(planId: string): Promise<number> {
  const { started, event, name, counts } = await db().$transaction(
    async (tx) => {
      const [plan] = await tx.$queryRaw<{ status: string; options: unknown; counts: RunCounts | null; name: string; cancel_requested_at: Date | null }[]>`
        SELECT status::text AS status, options, counts, name, cancel_requested_at FROM remediation_plan WHERE id = ${planId}::uuid FOR UPDATE`;
      if (!plan) return { started: [], event: undefined, name: "", counts: undefined };
      const options = planOptionsSchema.parse(plan.options ?? {});
      let event: PlanEvent | undefined;

      if (plan.status === "RUNNING") {
        // An item whose dependency ended without success cannot run: it fails, naming the dependency.
        for (let changed = 1; changed > 0; ) {
          changed = await tx.$executeRaw`
            UPDATE remediation_item i SET status = 'FAILED', finished_at = now(), error_code = 'DEPENDENCY_FAILED',
              error_message = 'Item ' || d.seq || ' (' || d.kind || ') it depends on ended ' || d.status::text
            FROM remediation_item d
            WHERE i.plan_id = ${planId}::uuid AND i.status = 'PENDING' AND d.plan_id = i.plan_id AND d.seq = ANY(i.depends_on)
              AND d.status IN ('FAILED', 'STALE', 'CANCELLED', 'NEEDS_ACTION')`;
        }
      }
      const before = await countItems(tx, planId);
      const baseline = plan.counts?.baseline;
      if (plan.status === "RUNNING") {
        // Canary: its items run alone; once all ended, any of them failed pauses the run before the rest start.
        const [canary] = await tx.$queryRaw<{ open: bigint; bad: bigint }[]>`
          SELECT count(*) FILTER (WHERE status IN ('PENDING', 'RUNNING')) AS open, count(*) FILTER (WHERE status IN ('FAILED', 'STALE')) AS bad
          FROM remediation_item WHERE plan_id = ${planId}::uuid AND canary`;
        const canaryOpen = Number(canary?.open ?? 0) > 0;
        const failed = (before.byStatus.FAILED ?? 0) - (baseline?.failed ?? 0);
        const finished = finishedOf(before.byStatus) - (baseline?.finished ?? 0);
        let pauseReason: string | undefined;
        // Once a person resumed the run (baseline set), they have seen the canary's failures: the rest may go.
        if (!canaryOpen && Number(canary?.bad ?? 0) > 0 && !baseline)
          pauseReason = `canary failed: ${canary!.bad} canary item(s) failed or were stale`;
        else if (finished >= options.failureMinItems && failed > 0 && (failed * 100) / finished >= options.failureThresholdPercent)
          pauseReason = `failure threshold reached: ${failed} of ${finished} items failed`;
        if (pauseReason) {
          const pausedAt = new Date();
          await tx.remediationPlan.update({ where: { id: planId }, data: { status: "PAUSED", pausedAt, pauseReason } });
          event = { kind: "paused", reason: pauseReason, pausedAt };
        } else {
          const open = (before.byStatus.PENDING ?? 0) + (before.byStatus.RUNNING ?? 0);
          if (open === 0) {
            const final = (before.byStatus.FAILED ?? 0) > 0 ? "FAILED" : "SUCCEEDED";
            await tx.remediationPlan.update({ where: { id: planId }, data: { status: final, finishedAt: new Date() } });
            event = { kind: "finished", status: final };
          } else {
            const started = await pickAndStart(tx, planId, options.concurrency, options.perVaultConcurrency, canaryOpen);
            const counts = await countItems(tx, planId);
            await tx.remediationPlan.update({ where: { id: planId }, data: { counts: { ...counts, ...(baseline ? { baseline } : {}) } as Prisma.InputJsonValue, updatedAt: new Date() } });
            return { started, event, name: plan.name, counts };
          }
        }
      } else if (plan.status === "CANCELLED" && (before.byStatus.RUNNING ?? 0) === 0) {
        const [done] = await tx.$queryRaw<{ finished: boolean }[]>`SELECT finished_at IS NOT NULL AS finished FROM remediation_plan WHERE id = ${planId}::uuid`;
        if (!done?.finished) {
          await tx.remediationPlan.update({ where: { id: planId }, data: { finishedAt: new Date() } });
          event = { kind: "finished", status: "CANCELLED" };
        }
      }
      await tx.remediationPlan.update({ where: { id: planId }, data: { counts: { ...before, ...(baseline ? { baseline } : {}) } as Prisma.InputJsonValue, updatedAt: new Date() } });
      return { started: [], event, name: plan.name, counts: before };
    },
    { timeout: 30_000 },
  );

  if (started.length > 0) {
    // After commit: if Redis is unreachable now, the items stay RUNNING with a lease, and the reconciler enqueues them.
    try {
      await enqueueMany(remediateItemQueue, started.map((s) => ({ planId, itemId: s.id, dispatch: s.attempts })));
    } catch (err) {
      log().warn({ planId, items: started.length, err: (err as Error).message }, "items not enqueued; the reconciler will");
    }
  }
  if (event && counts) await announce(planId, name, event, counts.byStatus);
  return started.length;
}

const pending = new Map<string, { again: boolean; done: Promise<number> }>();

/**
 * Dispatches a plan, coalescing calls within this process: while a dispatch of the plan runs, further requests
 * make it run once more when it ends (so no finish goes unseen) instead of queueing one transaction each.
 */
export function requestDispatch(planId: string): Promise<number> {
  const running = pending.get(planId);
  if (running) {
    running.again = true;
    return running.done;
  }
  const entry = { again: false, done: Promise.resolve(0) };
  entry.done = (async () => {
    let started = 0;
    try {
      do {
        entry.again = false;
        started += await dispatchPlan(planId);
      } while (entry.again);
    } finally {
      pending.delete(planId);
    }
    return started;
  })();
  pending.set(planId, entry);
  return entry.done;
}

/** Marks the next items RUNNING (with a lease) within the global and per-vault limits, dependencies done, canary first. */
async function pickAndStart(tx: Db, planId: string, concurrency: number, perVault: number, canaryOnly: boolean): Promise<{ id: string; attempts: number }[]> {
  const lease = env().REMEDIATION_LEASE_SECONDS;
  return tx.$queryRaw<{ id: string; attempts: number }[]>`
    WITH running AS (
      SELECT vault_arm_id_key AS k, count(*) AS n FROM remediation_item WHERE plan_id = ${planId}::uuid AND status = 'RUNNING' GROUP BY vault_arm_id_key
    ), slots AS (
      SELECT ${concurrency}::int - (SELECT count(*) FROM remediation_item WHERE plan_id = ${planId}::uuid AND status = 'RUNNING')::int AS n
    ), ready AS (
      SELECT i.id, i.seq, i.vault_arm_id_key, row_number() OVER (PARTITION BY i.vault_arm_id_key ORDER BY i.seq) AS rn
      FROM remediation_item i
      WHERE i.plan_id = ${planId}::uuid AND i.status = 'PENDING' AND (NOT ${canaryOnly}::boolean OR i.canary)
        AND NOT EXISTS (
          SELECT 1 FROM remediation_item d
          WHERE d.plan_id = i.plan_id AND d.seq = ANY(i.depends_on) AND d.status NOT IN ('SUCCEEDED', 'NO_CHANGE', 'BACKUP_PENDING'))
    ), chosen AS (
      SELECT r.id FROM ready r LEFT JOIN running ON running.k = r.vault_arm_id_key
      WHERE r.vault_arm_id_key IS NULL OR r.rn <= ${perVault}::int - coalesce(running.n, 0)
      -- Round-robin over vaults (and so over subscriptions and their write budgets), in plan order within each.
      ORDER BY r.rn, r.seq LIMIT greatest((SELECT n FROM slots), 0)
    )
    UPDATE remediation_item i SET status = 'RUNNING', attempts = i.attempts + 1, lease_until = now() + make_interval(secs => ${lease}::int),
      started_at = coalesce(i.started_at, now())
    FROM chosen WHERE i.id = chosen.id
    RETURNING i.id::text AS id, i.attempts`;
}

async function announce(planId: string, planName: string, event: PlanEvent, counts: Record<string, number>): Promise<void> {
  log().info({ planId, event }, event.kind === "finished" ? "remediation run finished" : "remediation run paused");
  if (event.kind === "finished") await notify({ type: "run.finished", planId, planName, status: event.status, counts });
  else await notify({ type: "run.paused", planId, planName, reason: event.reason, pausedAt: event.pausedAt.toISOString(), counts });
}
