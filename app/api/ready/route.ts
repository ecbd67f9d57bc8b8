// GET /api/ready: readiness, for anyone (load balancers, docker-compose): 200 when Postgres and Redis answer, else
// 503; Azure's reachability is reported but does not decide. Each check says what is wrong and how to fix it.
// Not wrapped by route(): probes carry no credentials.
import { checkReadiness } from "@/core/health/readiness";

export const dynamic = "force-dynamic";

export const GET = async (): Promise<Response> => {
  const readiness = await checkReadiness();
  return Response.json({ service: "web", ...readiness }, { status: readiness.status === "ready" ? 200 : 503, headers: { "cache-control": "no-store" } });
};
