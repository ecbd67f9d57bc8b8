// The rule set as a file, for teams who keep policy in git: YAML or JSON, always checked by ruleSetSchema.
// YAML is read with the yaml package's core schema (no custom tags, no timestamps, a bounded alias count),
// so a file can only ever produce plain data.
import YAML from "yaml";
import { z } from "zod";
import { fieldIssuesError } from "@/core/errors";
import { ruleSetSchema, type RuleSet } from "./schemas";

export const RULE_SET_FORMATS = ["yaml", "json"] as const;
export type RuleSetFormat = (typeof RULE_SET_FORMATS)[number];
export const ruleSetFormatSchema = z.enum(RULE_SET_FORMATS, { error: "format must be yaml or json" });

export const RULE_SET_CONTENT_TYPES: Record<RuleSetFormat, string> = { yaml: "application/yaml; charset=utf-8", json: "application/json; charset=utf-8" };

/** The rule set as text; validated first, so an export always imports. */
export function formatRuleSet(set: RuleSet, format: RuleSetFormat): string {
  const checked = ruleSetSchema.parse(set);
  // lineWidth 0: no folded lines, so one changed value is one changed line in a git diff.
  return format === "json" ? `${JSON.stringify(checked, null, 2)}\n` : YAML.stringify(checked, { lineWidth: 0 });
}

/** Reads and validates a rule set file; syntax and schema problems come back as field issues (400). */
export function parseRuleSet(content: string, format: RuleSetFormat): RuleSet {
  let data: unknown;
  if (format === "json") {
    try {
      data = JSON.parse(content);
    } catch (err) {
      throw fieldIssuesError([{ field: "content", reason: `not valid JSON: ${(err as Error).message}` }]);
    }
  } else {
    const doc = YAML.parseDocument(content, { schema: "core", uniqueKeys: true });
    const error = doc.errors[0];
    if (error) throw fieldIssuesError([{ field: "content", reason: `not valid YAML: ${error.message.split("\n")[0]}` }]);
    try {
      data = doc.toJS({ maxAliasCount: 100 });
    } catch (err) {
      throw fieldIssuesError([{ field: "content", reason: `not usable YAML: ${(err as Error).message}` }]);
    }
  }
  const parsed = ruleSetSchema.safeParse(data);
  if (!parsed.success) throw fieldIssuesError(parsed.error.issues.map((i) => ({ field: i.path.join(".") || "(rule set)", reason: i.message })));
  return parsed.data;
}
