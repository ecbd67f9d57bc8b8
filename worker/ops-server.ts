// The worker's operations endpoint on WORKER_METRICS_HOST:WORKER_METRICS_PORT: GET /metrics (Prometheus; needs
// "Authorization: Bearer <METRICS_TOKEN>" when that is set), /healthz (liveness: the process and its queue
// workers run) and /readyz (Postgres and Redis answer; Azure reported). Bound to loopback unless configured.
import http from "node:http";
import { timingSafeEqual } from "node:crypto";
import type { Worker } from "bullmq";
import { env } from "@/core/config/env";
import { checkReadiness } from "@/core/health/readiness";
import { log } from "@/core/log";
import { renderMetrics } from "@/core/metrics/registry";

const json = (res: http.ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store" });
  res.end(JSON.stringify(body));
};

function tokenOk(req: http.IncomingMessage): boolean {
  const token = env().METRICS_TOKEN;
  if (!token) return true;
  const given = Buffer.from((req.headers.authorization ?? "").replace(/^bearer\s+/i, ""));
  const want = Buffer.from(token);
  return given.length === want.length && timingSafeEqual(given, want);
}

/** Starts the server (port 0 in WORKER_METRICS_PORT: none); resolves with it, or null. */
export async function startOpsServer(workers: () => Worker[]): Promise<http.Server | null> {
  const port = env().WORKER_METRICS_PORT;
  if (port === 0) return null;
  const server = http.createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (req.method !== "GET") return json(res, 405, { error: "GET only" });
    const handle = async () => {
      if (path === "/healthz") {
        const stopped = workers().filter((w) => !w.isRunning()).map((w) => w.name);
        return json(res, stopped.length ? 503 : 200, { status: stopped.length ? "stopped" : "ok", service: "worker", queues: workers().map((w) => w.name), stopped, uptimeSeconds: Math.round(process.uptime()) });
      }
      if (path === "/readyz") {
        const readiness = await checkReadiness();
        return json(res, readiness.status === "ready" ? 200 : 503, { service: "worker", ...readiness });
      }
      if (path === "/metrics") {
        if (!tokenOk(req)) return json(res, 401, { error: "send Authorization: Bearer <METRICS_TOKEN>" });
        const { body, contentType } = await renderMetrics();
        res.writeHead(200, { "content-type": contentType });
        return res.end(body);
      }
      json(res, 404, { error: "not found: try /metrics, /healthz or /readyz" });
    };
    handle().catch((err: Error) => {
      log().error({ err: err.message, path }, "ops endpoint failed");
      if (!res.headersSent) json(res, 500, { error: "unexpected error" });
    });
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, env().WORKER_METRICS_HOST, () => resolve());
    });
  } catch (err) {
    // A second worker on the same machine finds the port taken: it still works, it is just not scraped.
    log().error({ err: (err as Error).message, port }, "worker metrics endpoint not started; set WORKER_METRICS_PORT to a free port (0: none)");
    return null;
  }
  return server;
}
