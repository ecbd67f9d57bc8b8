// What the plan use cases share: finding a plan the actor may see (and locking it), who shaped its content, its
// stored selection, recomputing its hash from the stored items, and the approval check execution relies on.
import type { Actor } from "../auth/actor";
import { db, Prisma, type Db } from "../db/client";
import type { RemediationPlan } from "../db/generated/client";
import { AppError } from "../errors";
import { planContentHash, type HashedItem } from "./content-hash";
import { planOptionsSchema, type PlanOptions } from "./plan-types";
import { storedSelectionSchema, type StoredSelection } from "./schemas";

export type PlanRow = RemediationPlan;

/** SQL: the plan `p` touches only subscriptions the actor may act in (always true for unscoped actors). */
export function planVisibleSql(actor: Actor): Prisma.Sql {
  if (!actor.subscriptions) return Prisma.sql`TRUE`;
  return Prisma.sql`NOT EXISTS (SELECT 1 FROM remediation_item i WHERE i.plan_id = p.id AND NOT (i.subscription_id = ANY(${actor.subscriptions}::text[])))`;
}

/** The plan, if it exists and the actor may see it; NOT_FOUND otherwise (a plan outside one's scope reads as missing). */
export async function findPlanForActor(actor: Actor, planId: string, tx: Db = db(), { lock = false } = {}): Promise<PlanRow> {
  if (!/^[0-9a-f-]{36}$/i.test(planId)) throw new AppError("NOT_FOUND", `Plan ${planId} does not exist`);
  const rows = await tx.$queryRaw<{ id: string }[]>`SELECT p.id FROM remediation_plan p WHERE p.id = ${planId}::uuid AND ${planVisibleSql(actor)} ${lock ? Prisma.sql`FOR UPDATE OF p` : Prisma.empty}`;
  if (rows.length === 0) throw new AppError("NOT_FOUND", `Plan ${planId} does not exist`);
  return tx.remediationPlan.findUniqueOrThrow({ where: { id: planId } });
}

export const parseSelection = (plan: Pick<PlanRow, "selection">): StoredSelection => storedSelectionSchema.parse(plan.selection);
export const parseOptions = (plan: Pick<PlanRow, "options">): PlanOptions => planOptionsSchema.parse(plan.options);

/** The hash of the plan's content as stored now (items read in pages, so a 10,000-item plan never sits in memory twice). */
export async function storedContentHash(tx: Db, planId: string, options: PlanOptions): Promise<{ hash: string; items: HashedItem[] }> {
  const items: HashedItem[] = [];
  let after = 0;
  for (;;) {
    const page = await tx.remediationItem.findMany({
      where: { planId, seq: { gt: after } },
      orderBy: { seq: "asc" },
      take: 5000,
      select: { seq: true, kind: true, action: true, before: true, after: true, dependsOn: true, canary: true },
    });
    items.push(...page);
    if (page.length < 5000) break;
    after = page[page.length - 1]!.seq;
  }
  return { hash: planContentHash(items, options), items };
}

/**
 * Whether a plan may be executed now: APPROVED, the approved hash equal to the content hash, the approval not
 * expired. The executor checks this before it starts a run (and should recompute storedContentHash).
 */
export function approvalState(plan: Pick<PlanRow, "status" | "approvedHash" | "contentHash" | "approvalExpiresAt">, now = new Date()): { ok: true } | { ok: false; reason: string } {
  if (plan.status !== "APPROVED") return { ok: false, reason: `the plan is ${plan.status.toLowerCase().replace(/_/g, " ")}, not approved` };
  if (!plan.approvedHash || plan.approvedHash !== plan.contentHash) return { ok: false, reason: "the plan changed after it was approved" };
  if (!plan.approvalExpiresAt || plan.approvalExpiresAt.getTime() <= now.getTime()) return { ok: false, reason: "the approval has expired; edit and submit the plan again" };
  return { ok: true };
}

/** Who is one person: the same user id, or (for the CLI and tokens without one) the same label. */
export function samePerson(a: { id: string | null; label: string }, b: { id: string | null; label: string }): boolean {
  if (a.id && b.id) return a.id === b.id;
  return a.label === b.label;
}

/** Everyone who drafted or edited the plan's content (from the audit log): none of them may approve it. */
export async function planAuthors(tx: Db, plan: Pick<PlanRow, "id" | "createdBy" | "createdById">): Promise<{ id: string | null; label: string }[]> {
  const edits = await tx.auditEvent.findMany({
    where: { targetType: "plan", targetId: plan.id, action: { in: ["plan.draft", "plan.edit"] } },
    select: { actorId: true, actorLabel: true },
    distinct: ["actorId", "actorLabel"],
  });
  return [{ id: plan.createdById, label: plan.createdBy }, ...edits.map((e) => ({ id: e.actorId, label: e.actorLabel }))];
}

export const actorPerson = (actor: Actor) => ({ id: actor.userId, label: actor.label });
