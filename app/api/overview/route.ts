// GET /api/overview?days=: what the dashboard's overview shows, in the caller's subscriptions: the figures of
// GET /api/status, servers per state by subscription, region and rule, the daily trend, the servers that became
// non-compliant most recently, and the last scan and evaluation.
import { z } from "zod";
import { getOverview } from "@/core/dashboard/get-overview";
import { route } from "../_lib/route";

const query = z.strictObject({ days: z.coerce.number().int().min(1).max(366).default(30) });

export const GET = route({ permission: "fleet:read", query }, async ({ actor, query }) => Response.json(await getOverview(actor, { trendDays: query.days })));
