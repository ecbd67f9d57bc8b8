// GET /api/health: liveness, for anyone (load balancers, docker-compose): the process answers. It checks nothing
// else on purpose: a database outage must not make an orchestrator restart a healthy web process (see /api/ready).
// Not wrapped by route(): probes carry no credentials.
import { FLEXGUARD_VERSION } from "@/core/version";

export const dynamic = "force-dynamic";

export const GET = (): Response =>
  Response.json({ status: "ok", service: "web", version: FLEXGUARD_VERSION, uptimeSeconds: Math.round(process.uptime()) }, { headers: { "cache-control": "no-store" } });
