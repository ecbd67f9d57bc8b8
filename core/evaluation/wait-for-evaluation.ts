import { db } from "../db/client";

/** Polls an evaluation run's row until it finishes or the timeout passes. */
export async function waitForEvaluation(runId: string, { timeoutMs = 10 * 60_000, intervalMs = 250 } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const run = await db().evaluationRun.findUnique({ where: { id: runId } });
    if (!run) throw new Error(`Evaluation run ${runId} does not exist`);
    if (run.status === "SUCCEEDED" || run.status === "FAILED") return run;
    if (Date.now() > deadline) throw new Error(`Evaluation ${runId} did not finish within ${Math.round(timeoutMs / 1000)} s (status ${run.status})`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
