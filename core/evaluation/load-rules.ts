import { db, type Db } from "../db/client";
import { exemptionSchema, type StoredExemption } from "../exemptions/schemas";
import { protectionRuleSchema, type StoredProtectionRule } from "../rules/schemas";

/** Every rule not deleted, as the evaluator takes them. Stored definitions are parsed again: a bad row fails loudly. */
export async function loadRules(tx: Db = db()): Promise<StoredProtectionRule[]> {
  const rows = await tx.protectionRule.findMany({ where: { deletedAt: null }, orderBy: { order: "asc" } });
  return rows.map((r) => ({ ...protectionRuleSchema.parse(r.definition), id: r.id, revision: r.revision }));
}

/** Exemptions not revoked (expired ones included: the verdict says when an exemption stopped applying). */
export async function loadExemptions(tx: Db = db()): Promise<StoredExemption[]> {
  const rows = await tx.exemption.findMany({ where: { revokedAt: null } });
  return rows.map((r) => ({ ...exemptionSchema.parse(r.definition), id: r.id }));
}
