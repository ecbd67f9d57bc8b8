// The worker process: one BullMQ Worker per queue, closed gracefully on SIGTERM/SIGINT. Started by worker/launch.ts's arguments.
import { getHeapStatistics } from "node:v8";
import { ConfigError, env } from "@/core/config/env";
import { disconnectDb } from "@/core/db/client";
import { log } from "@/core/log";
import { closeProducers } from "@/core/queues";
import { checkServices } from "@/core/health/check-services";
import { scheduleScans } from "@/core/inventory/schedule-scans";
import { startScanPartProcessor, startScanProcessor, startScanScheduleProcessor } from "./processors/scan";
import { startEvaluateProcessor } from "./processors/evaluate";
import { startNotificationScheduleProcessor, startWebhookDeliveryProcessor } from "./processors/webhook-delivery";
import { scheduleNotifications } from "@/core/notifications/schedule-notifications";
import { metrics } from "@/core/metrics/registry";
import { startTracing, stopTracing } from "@/core/tracing/tracing";
import { startOpsServer } from "./ops-server";
import { startRemediateItemProcessor, startRemediationReconcileProcessor } from "./processors/remediation";

process.env.FLEXGUARD_SERVICE ??= "worker";

try {
  env();
  await checkServices();
} catch (err) {
  console.error(err instanceof ConfigError || err instanceof Error ? err.message : err);
  process.exit(1);
}

const processors = {
  scan: startScanProcessor,
  "scan-part": startScanPartProcessor,
  "scan-schedule": startScanScheduleProcessor,
  evaluate: startEvaluateProcessor,
  "webhook-delivery": startWebhookDeliveryProcessor,
  "notification-schedule": startNotificationScheduleProcessor,
  "remediate-item": startRemediateItemProcessor,
  "remediation-reconcile": startRemediationReconcileProcessor,
} as const;
metrics(); // registers the Azure call listener before the first call
if (env().OTEL_ENABLED) await startTracing({ endpoint: env().OTEL_EXPORTER_OTLP_ENDPOINT });
const served = env().WORKER_QUEUES?.length ? env().WORKER_QUEUES! : (Object.keys(processors) as (keyof typeof processors)[]);
const workers = served.map((name) => processors[name]());
const every = await scheduleScans();
await scheduleNotifications();
const opsServer = await startOpsServer(() => workers);
// V8's limit covers more than old space; far above the configured one means the worker was not started by worker/launch.ts.
const heapLimitMb = Math.round(getHeapStatistics().heap_size_limit / 2 ** 20);
log().info({ queues: workers.map((w) => w.name), prefix: env().QUEUE_PREFIX, scanEveryMinutes: every, heapLimitMb }, "worker started");
if (heapLimitMb > 2 * env().WORKER_HEAP_MB)
  log().warn({ heapLimitMb, WORKER_HEAP_MB: env().WORKER_HEAP_MB }, "the worker runs without its heap limit: start it with node --max-old-space-size=WORKER_HEAP_MB (see worker/launch.ts), or its heap grows to several times what it uses");
console.log(`worker ready: queues ${workers.map((w) => w.name).join(", ")}`);

let stopping = false;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, async () => {
    if (stopping) return;
    stopping = true;
    log().info({ signal }, "worker stopping: letting in-flight jobs finish");
    await Promise.all(workers.map((w) => w.close()));
    opsServer?.close();
    await stopTracing();
    await closeProducers();
    await disconnectDb();
    process.exit(0);
  });
}
