import { db } from "../db/client";
import { pollUntil } from "../poll-until";

export const evaluationFinished = (status: string) => status === "SUCCEEDED" || status === "FAILED";

/** Polls an evaluation run's row until it finishes or the timeout passes. */
export function waitForEvaluation(runId: string, options: { timeoutMs?: number; intervalMs?: number } = {}) {
  return pollUntil(`Evaluation ${runId}`, () => db().evaluationRun.findUnique({ where: { id: runId } }), (run) => evaluationFinished(run.status), options);
}
