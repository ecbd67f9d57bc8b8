// GET /api/servers?page=&pageSize=: the current fleet in the caller's subscriptions, a page at a time.
import { z } from "zod";
import { listServers } from "@/core/inventory/list-servers";
import { route } from "../_lib/route";

const query = z.strictObject({
  page: z.coerce.number().int().min(1).default(1),
  pageSize: z.coerce.number().int().min(1).max(1000).default(50),
});

export const GET = route({ permission: "fleet:read", query }, async ({ actor, query }) => Response.json(await listServers(actor, query)));
