import { z } from "zod";
import { recordAudit } from "@/core/audit/record-audit";
import type { Actor } from "@/core/auth/actor";
import { db } from "@/core/db/client";
import { AppError, fieldIssuesError } from "@/core/errors";
import { diffRules } from "./rule-diff";
import {
  assertNoClash,
  assertRuleWithinActorScope,
  isUniqueViolation,
  lockRuleRow,
  lockRules,
  requestEvaluationAfterChange,
  ruleColumns,
  ruleReferenceIssues,
  toRuleView,
  writeRevision,
  type RuleView,
} from "./rule-store";
import { protectionRuleSchema } from "./schemas";

/** An edit: the whole rule as edited, and the revision the editor started from. */
export const updateRuleSchema = z.strictObject({
  revision: z.number({ error: "revision must be the revision you edited, a number" }).int({ error: "revision must be a whole number" }).min(1, { error: "revision must be 1 or more" }),
  rule: protectionRuleSchema,
});
export type UpdateRuleInput = z.input<typeof updateRuleSchema>;

/**
 * Replaces a rule's definition with a new revision. Saving over a revision newer than the one edited is a
 * CONFLICT naming who changed the rule and when; an edit that changes nothing saves nothing.
 */
export async function updateRule(actor: Actor, ruleId: string, input: UpdateRuleInput): Promise<RuleView> {
  const { revision: editedRevision, rule } = updateRuleSchema.parse(input);
  assertRuleWithinActorScope(actor, rule);
  const result = await db()
    .$transaction(async (tx) => {
      await lockRules(tx);
      const row = await lockRuleRow(tx, ruleId);
      const before = toRuleView(row);
      // The rule as it stood must be the actor's to change too, or narrowing its scope would take it from others.
      assertRuleWithinActorScope(actor, before.rule, `rule '${before.rule.name}'`);
      if (row.revision !== editedRevision)
        throw new AppError(
          "CONFLICT",
          `Rule '${before.rule.name}' was changed by ${row.updatedBy} at ${row.updatedAt.toISOString()} (revision ${row.revision}) after the revision ${editedRevision} you edited; reload it and apply your change again`,
          { details: { currentRevision: row.revision, updatedBy: row.updatedBy, updatedAt: row.updatedAt } },
        );
      const changes = diffRules(before.rule, rule);
      if (changes.length === 0) return { view: before, changed: false };
      const issues = await ruleReferenceIssues(tx, rule);
      if (issues.length) throw fieldIssuesError(issues);
      await assertNoClash(tx, rule, ruleId);
      const at = new Date();
      const updated = await tx.protectionRule.update({ where: { id: ruleId }, data: { ...ruleColumns(rule, actor), revision: row.revision + 1, updatedAt: at } });
      await writeRevision(tx, actor, { ruleId, revision: updated.revision, rule, changes, at });
      await recordAudit(
        actor,
        { action: "rule.update", targetType: "protection_rule", targetId: ruleId, before: before.rule, after: rule, details: { revision: updated.revision, changes } },
        tx,
      );
      return { view: toRuleView(updated), changed: true };
    })
    .catch((err: unknown) => {
      throw isUniqueViolation(err) ? new AppError("CONFLICT", `A rule named '${rule.name}' already exists; rule names must be unique`) : err;
    });
  if (result.changed) await requestEvaluationAfterChange("rules");
  return result.view;
}
