// GET /api/rules/:ruleId: a rule with every revision and what each changed. PUT: replace it, sending the
// revision edited (409 names who saved a newer one). DELETE [?revision=]: soft-delete it; its history stays.
import { z } from "zod";
import { deleteRule } from "@/core/rules/delete-rule";
import { getRule } from "@/core/rules/get-rule";
import { updateRule, updateRuleSchema } from "@/core/rules/update-rule";
import { route } from "../../_lib/route";

const params = z.strictObject({ ruleId: z.uuid({ error: "ruleId must be a rule id (a UUID)" }) });

export const GET = route({ permission: "fleet:read", params }, async ({ actor, params }) => Response.json(await getRule(actor, params.ruleId)));

export const PUT = route({ permission: "rules:write", params, body: updateRuleSchema }, async ({ actor, params, body }) =>
  Response.json(await updateRule(actor, params.ruleId, body)),
);

const deleteQuery = z.strictObject({ revision: z.coerce.number({ error: "revision must be a number" }).int().min(1).optional() });

export const DELETE = route({ permission: "rules:write", params, query: deleteQuery }, async ({ actor, params, query }) => {
  await deleteRule(actor, params.ruleId, query);
  return new Response(null, { status: 204 });
});
