// Prometheus metrics for the app and the worker (prom-client): process figures, Azure calls by API and status
// (429s counted apart), job durations, and gauges read at scrape time from Redis (queue depths) and Postgres
// (fleet compliance, remediation progress, scan and evaluation age).
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import { azureApiOf, onAzureCall, type AzureCall } from "../azure/call-log";
import { db } from "../db/client";
import { allQueues, producer } from "../queues";

interface Metrics {
  registry: Registry;
  azureRequests: Counter<"api" | "method" | "status">;
  azureThrottled: Counter<"api">;
  azureDuration: Histogram<"api">;
  jobDuration: Histogram<"queue" | "outcome">;
}

const cache = globalThis as typeof globalThis & { flexguardMetrics?: Metrics };

// Gauges that read Postgres are cached between scrapes: several scrapers must not multiply the load.
const DB_GAUGE_TTL_MS = 10_000;
let dbSnapshot: { at: number; value: Promise<DbFigures> } | undefined;

interface DbFigures {
  fleet: { state: string; count: number }[];
  items: { status: string; count: number }[];
  plans: { status: string; count: number }[];
  lastScan: Date | null;
  lastScanStatus: string | null;
  lastEvaluation: Date | null;
}

async function readDbFigures(): Promise<DbFigures> {
  const [fleet, items, plans, lastScan, lastEvaluation] = await Promise.all([
    db().$queryRaw<{ state: string; count: number }[]>`
      SELECT coalesce(v.state, 'not_evaluated') AS state, count(*)::int AS count
      FROM server s LEFT JOIN server_verdict v ON v.server_id = s.id WHERE s.deleted_at IS NULL GROUP BY 1`,
    db().$queryRaw<{ status: string; count: number }[]>`
      SELECT i.status::text AS status, count(*)::int AS count FROM remediation_item i JOIN remediation_plan p ON p.id = i.plan_id
      WHERE p.status IN ('RUNNING', 'PAUSED') GROUP BY 1`,
    db().$queryRaw<{ status: string; count: number }[]>`SELECT status::text AS status, count(*)::int AS count FROM remediation_plan GROUP BY 1`,
    db().scan.findFirst({ where: { finishedAt: { not: null } }, orderBy: { finishedAt: "desc" }, select: { finishedAt: true, status: true } }),
    db().evaluationRun.findFirst({ where: { status: "SUCCEEDED" }, orderBy: { finishedAt: "desc" }, select: { finishedAt: true } }),
  ]);
  return { fleet, items, plans, lastScan: lastScan?.finishedAt ?? null, lastScanStatus: lastScan?.status ?? null, lastEvaluation: lastEvaluation?.finishedAt ?? null };
}

function dbFigures(): Promise<DbFigures> {
  if (!dbSnapshot || Date.now() - dbSnapshot.at > DB_GAUGE_TTL_MS) {
    const value = readDbFigures();
    dbSnapshot = { at: Date.now(), value };
    value.catch(() => (dbSnapshot = undefined));
  }
  return dbSnapshot.value;
}

/** The process's metrics, created on first use (and the Azure call listener with them). */
export function metrics(): Metrics {
  if (cache.flexguardMetrics) return cache.flexguardMetrics;
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "flexguard_" });
  const scrapeErrors = new Counter({ name: "flexguard_metrics_collect_errors_total", help: "Scrape-time reads (Postgres, Redis) that failed; their gauges are left out of that scrape", labelNames: ["source"], registers: [registry] });

  const azureRequests = new Counter({ name: "flexguard_azure_requests_total", help: "HTTP calls to Azure (each retry counts), by API, method and status ('error' when no answer came)", labelNames: ["api", "method", "status"], registers: [registry] });
  const azureThrottled = new Counter({ name: "flexguard_azure_throttled_total", help: "Azure calls answered 429 Too Many Requests, by API", labelNames: ["api"], registers: [registry] });
  const azureDuration = new Histogram({ name: "flexguard_azure_request_duration_seconds", help: "Duration of Azure calls", labelNames: ["api"], buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30], registers: [registry] });
  const jobDuration = new Histogram({ name: "flexguard_job_duration_seconds", help: "Duration of queue jobs, by queue and outcome (completed, failed)", labelNames: ["queue", "outcome"], buckets: [0.01, 0.1, 0.5, 1, 5, 15, 60, 300, 1800], registers: [registry] });

  new Gauge({
    name: "flexguard_queue_jobs",
    help: "Jobs per queue and state (waiting, active, delayed, prioritized, failed)",
    labelNames: ["queue", "state"],
    registers: [registry],
    async collect() {
      this.reset();
      try {
        for (const q of allQueues) {
          const counts = await producer(q).getJobCounts("waiting", "active", "delayed", "prioritized", "failed");
          for (const [state, n] of Object.entries(counts)) this.set({ queue: q.name, state }, n);
        }
      } catch {
        scrapeErrors.inc({ source: "redis" });
      }
    },
  });

  const fromDb = (name: string, help: string, labelNames: string[], fill: (g: Gauge<string>, f: DbFigures) => void) =>
    new Gauge({
      name,
      help,
      labelNames,
      registers: [registry],
      async collect() {
        this.reset();
        try {
          fill(this, await dbFigures());
        } catch {
          if (name === "flexguard_fleet_servers") scrapeErrors.inc({ source: "postgres" });
        }
      },
    });
  fromDb("flexguard_fleet_servers", "Servers per verdict state (not_evaluated: no verdict yet)", ["state"], (g, f) => f.fleet.forEach((r) => g.set({ state: r.state }, r.count)));
  fromDb("flexguard_remediation_items", "Items of running or paused remediation plans, per status", ["status"], (g, f) => f.items.forEach((r) => g.set({ status: r.status }, r.count)));
  fromDb("flexguard_remediation_plans", "Remediation plans per status", ["status"], (g, f) => f.plans.forEach((r) => g.set({ status: r.status }, r.count)));
  fromDb("flexguard_last_scan_age_seconds", "Seconds since the last scan finished (any outcome; see flexguard_last_scan_succeeded)", [], (g, f) => {
    if (f.lastScan) g.set((Date.now() - f.lastScan.getTime()) / 1000);
  });
  fromDb("flexguard_last_scan_succeeded", "1 when the last finished scan succeeded, 0 when it was partial or failed", [], (g, f) => {
    if (f.lastScanStatus) g.set(f.lastScanStatus === "SUCCEEDED" ? 1 : 0);
  });
  fromDb("flexguard_last_evaluation_age_seconds", "Seconds since the last successful evaluation finished", [], (g, f) => {
    if (f.lastEvaluation) g.set((Date.now() - f.lastEvaluation.getTime()) / 1000);
  });

  const m: Metrics = { registry, azureRequests, azureThrottled, azureDuration, jobDuration };
  onAzureCall((call: AzureCall) => {
    const api = azureApiOf(call.path);
    m.azureRequests.inc({ api, method: call.method, status: call.status === null ? "error" : String(call.status) });
    if (call.status === 429) m.azureThrottled.inc({ api });
    m.azureDuration.observe({ api }, call.durationMs / 1000);
  });
  return (cache.flexguardMetrics = m);
}

/** The Prometheus text exposition of every metric. */
export async function renderMetrics(): Promise<{ body: string; contentType: string }> {
  const { registry } = metrics();
  return { body: await registry.metrics(), contentType: registry.contentType };
}
