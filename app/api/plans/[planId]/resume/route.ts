// POST /api/plans/:planId/resume: an operator resumes a paused plan.
import { z } from "zod";
import { resumeRun } from "@/core/remediation/run-control";
import { route } from "../../../_lib/route";

const params = z.strictObject({ planId: z.uuid({ error: "planId must be a plan id (a UUID)" }) });

export const POST = route({ permission: "runs:control", params }, async ({ actor, params }) => Response.json(await resumeRun(actor, params.planId)));
