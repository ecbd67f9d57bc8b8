// POST /api/plans/:planId/pause: an operator pauses a running plan (in-flight steps finish, nothing new starts).
import { z } from "zod";
import { pauseRun } from "@/core/remediation/run-control";
import { route } from "../../../_lib/route";

const params = z.strictObject({ planId: z.uuid({ error: "planId must be a plan id (a UUID)" }) });
const body = z.strictObject({ reason: z.string().max(500, "reason must be at most 500 characters").optional() }).optional();

export const POST = route({ permission: "runs:control", params, body }, async ({ actor, params, body }) => Response.json(await pauseRun(actor, params.planId, body?.reason)));
