import { authorize, type Actor } from "@/core/auth/actor";
import { db } from "@/core/db/client";
import { AppError } from "@/core/errors";
import { describeChange, type RuleFieldChange } from "./rule-diff";
import { toRuleView, type RuleView } from "./rule-store";

export interface RuleRevisionView {
  revision: number;
  changedBy: string;
  changedAt: Date;
  /** The changed fields with their before and after values (before null on the first revision). */
  changes: RuleFieldChange[];
  /** The same, one line per field: `scope.regions: ["westeurope"] -> ["northeurope"]`. */
  summary: string[];
}

export interface RuleWithHistory extends RuleView {
  /** Newest first. */
  revisions: RuleRevisionView[];
}

/** A rule (deleted ones too: verdicts may still name them) with every revision and what each changed. */
export async function getRule(actor: Actor, ruleId: string): Promise<RuleWithHistory> {
  authorize(actor, "fleet:read");
  const row = await db().protectionRule.findUnique({ where: { id: ruleId }, include: { revisions: { orderBy: { revision: "desc" } } } });
  if (!row) throw new AppError("NOT_FOUND", `Rule ${ruleId} does not exist`);
  const { revisions, ...rule } = row;
  return {
    ...toRuleView(rule),
    revisions: revisions.map((r) => {
      const changes = r.changes as unknown as RuleFieldChange[];
      return { revision: r.revision, changedBy: r.changedBy, changedAt: r.changedAt, changes, summary: changes.map(describeChange) };
    }),
  };
}
