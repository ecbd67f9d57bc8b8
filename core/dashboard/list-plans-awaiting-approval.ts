import { authorize, type Actor } from "../auth/actor";
import { db } from "../db/client";

export interface PlanAwaitingApproval {
  id: string;
  name: string;
  itemCount: number;
  createdBy: string;
  submittedAt: Date | null;
  estimateSeconds: number;
}

/** Remediation plans waiting for an approver, oldest submission first; a subscription-limited actor sees those touching its subscriptions. */
export async function listPlansAwaitingApproval(actor: Actor, { limit = 10 } = {}): Promise<{ plans: PlanAwaitingApproval[]; total: number }> {
  authorize(actor, "fleet:read");
  const where = {
    status: "AWAITING_APPROVAL" as const,
    ...(actor.subscriptions ? { items: { some: { subscriptionId: { in: actor.subscriptions } } } } : {}),
  };
  const [plans, total] = await Promise.all([
    db().remediationPlan.findMany({
      where,
      orderBy: [{ submittedAt: "asc" }, { createdAt: "asc" }],
      take: limit,
      select: { id: true, name: true, itemCount: true, createdBy: true, submittedAt: true, estimateSeconds: true },
    }),
    db().remediationPlan.count({ where }),
  ]);
  return { plans, total };
}
