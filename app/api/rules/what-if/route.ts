// POST /api/rules/what-if: how the caller's servers would change state if the rule in the body were saved
// (in place of ruleId, or as a new rule): counts per transition and a sample. Nothing is written.
import { whatIf, whatIfSchema } from "@/core/rules/what-if";
import { route } from "../../_lib/route";

export const POST = route({ permission: "fleet:read", body: whatIfSchema }, async ({ actor, body }) => Response.json(await whatIf(actor, body)));
