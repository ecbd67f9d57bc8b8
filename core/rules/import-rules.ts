// Rules as code: a rule set file replaces the stored rule set. Rules are matched by name (case-insensitively):
// a name only in the file is created, one in both is updated when its definition differs, and one only in
// Flexguard is deleted; a renamed rule is therefore a delete and a create. A dry run returns the plan; an
// apply carries it out in one transaction, each change a revision and an audit event.
import { z } from "zod";
import { recordAudit } from "@/core/audit/record-audit";
import { authorize, type Actor } from "@/core/auth/actor";
import { db, type Db } from "@/core/db/client";
import { AppError, fieldIssuesError } from "@/core/errors";
import { softDeleteRule } from "./delete-rule";
import { describeChange, diffRules, type RuleFieldChange } from "./rule-diff";
import { parseRuleSet, ruleSetFormatSchema } from "./rule-set-text";
import { lockRules, requestEvaluationAfterChange, ruleColumns, ruleReferenceIssues, toRuleView, writeRevision } from "./rule-store";
import type { ProtectionRule, RuleSet } from "./schemas";

export const importRulesSchema = z.strictObject({
  format: ruleSetFormatSchema,
  content: z.string({ error: "content must be the rule set file's text" }).min(1, { error: "content must not be empty" }),
  dryRun: z.boolean({ error: "dryRun must be true or false" }).default(true),
});
export type ImportRulesInput = z.input<typeof importRulesSchema>;

export interface ImportPlan {
  create: { name: string; order: number }[];
  update: { id: string; name: string; fromRevision: number; changes: RuleFieldChange[]; summary: string[] }[];
  delete: { id: string; name: string; revision: number }[];
  unchanged: string[];
}

export interface ImportResult {
  dryRun: boolean;
  /** True when the plan was carried out (false on a dry run, or when there was nothing to do). */
  applied: boolean;
  plan: ImportPlan;
}

/** Plans (dryRun) or applies an import of a whole rule set file. */
export async function importRules(actor: Actor, input: ImportRulesInput): Promise<ImportResult> {
  authorize(actor, "rules:write");
  // The file replaces every rule, including those governing other people's subscriptions.
  if (actor.subscriptions) throw new AppError("FORBIDDEN", "Importing replaces the whole rule set; it needs a user who acts on every subscription");
  const { format, content, dryRun } = importRulesSchema.parse(input);
  const set = parseRuleSet(content, format);
  const result = await db().$transaction(async (tx) => {
    await lockRules(tx);
    const issues = (await Promise.all(set.rules.map((rule, index) => ruleReferenceIssues(tx, rule, `rules.${index}.`)))).flat();
    if (issues.length) throw fieldIssuesError(issues);
    const { plan, apply } = await planImport(tx, set);
    const hasWork = plan.create.length + plan.update.length + plan.delete.length > 0;
    if (dryRun || !hasWork) return { dryRun, applied: false, plan };
    await apply(actor);
    await recordAudit(actor, { action: "rules.import", targetType: "rule_set", details: { format, created: plan.create.length, updated: plan.update.length, deleted: plan.delete.length } }, tx);
    return { dryRun, applied: true, plan };
  });
  if (result.applied) await requestEvaluationAfterChange("rules");
  return result;
}

async function planImport(tx: Db, set: RuleSet) {
  const rows = await tx.protectionRule.findMany({ where: { deletedAt: null }, orderBy: [{ order: "asc" }, { name: "asc" }] });
  const byName = new Map(rows.map((row) => [toRuleView(row).rule.name.toLowerCase(), row]));
  const plan: ImportPlan = { create: [], update: [], delete: [], unchanged: [] };
  const steps: ((actor: Actor) => Promise<void>)[] = [];

  for (const row of rows) {
    const name = toRuleView(row).rule.name;
    if (set.rules.some((r) => r.name.toLowerCase() === name.toLowerCase())) continue;
    plan.delete.push({ id: row.id, name, revision: row.revision });
    // Deletes first: they set their names aside before creates might reuse them.
    steps.push((actor) => softDeleteRule(tx, actor, row, { import: true }));
  }
  for (const rule of set.rules) {
    const key = rule.name.toLowerCase();
    const row = byName.get(key);
    if (!row) {
      plan.create.push({ name: rule.name, order: rule.order });
      steps.push((actor) => createImported(tx, actor, rule));
      continue;
    }
    const before = toRuleView(row).rule;
    const changes = diffRules(before, rule);
    if (changes.length === 0) {
      plan.unchanged.push(rule.name);
      continue;
    }
    plan.update.push({ id: row.id, name: rule.name, fromRevision: row.revision, changes, summary: changes.map(describeChange) });
    steps.push(async (actor) => {
      const at = new Date();
      const revision = row.revision + 1;
      await tx.protectionRule.update({ where: { id: row.id }, data: { ...ruleColumns(rule, actor), revision, updatedAt: at } });
      await writeRevision(tx, actor, { ruleId: row.id, revision, rule, changes, at });
      await recordAudit(actor, { action: "rule.update", targetType: "protection_rule", targetId: row.id, before, after: rule, details: { revision, changes, import: true } }, tx);
    });
  }
  return {
    plan,
    apply: async (actor: Actor) => {
      for (const step of steps) await step(actor);
    },
  };
}

async function createImported(tx: Db, actor: Actor, rule: ProtectionRule): Promise<void> {
  const row = await tx.protectionRule.create({ data: ruleColumns(rule, actor) });
  await writeRevision(tx, actor, { ruleId: row.id, revision: 1, rule, changes: diffRules(null, rule), at: row.updatedAt });
  await recordAudit(actor, { action: "rule.create", targetType: "protection_rule", targetId: row.id, after: rule, details: { import: true } }, tx);
}
