// POST /api/rules/import {format, content, dryRun}: replace the rule set with a file's; a dry run (the default)
// lists what would be created, changed (with diffs) and deleted, an apply does it in one transaction.
import { importRules, importRulesSchema } from "@/core/rules/import-rules";
import { route } from "../../_lib/route";

export const POST = route({ permission: "rules:write", body: importRulesSchema }, async ({ actor, body }) => Response.json(await importRules(actor, body)));
