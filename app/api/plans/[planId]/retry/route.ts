// POST /api/plans/:planId/retry: an operator retries the failed items of a run (finished steps are not repeated).
import { z } from "zod";
import { retryRun } from "@/core/remediation/run-control";
import { route } from "../../../_lib/route";

const params = z.strictObject({ planId: z.uuid({ error: "planId must be a plan id (a UUID)" }) });

export const POST = route({ permission: "runs:control", params }, async ({ actor, params }) => Response.json(await retryRun(actor, params.planId)));
