// Executes one remediation item (the remediate-item job): its steps in order, with a lease renewed while it
// works, its outcome recorded, then the dispatcher starts what may start next.
import { db, type Prisma } from "../db/client";
import { env } from "../config/env";
import { log } from "../log";
import { executeAction, type ExecuteContext } from "./execute-actions";
import { describeFailure, StepStoppedError } from "./execute-step";
import { planActionSchema, serverSituationSchema } from "./plan-types";
import { requestDispatch } from "./run-dispatch";

/**
 * The leases of the items this process executes, renewed together: one statement every quarter lease for all of
 * them (a statement per item would be hundreds of commits a second in a large run).
 */
class LeaseKeeper {
  private readonly held = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;

  hold(itemId: string, dispatch: number): void {
    this.held.set(itemId, dispatch);
    this.timer ??= setInterval(() => void this.renew().catch(() => {}), Math.max(500, (env().REMEDIATION_LEASE_SECONDS * 1000) / 4));
  }

  release(itemId: string): void {
    this.held.delete(itemId);
    if (this.held.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  private async renew(): Promise<void> {
    if (this.held.size === 0) return;
    const ids = [...this.held.keys()];
    const dispatches = ids.map((id) => this.held.get(id)!);
    await db().$executeRaw`
      UPDATE remediation_item i SET lease_until = now() + make_interval(secs => ${env().REMEDIATION_LEASE_SECONDS}::int)
      FROM unnest(${ids}::uuid[], ${dispatches}::int[]) AS h(id, dispatch)
      WHERE i.id = h.id AND i.attempts = h.dispatch AND i.status = 'RUNNING'`;
  }
}
const leases = new LeaseKeeper();

export interface ExecuteItemInput {
  planId: string;
  itemId: string;
  /** The dispatch this job belongs to; a job of an older dispatch (the item was retried since) does nothing. */
  dispatch: number;
}

/** Runs the item if it is still this job's to run; safe to call twice (a re-enqueued job finds the item finished). */
export async function executeItem({ planId, itemId, dispatch }: ExecuteItemInput): Promise<void> {
  const item = await db().remediationItem.findUnique({ where: { id: itemId } });
  if (!item || item.planId !== planId || item.status !== "RUNNING" || item.attempts !== dispatch) return;
  leases.hold(itemId, dispatch);

  let planStatus = "RUNNING";
  let checkedAt = 0;
  let owned = true;
  const shouldStop = async () => {
    if (Date.now() - checkedAt > 2_000) {
      const [row] = await db().$queryRaw<{ plan_status: string; attempts: number; status: string }[]>`
        SELECT p.status::text AS plan_status, i.attempts, i.status::text AS status
        FROM remediation_item i JOIN remediation_plan p ON p.id = i.plan_id WHERE i.id = ${itemId}::uuid`;
      planStatus = row?.plan_status ?? "CANCELLED";
      // Taken over by the reconciler (this worker looked dead) or finished elsewhere: stop without recording anything.
      owned = !!row && row.attempts === dispatch && row.status === "RUNNING";
      checkedAt = Date.now();
    }
    return planStatus !== "RUNNING" || !owned;
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
      const cancelled = planStatus === "CANCELLED";
      await db().remediationItem.updateMany({
        where: { id: itemId, status: "RUNNING", attempts: dispatch },
        data: cancelled ? { status: "CANCELLED", finishedAt: new Date(), leaseUntil: null } : { status: "PENDING", leaseUntil: null },
      });
    } else {
      await db().remediationItem.updateMany({
        where: { id: itemId, status: "RUNNING", attempts: dispatch },
        data: {
          status: outcome.status,
          finishedAt: new Date(),
          leaseUntil: null,
          errorCode: null,
          errorMessage: outcome.status === "STALE" ? (outcome.reason ?? null) : null,
          result: outcome.result as Prisma.InputJsonValue,
        },
      });
    }
  } catch (err) {
    if (isInfrastructureError(err)) throw err; // Postgres gone: BullMQ retries the job, the lease covers a crash
    const failure = describeFailure(err);
    log().warn({ planId, itemId, code: failure.code, err: failure.message }, "remediation item failed");
    await db().remediationItem.updateMany({
      where: { id: itemId, status: "RUNNING", attempts: dispatch },
      data: { status: "FAILED", finishedAt: new Date(), leaseUntil: null, errorCode: failure.code.slice(0, 200), errorMessage: failure.message.slice(0, 4000) },
    });
  } finally {
    leases.release(itemId);
  }
  await requestDispatch(planId);
}

function isInfrastructureError(err: unknown): boolean {
  const text = `${(err as { code?: string })?.code ?? ""} ${(err as Error)?.message ?? ""} ${(err as { name?: string })?.name ?? ""}`;
  return /PrismaClient|P1001|P1017|P2024|ECONNREFUSED.*5432|Connection terminated|Can't reach database/i.test(text);
}
