// Deleting a plan that never ran: a draft, or a rejected plan. Its items go with it; the audit log keeps the record.
import { recordAudit } from "../audit/record-audit";
import { authorize, type Actor } from "../auth/actor";
import { db } from "../db/client";
import { AppError } from "../errors";
import { findPlanForActor } from "./plan-store";

export const DELETABLE_STATUSES = ["DRAFT", "REJECTED"] as const;

/** Deletes a draft or rejected plan; 409 for any other status. */
export async function deletePlan(actor: Actor, planId: string): Promise<void> {
  authorize(actor, "plans:draft");
  await db().$transaction(async (tx) => {
    const plan = await findPlanForActor(actor, planId, tx, { lock: true });
    if (!(DELETABLE_STATUSES as readonly string[]).includes(plan.status))
      throw new AppError("CONFLICT", `Plan ${planId} is ${plan.status.toLowerCase().replace(/_/g, " ")}; only drafts and rejected plans can be deleted`);
    await tx.remediationPlan.delete({ where: { id: planId } });
    await recordAudit(actor, { action: "plan.delete", targetType: "plan", targetId: planId, before: { name: plan.name, status: plan.status, revision: plan.revision, contentHash: plan.contentHash, itemCount: plan.itemCount } }, tx);
  });
}
