// What the exemption use cases share: the shape an exemption is returned in, and whose it is to see and change.
import { AppError } from "@/core/errors";
import type { Actor } from "@/core/auth/actor";
import type { Exemption as ExemptionRow } from "@/core/db/generated/client";
import { exemptionSchema, type Exemption, type ExemptionTarget } from "./schemas";

export type ExemptionStatus = "active" | "expired" | "revoked";

export interface ExemptionView extends Exemption {
  id: string;
  createdAt: Date;
  revokedAt: Date | null;
  status: ExemptionStatus;
}

export function toExemptionView(row: ExemptionRow, now: Date): ExemptionView {
  const exemption = exemptionSchema.parse(row.definition);
  const status: ExemptionStatus = row.revokedAt ? "revoked" : exemption.expiresAt.getTime() <= now.getTime() ? "expired" : "active";
  return { id: row.id, ...exemption, createdAt: row.createdAt, revokedAt: row.revokedAt, status };
}

/** The subscription an exemption's target lies in; null for tag targets, which span every subscription. */
export function targetSubscription(target: ExemptionTarget): string | null {
  switch (target.kind) {
    case "server":
      return target.serverArmId.split("/")[2]!.toLowerCase();
    case "subscription":
    case "resourceGroup":
      return target.subscriptionId.toLowerCase();
    case "tag":
      return null;
  }
}

/** Whether a subscription-limited actor sees the exemption: its target lies in one of their subscriptions, or spans all (tags). */
export function actorSeesExemption(actor: Actor, target: ExemptionTarget): boolean {
  const subscription = targetSubscription(target);
  return !actor.subscriptions || subscription === null || actor.subscriptions.includes(subscription);
}

/** FORBIDDEN unless the target lies wholly within the actor's subscriptions. */
export function assertActorMayExempt(actor: Actor, target: ExemptionTarget): void {
  if (!actor.subscriptions) return;
  const subscription = targetSubscription(target);
  if (subscription === null) throw new AppError("FORBIDDEN", "You act on some subscriptions only; a tag exemption would reach servers in every subscription");
  if (!actor.subscriptions.includes(subscription)) throw new AppError("FORBIDDEN", `Subscription ${subscription} is not one you act on`);
}
