// Plans the actor may see, newest first, by status, with how many there are in each status.
import { authorize, type Actor } from "../auth/actor";
import { db, Prisma } from "../db/client";
import { planVisibleSql, type PlanRow } from "./plan-store";
import { listPlansQuerySchema, PLAN_STATUSES, type ListPlansQuery } from "./schemas";
import { toPlanSummary, type PlanSummary } from "./plan-view";

export interface PlanList {
  items: PlanSummary[];
  total: number;
  page: number;
  pageSize: number;
  /** Plans per status the actor sees (every status listed, zero included). */
  statusCounts: Record<(typeof PLAN_STATUSES)[number], number>;
}

/** GET /api/plans: one page of plans, newest first. */
export async function listPlans(actor: Actor, raw: ListPlansQuery = {}, now = new Date()): Promise<PlanList> {
  authorize(actor, "fleet:read");
  const query = listPlansQuerySchema.parse(raw);
  const visible = planVisibleSql(actor);
  const statusFilter = query.status ? Prisma.sql`AND p.status::text = ANY(${query.status}::text[])` : Prisma.empty;
  const [ids, totals] = await Promise.all([
    db().$queryRaw<{ id: string }[]>`SELECT p.id FROM remediation_plan p WHERE ${visible} ${statusFilter}
      ORDER BY p.created_at DESC, p.id DESC LIMIT ${query.pageSize} OFFSET ${(query.page - 1) * query.pageSize}`,
    db().$queryRaw<{ status: string; n: bigint }[]>`SELECT p.status::text AS status, count(*) AS n FROM remediation_plan p WHERE ${visible} GROUP BY p.status`,
  ]);
  const rows: PlanRow[] = ids.length ? await db().remediationPlan.findMany({ where: { id: { in: ids.map((r) => r.id) } }, orderBy: [{ createdAt: "desc" }, { id: "desc" }] }) : [];
  const statusCounts = Object.fromEntries(PLAN_STATUSES.map((s) => [s, 0])) as PlanList["statusCounts"];
  for (const t of totals) statusCounts[t.status as keyof typeof statusCounts] = Number(t.n);
  const total = query.status ? query.status.reduce((n, s) => n + statusCounts[s], 0) : Object.values(statusCounts).reduce((a, b) => a + b, 0);
  return { items: rows.map((r) => toPlanSummary(r, now)), total, page: query.page, pageSize: query.pageSize, statusCounts };
}
