import { recordAudit } from "@/core/audit/record-audit";
import { authorize, type Actor } from "@/core/auth/actor";
import { db } from "@/core/db/client";
import { AppError } from "@/core/errors";
import { requestEvaluationAfterChange } from "@/core/rules/rule-store";
import { actorSeesExemption, assertActorMayExempt, toExemptionView } from "./exemption-store";

/** Withdraws an exemption before its expiry; revoking one already revoked changes nothing. */
export async function revokeExemption(actor: Actor, exemptionId: string): Promise<void> {
  authorize(actor, "exemptions:write");
  const revoked = await db().$transaction(async (tx) => {
    await tx.$executeRaw`SELECT 1 FROM exemption WHERE id = ${exemptionId}::uuid FOR UPDATE`;
    const row = await tx.exemption.findUnique({ where: { id: exemptionId } });
    const now = new Date();
    const view = row && toExemptionView(row, now);
    if (!row || !view || !actorSeesExemption(actor, view.target)) throw new AppError("NOT_FOUND", `Exemption ${exemptionId} does not exist`);
    assertActorMayExempt(actor, view.target);
    if (row.revokedAt) return false;
    await tx.exemption.update({ where: { id: exemptionId }, data: { revokedAt: now } });
    const { id: _id, createdAt: _c, revokedAt: _r, status, ...exemption } = view;
    await recordAudit(actor, { action: "exemption.revoke", targetType: "exemption", targetId: exemptionId, before: { ...exemption, status } }, tx);
    return true;
  });
  if (revoked) await requestEvaluationAfterChange("exemptions");
}
