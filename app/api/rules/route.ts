// GET /api/rules: every live rule in precedence order, with the caller's servers it governs per verdict state.
// POST /api/rules: an operator or admin creates a rule (400 names the field, 409 on a taken name or order).
import { createRule } from "@/core/rules/create-rule";
import { listRules } from "@/core/rules/list-rules";
import { protectionRuleSchema } from "@/core/rules/schemas";
import { route } from "../_lib/route";

export const GET = route({ permission: "fleet:read" }, async ({ actor }) => Response.json({ rules: await listRules(actor) }));

export const POST = route({ permission: "rules:write", body: protectionRuleSchema }, async ({ actor, body }) =>
  Response.json(await createRule(actor, body), { status: 201 }),
);
