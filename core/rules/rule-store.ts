// What the rule use cases (create, update, delete, import) share: one lock for rule writes, the save-time
// checks (references, name and order clashes, the actor's subscription scope), the revision row, and the
// shape a rule is returned in.
import { authorize, type Actor } from "@/core/auth/actor";
import type { Db, Prisma } from "@/core/db/client";
import type { ProtectionRule as ProtectionRuleRow } from "@/core/db/generated/client";
import { requestEvaluation } from "@/core/evaluation/request-evaluation";
import { AppError, type FieldIssue } from "@/core/errors";
import { armKey } from "@/core/inventory/types";
import { log } from "@/core/log";
import { checkRuleReferences } from "./check-rule-references";
import type { RuleFieldChange } from "./rule-diff";
import { protectionRuleSchema, vaultIdOfPolicy, type ProtectionRule } from "./schemas";

/** A stored rule as the API and CLI see it: PUT sends back `revision` with the edited `rule`. */
export interface RuleView {
  id: string;
  revision: number;
  createdAt: Date;
  updatedAt: Date;
  updatedBy: string;
  deletedAt: Date | null;
  rule: ProtectionRule;
}

export const toJson = (value: unknown) => JSON.parse(JSON.stringify(value)) as Prisma.InputJsonValue;

/** Stored definitions are parsed again: zod gives back the schema's field order (jsonb keeps its own) and a bad row fails loudly. */
export function toRuleView(row: ProtectionRuleRow): RuleView {
  return {
    id: row.id,
    revision: row.revision,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    updatedBy: row.updatedBy,
    deletedAt: row.deletedAt,
    rule: protectionRuleSchema.parse(row.definition),
  };
}

/** Serialises rule writes: name and order checks, and an import's plan, then see a settled rule set. */
export async function lockRules(tx: Db): Promise<void> {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext('flexguard:rule-writes'))`;
}

/**
 * Rules reach every subscription their scope allows, so a subscription-limited actor may write only rules
 * whose scope names subscriptions, all of them their own.
 */
export function assertRuleWithinActorScope(actor: Actor, rule: ProtectionRule, what = `rule '${rule.name}'`): void {
  authorize(actor, "rules:write");
  if (!actor.subscriptions) return;
  const allowed = new Set(actor.subscriptions.map((s) => s.toLowerCase()));
  const named = rule.scope.subscriptions;
  if (!named || named.some((s) => !allowed.has(s)))
    throw new AppError("FORBIDDEN", `You act on some subscriptions only, and ${what} could govern servers elsewhere: its scope must name only your subscriptions`);
}

/** The rule's explicit vaults and policies that the inventory lacks or knows elsewhere; fields prefixed for imports. */
export async function ruleReferenceIssues(tx: Db, rule: ProtectionRule, fieldPrefix = ""): Promise<FieldIssue[]> {
  const vaultKeys = rule.requirement.vault.kind === "perRegion" ? rule.requirement.vault.vaults.map((v) => armKey(v.vaultArmId)) : [];
  const policyKeys = rule.requirement.policy.kind === "explicit" ? rule.requirement.policy.policyArmIds.map(armKey) : [];
  if (vaultKeys.length === 0 && policyKeys.length === 0) return [];
  const [vaults, policies] = await Promise.all([
    vaultKeys.length ? tx.vault.findMany({ where: { armIdKey: { in: vaultKeys }, deletedAt: null } }) : [],
    policyKeys.length ? tx.backupPolicy.findMany({ where: { armIdKey: { in: policyKeys }, deletedAt: null } }) : [],
  ]);
  const issues = checkRuleReferences(rule, {
    vaults: vaults.map((v) => ({ armId: v.armId, name: v.name, subscriptionId: v.subscriptionId, resourceGroup: v.resourceGroup, location: v.location, principalId: v.principalId, tags: v.tags as Record<string, string> })),
    backupPolicies: policies.map((p) => ({
      armId: p.armId,
      vaultArmId: p.vaultArmIdKey || vaultIdOfPolicy(p.armId),
      name: p.name,
      datasourceTypes: p.datasourceTypes,
      backupInterval: p.backupInterval,
      defaultRetention: p.defaultRetention,
    })),
  });
  return issues.map((issue) => ({ field: fieldPrefix + issue.field, reason: issue.reason }));
}

/** CONFLICT when another live rule has the same name (case-insensitively) or the same precedence order. */
export async function assertNoClash(tx: Db, rule: ProtectionRule, ruleId: string | null): Promise<void> {
  const others = await tx.protectionRule.findMany({ where: { deletedAt: null, ...(ruleId ? { id: { not: ruleId } } : {}) }, select: { name: true, order: true } });
  const sameName = others.find((o) => o.name.toLowerCase() === rule.name.toLowerCase());
  if (sameName) throw new AppError("CONFLICT", `A rule named '${sameName.name}' already exists; rule names must be unique`);
  // Export and import need an unambiguous precedence (ruleSetSchema refuses equal orders).
  const sameOrder = others.find((o) => o.order === rule.order);
  if (sameOrder) throw new AppError("CONFLICT", `Order ${rule.order} is already used by rule '${sameOrder.name}'; give each rule its own precedence`);
}

/** The row fields that mirror the definition, for create and update. */
export const ruleColumns = (rule: ProtectionRule, actor: Actor) => ({
  name: rule.name,
  order: rule.order,
  enabled: rule.enabled,
  mode: rule.mode,
  definition: toJson(rule),
  updatedBy: actor.label,
});

/** Appends the immutable revision row for a change. */
export async function writeRevision(
  tx: Db,
  actor: Actor,
  input: { ruleId: string; revision: number; rule: ProtectionRule; changes: RuleFieldChange[]; at: Date },
): Promise<void> {
  await tx.ruleRevision.create({
    data: { ruleId: input.ruleId, revision: input.revision, definition: toJson(input.rule), changes: toJson(input.changes), changedBy: actor.label, changedAt: input.at },
  });
}

/** The rule row locked for this transaction, or NOT_FOUND. */
export async function lockRuleRow(tx: Db, ruleId: string): Promise<ProtectionRuleRow> {
  await tx.$executeRaw`SELECT 1 FROM protection_rule WHERE id = ${ruleId}::uuid FOR UPDATE`;
  const row = await tx.protectionRule.findUnique({ where: { id: ruleId } });
  if (!row || row.deletedAt) throw new AppError("NOT_FOUND", `Rule ${ruleId} does not exist`);
  return row;
}

/**
 * After a committed rule or exemption change: ask for an evaluation, debounced so a burst of edits makes one
 * run. The change is saved either way; if Redis is down, the next request or scan evaluates it.
 */
export async function requestEvaluationAfterChange(trigger: "rules" | "exemptions"): Promise<void> {
  try {
    await requestEvaluation(trigger, { delayMs: 2000 });
  } catch (err) {
    log().warn({ err: err instanceof Error ? err.message : String(err), trigger }, "saved, but could not request an evaluation");
  }
}

/** Unique-constraint violations (a race past the clash check) read as the same CONFLICT. */
export function isUniqueViolation(err: unknown): boolean {
  return (err as { code?: string })?.code === "P2002";
}

