import { recordAudit } from "@/core/audit/record-audit";
import type { Actor } from "@/core/auth/actor";
import { db, type Db } from "@/core/db/client";
import type { ProtectionRule as ProtectionRuleRow } from "@/core/db/generated/client";
import { AppError } from "@/core/errors";
import { assertRuleWithinActorScope, lockRuleRow, lockRules, requestEvaluationAfterChange, toRuleView, writeRevision } from "./rule-store";

export interface DeleteRuleInput {
  /** When given, the delete is refused (CONFLICT) if the rule changed since this revision. */
  revision?: number;
}

/** Soft-deletes a rule: it stops governing servers, its revisions stay, and a last revision records the deletion. */
export async function deleteRule(actor: Actor, ruleId: string, { revision }: DeleteRuleInput = {}): Promise<void> {
  await db().$transaction(async (tx) => {
    await lockRules(tx);
    const row = await lockRuleRow(tx, ruleId);
    assertRuleWithinActorScope(actor, toRuleView(row).rule);
    if (revision !== undefined && revision !== row.revision)
      throw new AppError("CONFLICT", `Rule '${row.name}' was changed by ${row.updatedBy} at ${row.updatedAt.toISOString()} (revision ${row.revision}) after the revision ${revision} you saw; reload it before deleting`);
    await softDeleteRule(tx, actor, row);
  });
  await requestEvaluationAfterChange("rules");
}

/**
 * Marks the row deleted inside the caller's transaction (delete and import share it). The name column is
 * unique across deleted rows too, so it is set aside ("name [deleted <id>]") for the name to be reused;
 * the revisions keep the rule as it was.
 */
export async function softDeleteRule(tx: Db, actor: Actor, row: ProtectionRuleRow, details: Record<string, unknown> = {}): Promise<void> {
  const rule = toRuleView(row).rule;
  const at = new Date();
  const revision = row.revision + 1;
  await tx.protectionRule.update({ where: { id: row.id }, data: { deletedAt: at, revision, updatedAt: at, updatedBy: actor.label, name: `${row.name} [deleted ${row.id}]` } });
  await writeRevision(tx, actor, { ruleId: row.id, revision, rule, changes: [{ field: "deleted", before: false, after: true }], at });
  await recordAudit(actor, { action: "rule.delete", targetType: "protection_rule", targetId: row.id, before: rule, details: { revision, ...details } }, tx);
}
