// GET /api/rules/export?format=yaml|json: the whole rule set as a file for git, which POST /api/rules/import takes back.
import { z } from "zod";
import { exportRules } from "@/core/rules/export-rules";
import { ruleSetFormatSchema } from "@/core/rules/rule-set-text";
import { route } from "../../_lib/route";

const query = z.strictObject({ format: ruleSetFormatSchema.default("yaml") });

export const GET = route({ permission: "fleet:read", query }, async ({ actor, query }) => {
  const file = await exportRules(actor, query.format);
  return new Response(file.content, {
    headers: { "content-type": file.contentType, "content-disposition": `attachment; filename="${file.filename}"`, "cache-control": "no-store" },
  });
});
