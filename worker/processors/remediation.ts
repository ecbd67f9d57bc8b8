// Queues "remediate-item" (one remediation item, its steps in order) and "remediation-reconcile" (rebuilds lost
// work of running plans from Postgres, every REMEDIATION_RECONCILE_SECONDS and at worker start).
import { env } from "@/core/config/env";
import { log } from "@/core/log";
import { producer, remediateItemQueue, remediationReconcileQueue } from "@/core/queues";
import { executeItem } from "@/core/remediation/execute-item";
import { reconcileRuns } from "@/core/remediation/run-reconcile";
import { pruneRunHistory } from "@/core/remediation/run-history";
import { runQueue } from "../run-queue";

export const startRemediateItemProcessor = () => runQueue(remediateItemQueue, (payload) => executeItem(payload));

const SCHEDULER_ID = "remediation-reconcile";

export const startRemediationReconcileProcessor = () => {
  const worker = runQueue(remediationReconcileQueue, async () => {
    const result = await reconcileRuns();
    await pruneRunHistory();
    return result;
  });
  // At start: whatever a killed worker or an emptied Redis lost is found now, not a period later.
  void (async () => {
    try {
      await producer(remediationReconcileQueue).upsertJobScheduler(
        SCHEDULER_ID,
        { every: env().REMEDIATION_RECONCILE_SECONDS * 1000 },
        { name: remediationReconcileQueue.name, data: {}, opts: remediationReconcileQueue.jobOptions },
      );
      await reconcileRuns();
    } catch (err) {
      log().error({ err: (err as Error).message }, "remediation reconcile at start failed");
    }
  })();
  return worker;
};
