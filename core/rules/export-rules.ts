import { authorize, type Actor } from "@/core/auth/actor";
import { db } from "@/core/db/client";
import { RULE_SET_CONTENT_TYPES, formatRuleSet, type RuleSetFormat } from "./rule-set-text";
import { toRuleView } from "./rule-store";

export interface ExportedRules {
  content: string;
  contentType: string;
  filename: string;
  rules: number;
}

/** The whole live rule set, in precedence order, as YAML or JSON that `importRules` takes back unchanged. */
export async function exportRules(actor: Actor, format: RuleSetFormat): Promise<ExportedRules> {
  authorize(actor, "fleet:read");
  const rows = await db().protectionRule.findMany({ where: { deletedAt: null }, orderBy: [{ order: "asc" }, { name: "asc" }] });
  const rules = rows.map((row) => toRuleView(row).rule);
  return { content: formatRuleSet({ version: 1, rules }, format), contentType: RULE_SET_CONTENT_TYPES[format], filename: `flexguard-rules.${format}`, rules: rules.length };
}
