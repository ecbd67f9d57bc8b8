// Executes one remediation item (the remediate-item job): its steps in order, with a lease renewed while it
// works, its outcome recorded, then the dispatcher starts what may start next.
import { db } from "../db/client";
import { env } from "../config/env";
import { log } from "../log";
import { executeAction, type ExecuteContext } from "./execute-actions";
import { describeFailure, StepStoppedError } from "./execute-step";
import { planActionSchema, serverSituationSchema } from "./plan-types";
import { requestDispatch } from "./run-dispatch";
import { claimItem, endItem, JournalError } from "./step-journal";
import { workerOwner } from "./worker-lock";

/**
 * The leases of the items this process executes, renewed together: one statement every quarter lease for all of
 * them (a statement per item would be hundreds of commits a second in a large run).
 */
class LeaseKeeper {
  private readonly held = new Map<string, number>();
  /** Items the last renewal did not find RUNNING under this dispatch: taken over by the reconciler, or ended. */
  private readonly lost = new Set<string>();
  private timer: NodeJS.Timeout | undefined;

  hold(itemId: string, dispatch: number): void {
    this.held.set(itemId, dispatch);
    this.lost.delete(itemId);
    this.timer ??= setInterval(() => void this.renew().catch(() => {}), Math.max(500, (env().REMEDIATION_LEASE_SECONDS * 1000) / 4));
  }

  /** Whether this process still owns the item (as of the last renewal). */
  owns(itemId: string): boolean {
    return this.held.has(itemId) && !this.lost.has(itemId);
  }

  release(itemId: string): void {
    this.held.delete(itemId);
    this.lost.delete(itemId);
    if (this.held.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  private async renew(): Promise<void> {
    if (this.held.size === 0) return;
    const ids = [...this.held.keys()];
    const dispatches = ids.map((id) => this.held.get(id)!);
    const renewed = await db().$queryRaw<{ id: string }[]>`
      UPDATE remediation_item i SET lease_until = now() + make_interval(secs => ${env().REMEDIATION_LEASE_SECONDS}::int)
      FROM unnest(${ids}::uuid[], ${dispatches}::int[]) AS h(id, dispatch)
      WHERE i.id = h.id AND i.attempts = h.dispatch AND i.status = 'RUNNING'
      RETURNING i.id::text AS id`;
    const kept = new Set(renewed.map((r) => r.id));
    for (const id of ids) if (!kept.has(id) && this.held.has(id)) this.lost.add(id);
  }
}
const leases = new LeaseKeeper();

/** Plan statuses read at most once a second per process, however many of its items ask. */
const planStatuses = new Map<string, { status: string; at: number; pending?: Promise<string> }>();
async function planStatus(planId: string): Promise<string> {
  const cached = planStatuses.get(planId);
  if (cached && Date.now() - cached.at < 1_000) return cached.status;
  if (cached?.pending) return cached.pending;
  const pending = db()
    .remediationPlan.findUnique({ where: { id: planId }, select: { status: true } })
    .then((p) => {
      const status = p?.status ?? "CANCELLED";
      planStatuses.set(planId, { status, at: Date.now() });
      return status;
    })
    .catch((err: unknown) => {
      planStatuses.delete(planId);
      throw err;
    });
  planStatuses.set(planId, { status: cached?.status ?? "RUNNING", at: cached?.at ?? 0, pending });
  return pending;
}

export interface ExecuteItemInput {
  planId: string;
  itemId: string;
  /** The dispatch this job belongs to; a job of an older dispatch (the item was retried since) does nothing. */
  dispatch: number;
}

/** Runs the item if it is still this job's to run; safe to call twice (a re-enqueued job finds the item finished). */
export async function executeItem({ planId, itemId, dispatch }: ExecuteItemInput): Promise<void> {
  const item = await claimItem({ itemId, dispatch, owner: (await workerOwner()) ?? null });
  if (!item || item.planId !== planId || item.status !== "RUNNING" || item.attempts !== dispatch) return;
  leases.hold(itemId, dispatch);

  let lastPlanStatus = "RUNNING";
  // Paused or cancelled; or taken over by the reconciler (this worker looked dead): stop without recording anything.
  const shouldStop = async () => {
    lastPlanStatus = await planStatus(planId);
    return lastPlanStatus !== "RUNNING" || !leases.owns(itemId);
  };

  try {
    const action = planActionSchema.parse(item.action);
    const before = serverSituationSchema.safeParse(item.before);
    const dependencyResults = new Map<number, Record<string, unknown>>();
    if (item.dependsOn.length > 0) {
      const deps = await db().remediationItem.findMany({ where: { planId, seq: { in: item.dependsOn } }, select: { seq: true, result: true } });
      for (const d of deps) dependencyResults.set(d.seq, d.result as Record<string, unknown>);
    }
    const ctx: ExecuteContext = { item: { id: itemId, planId }, before: before.success ? before.data : null, dependencyResults, shouldStop };
    let outcome;
    try {
      outcome = await executeAction(action, ctx);
    } catch (err) {
      if (!(err instanceof StepStoppedError)) throw err;
      outcome = { status: "STOPPED" as const };
    }
    if (outcome.status === "STOPPED") {
      // Paused: back to PENDING, to continue from its recorded steps on resume. Cancelled: ends here.
      const cancelled = lastPlanStatus === "CANCELLED";
      await db().remediationItem.updateMany({
        where: { id: itemId, status: "RUNNING", attempts: dispatch },
        data: cancelled ? { status: "CANCELLED", finishedAt: new Date(), leaseUntil: null } : { status: "PENDING", leaseUntil: null },
      });
    } else {
      // Written with the other items ending now (step-journal.ts): this runs once per item of runs with thousands.
      await endItem({ itemId, dispatch, status: outcome.status, errorCode: null, errorMessage: outcome.status === "STALE" ? (outcome.reason ?? null) : null, result: outcome.result });
    }
  } catch (err) {
    if (isInfrastructureError(err)) throw err; // Postgres gone: BullMQ retries the job, the lease covers a crash
    const failure = describeFailure(err);
    log().warn({ planId, itemId, code: failure.code, err: failure.message }, "remediation item failed");
    await endItem({ itemId, dispatch, status: "FAILED", errorCode: failure.code.slice(0, 200), errorMessage: failure.message.slice(0, 4000) });
  } finally {
    leases.release(itemId);
  }
  await requestDispatch(planId);
}

function isInfrastructureError(err: unknown): boolean {
  if (err instanceof JournalError) return true;
  const text = `${(err as { code?: string })?.code ?? ""} ${(err as Error)?.message ?? ""} ${(err as { name?: string })?.name ?? ""}`;
  return /PrismaClient|P1001|P1017|P2024|ECONNREFUSED.*5432|Connection terminated|Can't reach database/i.test(text);
}
