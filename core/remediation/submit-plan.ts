// Submitting a drafted plan for approval: DRAFT -> AWAITING_APPROVAL, audited, announced to webhooks.
import { recordAudit } from "../audit/record-audit";
import { authorize, type Actor } from "../auth/actor";
import { db } from "../db/client";
import { AppError } from "../errors";
import { notify } from "../notifications/notify";
import { EXECUTABLE_KINDS } from "./plan-types";
import { findPlanForActor } from "./plan-store";
import { submitPlanInputSchema } from "./schemas";

export interface SubmittedPlan {
  id: string;
  status: "AWAITING_APPROVAL";
  revision: number;
  contentHash: string;
}

/** Asks for approval of the plan as it is now; with `contentHash`, only if the plan still has that content (else 409). */
export async function submitPlan(actor: Actor, planId: string, raw: unknown = {}): Promise<SubmittedPlan> {
  authorize(actor, "plans:draft");
  const input = submitPlanInputSchema.parse(raw ?? {});
  const plan = await db().$transaction(async (tx) => {
    const plan = await findPlanForActor(actor, planId, tx, { lock: true });
    if (plan.status !== "DRAFT") throw new AppError("CONFLICT", `Plan ${planId} is ${plan.status.toLowerCase().replace(/_/g, " ")}; only a draft can be submitted`);
    if (input.contentHash && input.contentHash !== plan.contentHash)
      throw new AppError("CONFLICT", `Plan ${planId} changed since you looked (now revision ${plan.revision}, content ${plan.contentHash.slice(0, 12)}); reload it`);
    const executable = await tx.remediationItem.count({ where: { planId, kind: { in: [...EXECUTABLE_KINDS] } } });
    if (executable === 0) throw new AppError("CONFLICT", `Plan ${planId} has nothing Flexguard can execute: every item needs a person (template or decision)`);
    const updated = await tx.remediationPlan.update({ where: { id: planId }, data: { status: "AWAITING_APPROVAL", submittedAt: new Date(), updatedAt: new Date() } });
    await recordAudit(actor, { action: "plan.submit", targetType: "plan", targetId: planId, after: { status: updated.status, revision: updated.revision, contentHash: updated.contentHash } }, tx);
    return updated;
  });
  await notify({ type: "plan.awaiting_approval", planId: plan.id, planName: plan.name, revision: plan.revision, itemCount: plan.itemCount, submittedBy: actor.label });
  return { id: plan.id, status: "AWAITING_APPROVAL", revision: plan.revision, contentHash: plan.contentHash };
}
