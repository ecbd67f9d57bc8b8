// How a plan is shown through the API, the CLI and the dashboard: the same JSON everywhere.
import type { PlanRow } from "./plan-store";
import { approvalState } from "./plan-store";

export interface PlanSummary {
  id: string;
  name: string;
  status: string;
  revision: number;
  /** SHA-256 of the frozen content; approve and reject must send the hash they reviewed. */
  contentHash: string;
  itemCount: number;
  estimateSeconds: number;
  /** Items per kind and per status, as last recorded (execution keeps statuses current). */
  counts: { kinds?: Record<string, number>; statuses?: Record<string, number> } & Record<string, unknown>;
  createdBy: string;
  createdById: string | null;
  createdAt: string;
  updatedAt: string;
  submittedAt: string | null;
  decidedBy: string | null;
  decidedAt: string | null;
  decisionComment: string | null;
  approvedHash: string | null;
  approvalExpiresAt: string | null;
  /** APPROVED, approved hash = content hash, not expired: what execution starts from. */
  executable: boolean;
  /** Set when an approved plan cannot be executed (expired, changed). */
  notExecutableReason: string | null;
  startedAt: string | null;
  finishedAt: string | null;
  pauseReason: string | null;
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

/** What identifies a plan and its content, shown first wherever a plan is shown (drafted, listed, in detail). */
export type PlanHead = Pick<PlanSummary, "id" | "name" | "status" | "revision" | "contentHash" | "itemCount">;

export const planHead = (plan: PlanRow): PlanHead => ({
  id: plan.id,
  name: plan.name,
  status: plan.status,
  revision: plan.revision,
  contentHash: plan.contentHash,
  itemCount: plan.itemCount,
});

export function toPlanSummary(plan: PlanRow, now = new Date()): PlanSummary {
  const approval = approvalState(plan, now);
  return {
    ...planHead(plan),
    estimateSeconds: plan.estimateSeconds,
    counts: (plan.counts ?? {}) as PlanSummary["counts"],
    createdBy: plan.createdBy,
    createdById: plan.createdById,
    createdAt: plan.createdAt.toISOString(),
    updatedAt: plan.updatedAt.toISOString(),
    submittedAt: iso(plan.submittedAt),
    decidedBy: plan.decidedBy,
    decidedAt: iso(plan.decidedAt),
    decisionComment: plan.decisionComment,
    approvedHash: plan.approvedHash,
    approvalExpiresAt: iso(plan.approvalExpiresAt),
    executable: approval.ok,
    notExecutableReason: plan.status === "APPROVED" && !approval.ok ? approval.reason : null,
    startedAt: iso(plan.startedAt),
    finishedAt: iso(plan.finishedAt),
    pauseReason: plan.pauseReason,
  };
}
