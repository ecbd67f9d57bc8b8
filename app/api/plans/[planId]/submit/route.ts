// POST /api/plans/:planId/submit: an operator asks for approval of a draft (optionally only if it still has contentHash).
import { z } from "zod";
import { submitPlan } from "@/core/remediation/submit-plan";
import { submitPlanInputSchema } from "@/core/remediation/schemas";
import { route } from "../../../_lib/route";

const params = z.strictObject({ planId: z.uuid({ error: "planId must be a plan id (a UUID)" }) });

export const POST = route({ permission: "plans:draft", params, body: submitPlanInputSchema }, async ({ actor, params, body }) =>
  Response.json(await submitPlan(actor, params.planId, body)),
);
