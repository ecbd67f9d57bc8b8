// POST /api/plans/:planId/approve: an approver (not one of the plan's authors) approves a plan awaiting approval, with a comment,
// naming the content hash they reviewed (409 when the plan has changed since).
import { z } from "zod";
import { decidePlan } from "@/core/remediation/decide-plan";
import { decidePlanInputSchema } from "@/core/remediation/schemas";
import { route } from "../../../_lib/route";

const params = z.strictObject({ planId: z.uuid({ error: "planId must be a plan id (a UUID)" }) });

export const POST = route({ permission: "plans:approve", params, body: decidePlanInputSchema }, async ({ actor, params, body }) =>
  Response.json(await decidePlan(actor, params.planId, "approve", body)),
);
