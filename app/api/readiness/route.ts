// GET /api/readiness?servers=: the caller's servers whose vault identity lacks roles, by subscription and resource
// group, with the roles, who can assign them, and up to `servers` (default 25) servers per group.
import { z } from "zod";
import { getReadiness } from "@/core/dashboard/get-readiness";
import { route } from "../_lib/route";

const query = z.strictObject({ servers: z.coerce.number({ error: "servers must be a number" }).int().min(0).max(1000).default(25) });

export const GET = route({ permission: "fleet:read", query }, async ({ actor, query }) => Response.json(await getReadiness(actor, { serverLimit: query.servers })));
