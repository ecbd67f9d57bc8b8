import { z } from "zod";
import { authorize, type Actor } from "@/core/auth/actor";
import { db } from "@/core/db/client";
import { actorSeesExemption, toExemptionView, type ExemptionView } from "./exemption-store";
import { listExpiringExemptions } from "./list-expiring-exemptions";

export const EXEMPTION_LIST_STATUSES = ["active", "expiring", "expired", "revoked", "all"] as const;

export const listExemptionsSchema = z.strictObject({
  /** active: in force; expiring: in force and expiring within `withinDays`; expired; revoked; all. */
  status: z.enum(EXEMPTION_LIST_STATUSES, { error: `status must be one of ${EXEMPTION_LIST_STATUSES.join(", ")}` }).default("active"),
  withinDays: z.coerce.number({ error: "withinDays must be a number of days" }).int({ error: "withinDays must be a whole number" }).min(1, { error: "withinDays must be at least 1" }).max(3650, { error: "withinDays may be at most 3650" }).default(30),
});
export type ListExemptionsInput = z.input<typeof listExemptionsSchema>;

export interface ExemptionList {
  items: ExemptionView[];
  /** How many the actor sees in each status; expiring ones are also active. */
  counts: { active: number; expiring: number; expired: number; revoked: number };
}

/** Exemptions the actor sees, by status, soonest expiry first; expiring ones are those in force that end within withinDays. */
export async function listExemptions(actor: Actor, input: ListExemptionsInput = {}): Promise<ExemptionList> {
  authorize(actor, "fleet:read");
  const { status, withinDays } = listExemptionsSchema.parse(input);
  const now = new Date();
  const rows = await db().exemption.findMany({ orderBy: [{ expiresAt: "asc" }, { id: "asc" }] });
  const all = rows.map((row) => toExemptionView(row, now)).filter((view) => actorSeesExemption(actor, view.target));
  const active = all.filter((v) => v.status === "active");
  const expiringIds = new Set(listExpiringExemptions({ exemptions: active, now, within: `P${withinDays}D` }).map((e) => e.id));
  const expiring = active.filter((v) => expiringIds.has(v.id));
  const byStatus = {
    active,
    expiring,
    expired: all.filter((v) => v.status === "expired").reverse(), // most recently expired first
    revoked: all.filter((v) => v.status === "revoked"),
    all,
  };
  return {
    items: byStatus[status],
    counts: { active: active.length, expiring: expiring.length, expired: byStatus.expired.length, revoked: byStatus.revoked.length },
  };
}
