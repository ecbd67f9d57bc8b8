// One plan with its live counts, its planning summary (left-out servers, regions without a vault, the estimate),
// one page of items with their diffs, and what the asking actor may do with it.
import { authorize, type Actor } from "../auth/actor";
import { roleCan } from "../auth/permissions";
import { db } from "../db/client";
import { DELETABLE_STATUSES } from "./delete-plan";
import { EDITABLE_STATUSES } from "./edit-plan";
import { describeItem, type DiffLine } from "./item-diff";
import { planActionSchema, type PlanAction } from "./plan-types";
import { actorPerson, findPlanForActor, parseOptions, parseSelection, planAuthors, samePerson } from "./plan-store";
import { toPlanSummary, type PlanSummary } from "./plan-view";
import { getPlanQuerySchema, type GetPlanQuery } from "./schemas";

export interface PlanItemView {
  id: string;
  seq: number;
  kind: string;
  status: string;
  serverId: string | null;
  subscriptionId: string;
  vaultArmIdKey: string | null;
  dependsOn: number[];
  canary: boolean;
  action: PlanAction;
  before: unknown;
  after: unknown;
  summary: string;
  diff: DiffLine[];
  errorCode: string | null;
  errorMessage: string | null;
  startedAt: string | null;
  finishedAt: string | null;
}

export interface PlanDetail extends PlanSummary {
  selection: unknown;
  options: ReturnType<typeof parseOptions>;
  /** Planning's record: servers left out by reason, regions without a vault, the estimate's parts. */
  summary: unknown;
  /** Items per kind and per status, counted now. */
  liveCounts: { kinds: Record<string, number>; statuses: Record<string, number> };
  items: { page: number; pageSize: number; total: number; rows: PlanItemView[] };
  /** What the asking actor may do now, and why not (for buttons). */
  can: { edit: boolean; submit: boolean; approve: boolean; delete: boolean; approveRefusal: string | null };
}

/** GET /api/plans/:planId: the plan and one page of its items (filter by kind or status). */
export async function getPlan(actor: Actor, planId: string, raw: GetPlanQuery = {}, now = new Date()): Promise<PlanDetail> {
  authorize(actor, "fleet:read");
  const query = getPlanQuerySchema.parse(raw);
  const plan = await findPlanForActor(actor, planId);
  const where = { planId, ...(query.kind ? { kind: query.kind } : {}), ...(query.status ? { status: query.status.toUpperCase() as never } : {}) };
  const [byKind, byStatus, total, rows, authors] = await Promise.all([
    db().remediationItem.groupBy({ by: ["kind"], where: { planId }, _count: true }),
    db().remediationItem.groupBy({ by: ["status"], where: { planId }, _count: true }),
    db().remediationItem.count({ where }),
    db().remediationItem.findMany({ where, orderBy: { seq: "asc" }, skip: (query.page - 1) * query.pageSize, take: query.pageSize }),
    planAuthors(db(), plan),
  ]);
  const selection = parseSelection(plan);
  const isAuthor = authors.some((a) => samePerson(a, actorPerson(actor)));
  const canApproveRole = roleCan(actor.role, "plans:approve");
  const approveRefusal = !canApproveRole
    ? "Your role may not approve plans"
    : isAuthor
      ? "You drafted or edited this plan; someone else must approve it"
      : plan.status !== "AWAITING_APPROVAL"
        ? `The plan is ${plan.status.toLowerCase().replace(/_/g, " ")}`
        : null;
  const drafter = roleCan(actor.role, "plans:draft");
  return {
    ...toPlanSummary(plan, now),
    selection: selection.selection,
    options: parseOptions(plan),
    summary: (plan.selection as { summary?: unknown }).summary ?? null,
    liveCounts: {
      kinds: Object.fromEntries(byKind.map((k) => [k.kind, k._count])),
      statuses: Object.fromEntries(byStatus.map((s) => [s.status, s._count])),
    },
    items: {
      page: query.page,
      pageSize: query.pageSize,
      total,
      rows: rows.map((row) => {
        const action = planActionSchema.parse(row.action);
        const described = describeItem(action, row.before, row.after);
        return {
          id: row.id,
          seq: row.seq,
          kind: row.kind,
          status: row.status,
          serverId: row.serverId,
          subscriptionId: row.subscriptionId,
          vaultArmIdKey: row.vaultArmIdKey,
          dependsOn: row.dependsOn,
          canary: row.canary,
          action,
          before: row.before,
          after: row.after,
          summary: described.summary,
          diff: described.diff,
          errorCode: row.errorCode,
          errorMessage: row.errorMessage,
          startedAt: row.startedAt?.toISOString() ?? null,
          finishedAt: row.finishedAt?.toISOString() ?? null,
        };
      }),
    },
    can: {
      edit: drafter && (EDITABLE_STATUSES as readonly string[]).includes(plan.status),
      submit: drafter && plan.status === "DRAFT",
      approve: approveRefusal === null,
      delete: drafter && (DELETABLE_STATUSES as readonly string[]).includes(plan.status),
      approveRefusal,
    },
  };
}
