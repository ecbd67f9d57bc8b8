// The dispatcher: decides, from Postgres alone, which items of a running plan start next, and ends or pauses the
// run. It runs after every item finishes, on start, resume and retry, and in the reconciler; the plan row lock
// serializes it, so two workers never start the same item or exceed the plan's concurrency.
import { setTimeout as sleep } from "node:timers/promises";
import type pg from "pg";
import { pgPool, type Db } from "../db/client";
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

interface DispatchOutcome {
  started: { id: string; attempts: number }[];
  event: PlanEvent | undefined;
  name: string;
  counts: { total: number; byStatus: Record<string, number> } | undefined;
}

/**
 * Starts what may start now and returns how many items it enqueued. Also: fails items whose dependency failed,
 * keeps the plan's counts current, pauses on a failed canary or the failure threshold, and ends the run.
 * One transaction on one pooled connection (node-postgres: this runs many times a second in a large run).
 */
export async function dispatchPlan(planId: string): Promise<number> {
  const client = await pgPool().connect();
  let outcome: DispatchOutcome;
  try {
    // Its queries read a few thousand rows: a parallel worker costs more to start than it saves.
    await client.query("BEGIN; SET LOCAL max_parallel_workers_per_gather = 0");
    outcome = await dispatchIn(client, planId);
    await client.query("COMMIT");
  } catch (err) {
    await client.query("ROLLBACK").catch(() => {});
    client.release(true); // a connection that failed mid-transaction is not reused
    throw err;
  }
  client.release();
  const { started, event, name, counts } = outcome;

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

async function dispatchIn(client: pg.PoolClient, planId: string): Promise<DispatchOutcome> {
  const {
    rows: [plan],
  } = await client.query<{ status: string; options: unknown; counts: RunCounts | null; name: string }>({
    name: "remediation-dispatch-plan",
    text: `SELECT status::text AS status, options, counts, name FROM remediation_plan WHERE id = $1::uuid FOR UPDATE`,
    values: [planId],
  });
  if (!plan) return { started: [], event: undefined, name: "", counts: undefined };
  const options = planOptionsSchema.parse(plan.options ?? {});
  let event: PlanEvent | undefined;

  if (plan.status === "RUNNING") {
    // An item whose dependency ended without success cannot run: it fails, naming the dependency.
    for (let changed = 1; changed > 0; ) {
      const r = await client.query({
        name: "remediation-dispatch-dependency-failed",
        text: `UPDATE remediation_item i SET status = 'FAILED', finished_at = now(), error_code = 'DEPENDENCY_FAILED',
            error_message = 'Item ' || d.seq || ' (' || d.kind || ') it depends on ended ' || d.status::text
          FROM remediation_item d
          WHERE i.plan_id = $1::uuid AND i.status = 'PENDING' AND cardinality(i.depends_on) > 0 AND d.plan_id = i.plan_id AND d.seq = ANY(i.depends_on)
            AND d.status IN ('FAILED', 'STALE', 'CANCELLED', 'NEEDS_ACTION')`,
        values: [planId],
      });
      changed = r.rowCount ?? 0;
    }
  }
  // Items per status, and the canary's open and failed items, in one pass.
  const { rows } = await client.query<{ status: string; canary: boolean; n: number }>({
    name: "remediation-dispatch-counts",
    text: `SELECT status::text AS status, canary, count(*)::int AS n FROM remediation_item WHERE plan_id = $1::uuid GROUP BY status, canary`,
    values: [planId],
  });
  const before = emptyCounts();
  let canaryOpen = 0;
  let canaryBad = 0;
  for (const r of rows) {
    before.byStatus[r.status] = (before.byStatus[r.status] ?? 0) + r.n;
    before.total += r.n;
    if (r.canary && (r.status === "PENDING" || r.status === "RUNNING")) canaryOpen += r.n;
    if (r.canary && (r.status === "FAILED" || r.status === "STALE")) canaryBad += r.n;
  }
  const baseline = plan.counts?.baseline;
  const withBaseline = (c: { total: number; byStatus: Record<string, number> }) => JSON.stringify({ ...c, ...(baseline ? { baseline } : {}) });
  const update = (counts: string, change: { status?: string; pausedAt?: Date; pauseReason?: string; finishedAt?: Date } = {}) =>
    client.query({
      name: "remediation-dispatch-update-plan",
      text: `UPDATE remediation_plan SET counts = $2::jsonb, updated_at = (now() AT TIME ZONE 'UTC'), status = coalesce($3::plan_status, status),
          paused_at = coalesce(($4::timestamptz AT TIME ZONE 'UTC'), paused_at), pause_reason = coalesce($5::text, pause_reason),
          finished_at = coalesce(($6::timestamptz AT TIME ZONE 'UTC'), finished_at)
        WHERE id = $1::uuid`,
      values: [planId, counts, change.status ?? null, change.pausedAt?.toISOString() ?? null, change.pauseReason ?? null, change.finishedAt?.toISOString() ?? null],
    });

  if (plan.status === "RUNNING") {
    // Canary: its items run alone; once all ended, any of them failed pauses the run before the rest start.
    const failed = (before.byStatus.FAILED ?? 0) - (baseline?.failed ?? 0);
    const finished = finishedOf(before.byStatus) - (baseline?.finished ?? 0);
    let pauseReason: string | undefined;
    // Once a person resumed the run (baseline set), they have seen the canary's failures: the rest may go.
    if (canaryOpen === 0 && canaryBad > 0 && !baseline) pauseReason = `canary failed: ${canaryBad} canary item(s) failed or were stale`;
    else if (finished >= options.failureMinItems && failed > 0 && (failed * 100) / finished >= options.failureThresholdPercent)
      pauseReason = `failure threshold reached: ${failed} of ${finished} items failed`;
    if (pauseReason) {
      const pausedAt = new Date();
      await update(withBaseline(before), { status: "PAUSED", pausedAt, pauseReason });
      event = { kind: "paused", reason: pauseReason, pausedAt };
    } else {
      const open = (before.byStatus.PENDING ?? 0) + (before.byStatus.RUNNING ?? 0);
      if (open === 0) {
        const final = (before.byStatus.FAILED ?? 0) > 0 ? "FAILED" : "SUCCEEDED";
        await update(withBaseline(before), { status: final, finishedAt: new Date() });
        event = { kind: "finished", status: final };
      } else {
        const started = await pickAndStart(client, planId, options.concurrency, options.perVaultConcurrency, canaryOpen > 0);
        // What a count now would show: the started items moved from PENDING to RUNNING.
        const counts = { total: before.total, byStatus: { ...before.byStatus } };
        counts.byStatus.PENDING = (counts.byStatus.PENDING ?? 0) - started.length;
        counts.byStatus.RUNNING = (counts.byStatus.RUNNING ?? 0) + started.length;
        await update(withBaseline(counts));
        return { started, event, name: plan.name, counts };
      }
    }
  } else if (plan.status === "CANCELLED" && (before.byStatus.RUNNING ?? 0) === 0) {
    const {
      rows: [done],
    } = await client.query<{ finished: boolean }>(`SELECT finished_at IS NOT NULL AS finished FROM remediation_plan WHERE id = $1::uuid`, [planId]);
    if (!done?.finished) {
      await update(withBaseline(before), { finishedAt: new Date() });
      return { started: [], event: { kind: "finished", status: "CANCELLED" }, name: plan.name, counts: before };
    }
  }
  if (!event) await update(withBaseline(before));
  return { started: [], event, name: plan.name, counts: before };
}

/** Every status at zero. */
function emptyCounts(): { total: number; byStatus: Record<string, number> } {
  return { total: 0, byStatus: Object.fromEntries(["PENDING", "RUNNING", ...TERMINAL_STATUSES].map((s) => [s, 0])) };
}

/** Per plan: whether this process is dispatching it, and who waits for the next dispatch. */
const queued = new Map<string, { waiters: { resolve: (started: number) => void; reject: (err: unknown) => void }[] }>();
/** When each plan's last dispatch in this process started. */
const lastDispatch = new Map<string, number>();

/**
 * Least time between two dispatches of a plan that this process runs on request. Items end by the hundred a second
 * in a large run; each dispatch counts the plan's items, so they are started in groups instead of one by one.
 */
export const DISPATCH_INTERVAL_MS = 100;

/**
 * Dispatches a plan soon, coalescing requests within this process: requests that arrive while a dispatch runs are
 * all answered by the next one (which starts at least DISPATCH_INTERVAL_MS after the previous), so no finish goes
 * unseen and a caller waits for at most two dispatches, however many items keep ending.
 */
export function requestDispatch(planId: string): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const entry = queued.get(planId);
    if (entry) {
      entry.waiters.push({ resolve, reject });
      return;
    }
    const created = { waiters: [{ resolve, reject }] };
    queued.set(planId, created);
    void (async () => {
      while (created.waiters.length > 0) {
        const waiters = created.waiters;
        created.waiters = [];
        const wait = (lastDispatch.get(planId) ?? 0) + DISPATCH_INTERVAL_MS - Date.now();
        if (wait > 0) await sleep(wait);
        // Requests made during the wait are answered by this dispatch too.
        waiters.push(...created.waiters);
        created.waiters = [];
        lastDispatch.set(planId, Date.now());
        try {
          const started = await dispatchPlan(planId);
          for (const w of waiters) w.resolve(started);
        } catch (err) {
          for (const w of waiters) w.reject(err);
        }
      }
      queued.delete(planId);
    })();
  });
}

/** Marks the next items RUNNING (with a lease) within the global and per-vault limits, dependencies done, canary first. */
async function pickAndStart(client: pg.PoolClient, planId: string, concurrency: number, perVault: number, canaryOnly: boolean): Promise<{ id: string; attempts: number }[]> {
  const lease = env().REMEDIATION_LEASE_SECONDS;
  const { rows } = await client.query<{ id: string; attempts: number }>({
    name: "remediation-dispatch-pick",
    text: `
    WITH running AS (
      SELECT vault_arm_id_key AS k, count(*) AS n FROM remediation_item WHERE plan_id = $1::uuid AND status = 'RUNNING' GROUP BY vault_arm_id_key
    ), slots AS (
      SELECT $2::int - (SELECT count(*) FROM remediation_item WHERE plan_id = $1::uuid AND status = 'RUNNING')::int AS n
    ), ready AS (
      SELECT i.id, i.seq, i.vault_arm_id_key, row_number() OVER (PARTITION BY i.vault_arm_id_key ORDER BY i.seq) AS rn
      FROM remediation_item i
      WHERE i.plan_id = $1::uuid AND i.status = 'PENDING' AND (NOT $4::boolean OR i.canary)
        AND (cardinality(i.depends_on) = 0 OR NOT EXISTS (
          SELECT 1 FROM remediation_item d
          WHERE d.plan_id = i.plan_id AND d.seq = ANY(i.depends_on) AND d.status NOT IN ('SUCCEEDED', 'NO_CHANGE', 'BACKUP_PENDING')))
    ), chosen AS (
      SELECT r.id FROM ready r LEFT JOIN running ON running.k = r.vault_arm_id_key
      WHERE r.vault_arm_id_key IS NULL OR r.rn <= $3::int - coalesce(running.n, 0)
      -- Round-robin over vaults (and so over subscriptions and their write budgets), in plan order within each.
      ORDER BY r.rn, r.seq LIMIT greatest((SELECT n FROM slots), 0)
    )
    UPDATE remediation_item i SET status = 'RUNNING', attempts = i.attempts + 1, lease_until = now() + make_interval(secs => $5::int), lease_owner = NULL,
      started_at = coalesce(i.started_at, now())
    FROM chosen WHERE i.id = chosen.id
    RETURNING i.id::text AS id, i.attempts`,
    values: [planId, concurrency, perVault, canaryOnly, lease],
  });
  return rows;
}

async function announce(planId: string, planName: string, event: PlanEvent, counts: Record<string, number>): Promise<void> {
  log().info({ planId, event }, event.kind === "finished" ? "remediation run finished" : "remediation run paused");
  if (event.kind === "finished") await notify({ type: "run.finished", planId, planName, status: event.status, counts });
  else await notify({ type: "run.paused", planId, planName, reason: event.reason, pausedAt: event.pausedAt.toISOString(), counts });
}
