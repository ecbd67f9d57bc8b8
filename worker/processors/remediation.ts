// Queues "remediate-item" (one remediation item, its steps in order) and "remediation-reconcile" (rebuilds lost
// work of running plans from Postgres, every REMEDIATION_RECONCILE_SECONDS and at worker start).
import { env } from "@/core/config/env";
import { log } from "@/core/log";
import { producer, remediateItemQueue, remediationReconcileQueue } from "@/core/queues";
import { executeItem } from "@/core/remediation/execute-item";
import { releaseWorkerLock } from "@/core/remediation/worker-lock";
import { reconcileRuns } from "@/core/remediation/run-reconcile";
import { pruneRunHistory } from "@/core/remediation/run-history";
import { runQueue } from "../run-queue";

export const startRemediateItemProcessor = () => {
  const worker = runQueue(remediateItemQueue, (payload) => executeItem(payload));
  // Its items are left to their leases once it stops (a killed process loses the lock with its connection).
  worker.on("closed", () => void releaseWorkerLock());
  return worker;
};

const SCHEDULER_ID = "remediation-reconcile";

export const startRemediationReconcileProcessor = () => {
  const worker = runQueue(remediationReconcileQueue, async () => {
    const result = await reconcileRuns();
    await pruneRunHistory();
    return result;
  });
  const every = env().REMEDIATION_RECONCILE_SECONDS * 1000;
  const schedule = () =>
    producer(remediationReconcileQueue).upsertJobScheduler(SCHEDULER_ID, { every }, { name: remediationReconcileQueue.name, data: {}, opts: remediationReconcileQueue.jobOptions });
  // At start: whatever a killed worker lost is found now, not a period later.
  void (async () => {
    try {
      await schedule();
      await reconcileRuns();
    } catch (err) {
      log().error({ err: (err as Error).message }, "remediation reconcile at start failed");
    }
  })();
  // A Redis that restarted empty lost the scheduler too: keep it there (upserting is idempotent).
  const keepScheduled = setInterval(() => void schedule().catch(() => {}), Math.max(every, 5_000));
  worker.on("closing", () => clearInterval(keepScheduled));
  return worker;
};
