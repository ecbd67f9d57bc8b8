// GET /api/servers/:serverId: one server with its verdict, backup instances, vault identities' roles and timeline;
// 404 when it does not exist or lies outside the caller's subscriptions.
import { z } from "zod";
import { getServerDetail } from "@/core/dashboard/get-server-detail";
import { route } from "../../_lib/route";

const params = z.strictObject({ serverId: z.uuid({ error: "must be a server id" }) });

export const GET = route({ permission: "fleet:read", params }, async ({ actor, params }) => Response.json(await getServerDetail(actor, params.serverId)));
