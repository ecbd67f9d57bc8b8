// GET /api/servers?q=&state=&rule=&subscription=&resourceGroup=&region=&tag=&version=&sort=&dir=&page=&pageSize=: the
// current fleet in the caller's subscriptions with each server's verdict, filtered, sorted and paged in the database.
import { listFleetServers } from "@/core/dashboard/list-fleet-servers";
import { serverQuerySchema } from "@/core/dashboard/server-query";
import { route } from "../_lib/route";

export const GET = route({ permission: "fleet:read", query: serverQuerySchema }, async ({ actor, query }) => Response.json(await listFleetServers(actor, query)));
