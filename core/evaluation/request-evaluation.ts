import { db } from "../db/client";
import { enqueue, evaluateQueue } from "../queues";

export interface RequestedEvaluation {
  runId: string;
  /** false when a run was already queued and this request joined it. */
  created: boolean;
}

/**
 * Asks for a bulk evaluation. Requests that arrive while one is queued join it (rule edits in quick
 * succession make one run); a request during a running evaluation queues the next, so no change is missed.
 */
export async function requestEvaluation(trigger: string, { delayMs = 0 } = {}): Promise<RequestedEvaluation> {
  const result = await db().$transaction(async (tx) => {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext('flexguard:request-evaluation'))`;
    const queued = await tx.evaluationRun.findFirst({ where: { status: "QUEUED" }, orderBy: { queuedAt: "asc" } });
    if (queued) return { runId: queued.id, created: false };
    return { runId: (await tx.evaluationRun.create({ data: { trigger } })).id, created: true };
  });
  // The delay lets a burst of edits settle into one run; joining requests re-add the same job id, a no-op.
  await enqueue(evaluateQueue, { runId: result.runId }, result.created && delayMs > 0 ? { delay: delayMs } : {});
  return result;
}
