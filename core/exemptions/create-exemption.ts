import { recordAudit } from "@/core/audit/record-audit";
import { authorize, type Actor } from "@/core/auth/actor";
import { env } from "@/core/config/env";
import { db } from "@/core/db/client";
import { fieldIssuesError } from "@/core/errors";
import { requestEvaluationAfterChange, toJson } from "@/core/rules/rule-store";
import { assertActorMayExempt, toExemptionView, type ExemptionView } from "./exemption-store";
import { exemptionInputSchema, type ExemptionInput } from "./schemas";

/** An exemption as asked for: who grants it is the acting user, who asked defaults to them. */
export type CreateExemptionInput = Omit<ExemptionInput, "grantedBy" | "requestedBy"> & { requestedBy?: string };

/** Grants an exemption: expiry in the future and within EXEMPTION_MAX_VALIDITY, rule known, target in the actor's scope. */
export async function createExemption(actor: Actor, input: CreateExemptionInput): Promise<ExemptionView> {
  authorize(actor, "exemptions:write");
  const raw = (typeof input === "object" && input !== null ? input : {}) as Record<string, unknown>;
  // Who granted it is recorded, not claimed.
  if ("grantedBy" in raw) throw fieldIssuesError([{ field: "grantedBy", reason: "grantedBy is set by Flexguard to the user granting the exemption; leave it out" }]);
  const now = new Date();
  const exemption = exemptionInputSchema({ now, maxValidity: env().EXEMPTION_MAX_VALIDITY }).parse({ ...raw, requestedBy: raw.requestedBy ?? actor.label, grantedBy: actor.label });
  assertActorMayExempt(actor, exemption.target);
  const view = await db().$transaction(async (tx) => {
    if (exemption.ruleId !== null) {
      const rule = /^[0-9a-f-]{36}$/i.test(exemption.ruleId) ? await tx.protectionRule.findUnique({ where: { id: exemption.ruleId } }) : null;
      if (!rule || rule.deletedAt) throw fieldIssuesError([{ field: "ruleId", reason: "no rule with this id exists; use null to exempt from every rule" }]);
    }
    const row = await tx.exemption.create({
      data: {
        definition: toJson(exemption),
        ruleId: exemption.ruleId,
        category: exemption.category,
        expiresAt: exemption.expiresAt,
        requestedBy: exemption.requestedBy,
        grantedBy: exemption.grantedBy,
      },
    });
    await recordAudit(actor, { action: "exemption.create", targetType: "exemption", targetId: row.id, after: exemption }, tx);
    return toExemptionView(row, now);
  });
  await requestEvaluationAfterChange("exemptions");
  return view;
}
