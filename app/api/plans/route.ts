// GET /api/plans?status=&page=&pageSize=: remediation plans the caller sees, newest first, with counts per status.
// POST /api/plans: an operator drafts a plan from the current verdicts (all non-compliant, a filter or server ids).
import { draftPlan } from "@/core/remediation/draft-plan";
import { listPlans } from "@/core/remediation/list-plans";
import { draftPlanInputSchema, listPlansQuerySchema } from "@/core/remediation/schemas";
import { route } from "../_lib/route";

// The query is validated here and parsed again in core, which takes it as the URL carries it.
export const GET = route({ permission: "fleet:read", query: listPlansQuerySchema }, async ({ actor, req }) =>
  Response.json(await listPlans(actor, Object.fromEntries(new URL(req.url).searchParams))),
);

export const POST = route({ permission: "plans:draft", body: draftPlanInputSchema }, async ({ actor, body }) =>
  Response.json(await draftPlan(actor, body), { status: 201 }),
);
