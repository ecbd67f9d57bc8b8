// Queues "scan", "scan-part" and "scan-schedule": inventory of the configured Azure scope.
import { requestScan } from "@/core/inventory/request-scan";
import { runScan } from "@/core/inventory/run-scan";
import { runScanPart } from "@/core/inventory/run-scan-part";
import { scanPartQueue, scanQueue, scanScheduleQueue } from "@/core/queues";
import { runQueue } from "../run-queue";

const attemptOf = (job: { attemptsMade: number; opts: { attempts?: number } }) => ({ attempt: job.attemptsMade + 1, maxAttempts: job.opts.attempts ?? 1 });

export const startScanProcessor = () => runQueue(scanQueue, ({ scanId }, job) => runScan(scanId, attemptOf(job)));

export const startScanPartProcessor = () => runQueue(scanPartQueue, ({ scanId, partId }, job) => runScanPart(scanId, partId, attemptOf(job)));

export const startScanScheduleProcessor = () => runQueue(scanScheduleQueue, () => requestScan({ trigger: "schedule" }));
