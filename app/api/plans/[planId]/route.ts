// GET /api/plans/:planId?page=&pageSize=&kind=&status=: the plan, its counts, estimate and one page of items with diffs.
// PATCH /api/plans/:planId: an operator renames it, removes items or changes options (voids any approval).
// DELETE /api/plans/:planId: an operator deletes a draft or rejected plan.
import { z } from "zod";
import { deletePlan } from "@/core/remediation/delete-plan";
import { editPlan } from "@/core/remediation/edit-plan";
import { getPlan } from "@/core/remediation/get-plan";
import { editPlanInputSchema, getPlanQuerySchema } from "@/core/remediation/schemas";
import { route } from "../../_lib/route";

const params = z.strictObject({ planId: z.uuid({ error: "planId must be a plan id (a UUID)" }) });

export const GET = route({ permission: "fleet:read", params, query: getPlanQuerySchema }, async ({ actor, params, query }) =>
  Response.json(await getPlan(actor, params.planId, query)),
);

export const PATCH = route({ permission: "plans:draft", params, body: editPlanInputSchema }, async ({ actor, params, body }) =>
  Response.json(await editPlan(actor, params.planId, body)),
);

export const DELETE = route({ permission: "plans:draft", params }, async ({ actor, params }) => {
  await deletePlan(actor, params.planId);
  return new Response(null, { status: 204 });
});
