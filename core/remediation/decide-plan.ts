// An approver's decision on a plan awaiting approval: approve or reject, with a comment, bound to the content hash
// they reviewed. Nobody who drafted or edited the plan may decide on it; a hash that is no longer the plan's is a
// 409. An approval holds for PLAN_APPROVAL_VALIDITY; execution starts only from an unexpired approval of the
// current hash (plan-store.ts approvalState).
import { recordAudit } from "../audit/record-audit";
import { authorize, type Actor } from "../auth/actor";
import { env } from "../config/env";
import { db } from "../db/client";
import { AppError } from "../errors";
import { isoDurationSeconds } from "../rules/duration";
import { actorPerson, findPlanForActor, planAuthors, samePerson } from "./plan-store";
import { decidePlanInputSchema, type DecidePlanInput } from "./schemas";

export interface PlanDecision {
  id: string;
  status: "APPROVED" | "REJECTED";
  revision: number;
  contentHash: string;
  approvedHash: string | null;
  approvalExpiresAt: Date | null;
  decidedBy: string;
  decisionComment: string;
}

/** Approves (status APPROVED, approval expiring after PLAN_APPROVAL_VALIDITY) or rejects (REJECTED) a plan awaiting approval. */
export async function decidePlan(actor: Actor, planId: string, decision: "approve" | "reject", raw: DecidePlanInput, now = new Date()): Promise<PlanDecision> {
  authorize(actor, "plans:approve");
  const input = decidePlanInputSchema.parse(raw);
  return db().$transaction(async (tx) => {
    const plan = await findPlanForActor(actor, planId, tx, { lock: true });
    if (plan.status !== "AWAITING_APPROVAL")
      throw new AppError("CONFLICT", `Plan ${planId} is ${plan.status.toLowerCase().replace(/_/g, " ")}; only a plan awaiting approval can be ${decision === "approve" ? "approved" : "rejected"}`);
    if (input.contentHash !== plan.contentHash)
      throw new AppError("CONFLICT", `Plan ${planId} changed since you reviewed it: it is now revision ${plan.revision} with content ${plan.contentHash.slice(0, 12)}, not ${input.contentHash.slice(0, 12)}; review it again`);
    const authors = await planAuthors(tx, plan);
    if (authors.some((a) => samePerson(a, actorPerson(actor))))
      throw new AppError("FORBIDDEN", `You drafted or edited plan ${planId}; someone else must ${decision} it`);
    const approve = decision === "approve";
    const validity = isoDurationSeconds(env().PLAN_APPROVAL_VALIDITY)!;
    const updated = await tx.remediationPlan.update({
      where: { id: planId },
      data: {
        status: approve ? "APPROVED" : "REJECTED",
        decidedBy: actor.label,
        decidedById: actor.userId,
        decidedAt: now,
        decisionComment: input.comment,
        approvedHash: approve ? plan.contentHash : null,
        approvalExpiresAt: approve ? new Date(now.getTime() + validity * 1000) : null,
        updatedAt: now,
      },
    });
    await recordAudit(
      actor,
      {
        action: approve ? "plan.approve" : "plan.reject",
        targetType: "plan",
        targetId: planId,
        before: { status: plan.status },
        after: { status: updated.status, revision: updated.revision, contentHash: updated.contentHash, approvalExpiresAt: updated.approvalExpiresAt, comment: input.comment },
      },
      tx,
    );
    return {
      id: updated.id,
      status: updated.status as "APPROVED" | "REJECTED",
      revision: updated.revision,
      contentHash: updated.contentHash,
      approvedHash: updated.approvedHash,
      approvalExpiresAt: updated.approvalExpiresAt,
      decidedBy: actor.label,
      decisionComment: input.comment,
    };
  });
}
