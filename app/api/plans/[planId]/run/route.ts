// POST /api/plans/:planId/run: an operator starts an approved plan (approval current and matching its content).
import { z } from "zod";
import { startRun } from "@/core/remediation/run-control";
import { route } from "../../../_lib/route";

const params = z.strictObject({ planId: z.uuid({ error: "planId must be a plan id (a UUID)" }) });

export const POST = route({ permission: "runs:control", params }, async ({ actor, params }) => Response.json(await startRun(actor, params.planId)));
