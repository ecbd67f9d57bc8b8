// GET /api/metrics: Prometheus metrics. With METRICS_TOKEN set, "Authorization: Bearer <METRICS_TOKEN>" is enough;
// otherwise (or also) any signed-in user or API token allowed to read the whole fleet: the figures cover every
// subscription, so subscription-limited callers are refused.
import { timingSafeEqual } from "node:crypto";
import { env } from "@/core/config/env";
import { AppError } from "@/core/errors";
import { renderMetrics } from "@/core/metrics/registry";
import { route } from "../_lib/route";

export const dynamic = "force-dynamic";

const serve = async () => {
  const { body, contentType } = await renderMetrics();
  return new Response(body, { headers: { "content-type": contentType, "cache-control": "no-store" } });
};

function hasMetricsToken(req: Request): boolean {
  const token = env().METRICS_TOKEN;
  const given = req.headers.get("authorization")?.replace(/^bearer\s+/i, "");
  if (!token || !given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

const forUsers = route({ permission: "fleet:read" }, async ({ actor }) => {
  if (actor.subscriptions) throw new AppError("FORBIDDEN", "Metrics cover the whole fleet; your access is limited to some subscriptions");
  return serve();
});

export const GET = async (req: Request, ctx: { params: Promise<unknown> }): Promise<Response> => (hasMetricsToken(req) ? serve() : forUsers(req, ctx));
