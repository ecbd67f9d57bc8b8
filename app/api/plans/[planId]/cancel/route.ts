// POST /api/plans/:planId/cancel: an operator cancels a plan (pending items cancelled, in-flight steps finish).
import { z } from "zod";
import { cancelRun } from "@/core/remediation/run-control";
import { route } from "../../../_lib/route";

const params = z.strictObject({ planId: z.uuid({ error: "planId must be a plan id (a UUID)" }) });

export const POST = route({ permission: "runs:control", params }, async ({ actor, params }) => Response.json(await cancelRun(actor, params.planId)));
