import { recordAudit } from "@/core/audit/record-audit";
import type { Actor } from "@/core/auth/actor";
import { db } from "@/core/db/client";
import { AppError, fieldIssuesError } from "@/core/errors";
import { diffRules } from "./rule-diff";
import {
  assertNoClash,
  assertRuleWithinActorScope,
  isUniqueViolation,
  lockRules,
  requestEvaluationAfterChange,
  ruleColumns,
  ruleReferenceIssues,
  toRuleView,
  writeRevision,
  type RuleView,
} from "./rule-store";
import { protectionRuleSchema, type ProtectionRuleInput } from "./schemas";

/** Saves a new rule as revision 1, audited, and asks for an evaluation once committed. */
export async function createRule(actor: Actor, input: ProtectionRuleInput): Promise<RuleView> {
  const rule = protectionRuleSchema.parse(input);
  assertRuleWithinActorScope(actor, rule);
  const view = await db()
    .$transaction(async (tx) => {
      await lockRules(tx);
      const issues = await ruleReferenceIssues(tx, rule);
      if (issues.length) throw fieldIssuesError(issues);
      await assertNoClash(tx, rule, null);
      const row = await tx.protectionRule.create({ data: ruleColumns(rule, actor) });
      await writeRevision(tx, actor, { ruleId: row.id, revision: 1, rule, changes: diffRules(null, rule), at: row.updatedAt });
      await recordAudit(actor, { action: "rule.create", targetType: "protection_rule", targetId: row.id, after: rule }, tx);
      return toRuleView(row);
    })
    .catch((err: unknown) => {
      throw isUniqueViolation(err) ? new AppError("CONFLICT", `A rule named '${rule.name}' already exists; rule names must be unique`) : err;
    });
  await requestEvaluationAfterChange("rules");
  return view;
}
