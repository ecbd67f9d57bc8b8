// Editing a plan before it runs: rename, remove items, change options. Any change to the content bumps the
// revision, recomputes the hash and voids an approval (an approved or rejected plan goes back to DRAFT; one awaiting
// approval keeps waiting, and the approver must approve the new hash). Changing createVaultsIn re-drafts the items
// from the current verdicts, leaving out servers removed earlier.
import { recordAudit } from "../audit/record-audit";
import { authorize, type Actor } from "../auth/actor";
import { db, type Db } from "../db/client";
import { AppError, fieldIssuesError } from "../errors";
import { markCanary, type DraftItem } from "./build-items";
import { buildPlanContent, countsOf, insertItems, summaryOf, toJson, withHash } from "./draft-plan";
import { findPlanForActor, parseOptions, parseSelection, storedContentHash } from "./plan-store";
import { editPlanInputSchema, resolveOptions, type EditPlanInput } from "./schemas";

export const EDITABLE_STATUSES = ["DRAFT", "AWAITING_APPROVAL", "APPROVED", "REJECTED"] as const;

export interface EditedPlan {
  id: string;
  revision: number;
  status: string;
  contentHash: string;
  itemCount: number;
  removed: number;
  approvalVoided: boolean;
}

/** Applies an edit made against `revision`; 409 when someone saved a newer revision or the plan has started. */
export async function editPlan(actor: Actor, planId: string, raw: EditPlanInput): Promise<EditedPlan> {
  authorize(actor, "plans:draft");
  const input = editPlanInputSchema.parse(raw);
  return db().$transaction(
    async (tx) => {
      const plan = await findPlanForActor(actor, planId, tx, { lock: true });
      if (!(EDITABLE_STATUSES as readonly string[]).includes(plan.status))
        throw new AppError("CONFLICT", `Plan ${planId} is ${plan.status.toLowerCase()}; only plans that have not started can be edited`);
      if (plan.revision !== input.revision)
        throw new AppError("CONFLICT", `Plan ${planId} is at revision ${plan.revision}, not ${input.revision}: it changed since you loaded it (last change by ${plan.decidedBy ?? plan.createdBy}); reload and edit again`);

      const selection = parseSelection(plan);
      const oldOptions = parseOptions(plan);
      const options = input.options ? resolveOptions(input.options, oldOptions) : oldOptions;
      const removeSeqs = [...new Set(input.removeItems ?? [])];
      let removed = 0;
      let summary = (plan.selection as { summary?: unknown }).summary;

      if (removeSeqs.length > 0) {
        const rows = await tx.remediationItem.findMany({ where: { planId, seq: { in: removeSeqs } }, select: { seq: true, serverId: true } });
        const found = new Set(rows.map((r) => r.seq));
        const unknown = removeSeqs.filter((s) => !found.has(s));
        if (unknown.length) throw fieldIssuesError([{ field: "removeItems", reason: `the plan has no item ${unknown.slice(0, 10).join(", ")}${unknown.length > 10 ? " ..." : ""}` }]);
        // An item others depend on (a vault or policy to create) goes only together with them.
        const dependents = await tx.remediationItem.findMany({
          where: { planId, dependsOn: { hasSome: removeSeqs }, seq: { notIn: removeSeqs } },
          select: { seq: true },
          take: 11,
          orderBy: { seq: "asc" },
        });
        if (dependents.length)
          throw fieldIssuesError([{ field: "removeItems", reason: `items ${dependents.slice(0, 10).map((d) => d.seq).join(", ")}${dependents.length > 10 ? " ..." : ""} depend on items being removed; remove them too` }]);
        removed = (await tx.remediationItem.deleteMany({ where: { planId, seq: { in: removeSeqs } } })).count;
        selection.excludedServerIds = [...new Set([...selection.excludedServerIds, ...rows.flatMap((r) => (r.serverId ? [r.serverId] : []))])];
      }

      const redraft = input.options?.createVaultsIn !== undefined && input.options.createVaultsIn.join(",") !== oldOptions.createVaultsIn.join(",");
      let contentHash: string;
      let itemCount: number;
      let estimateSeconds: number;
      let counts: unknown;
      if (redraft) {
        const content = await buildPlanContent(actor, { selection: selection.selection, options, vaultStorageType: selection.vaultStorageType, excludedServerIds: selection.excludedServerIds }, tx);
        if (content.items.length === 0) throw new AppError("CONFLICT", "With these options the plan would have no items; nothing was changed");
        await tx.remediationItem.deleteMany({ where: { planId } });
        await insertItems(tx, planId, content.items);
        contentHash = content.contentHash;
        itemCount = content.items.length;
        estimateSeconds = content.estimate.seconds;
        counts = countsOf(content.items);
        summary = summaryOf(content);
      } else {
        // Options that live in the items: firstBackup in protect actions, the canary marks.
        if (options.firstBackup !== oldOptions.firstBackup || options.canarySize !== oldOptions.canarySize) await rewriteItemOptions(tx, planId, options.firstBackup, options.canarySize);
        const { items } = await storedContentHash(tx, planId, options);
        if (items.length === 0) throw new AppError("CONFLICT", "An edit may not remove every item; delete the plan instead");
        const content = withHash({ items: items as DraftItem[], skipped: {}, regionsWithoutVault: [] }, options);
        contentHash = content.contentHash;
        itemCount = items.length;
        const estimate = content.estimate;
        estimateSeconds = estimate.seconds;
        const statuses = await tx.remediationItem.groupBy({ by: ["status"], where: { planId }, _count: true });
        counts = { kinds: content.kinds, statuses: Object.fromEntries(statuses.map((s) => [s.status, s._count])) };
        summary = { ...(summary as object), kinds: content.kinds, estimate };
      }

      const contentChanged = contentHash !== plan.contentHash;
      const approvalVoided = contentChanged && plan.status === "APPROVED";
      const status = !contentChanged ? plan.status : plan.status === "AWAITING_APPROVAL" ? "AWAITING_APPROVAL" : "DRAFT";
      const updated = await tx.remediationPlan.update({
        where: { id: planId },
        data: {
          name: input.name ?? plan.name,
          revision: plan.revision + 1,
          options: toJson(options),
          selection: toJson({ ...selection, summary }),
          contentHash,
          itemCount,
          estimateSeconds,
          counts: toJson(counts),
          status,
          updatedAt: new Date(),
          ...(contentChanged ? { approvedHash: null, approvalExpiresAt: null, decidedBy: null, decidedById: null, decidedAt: null, decisionComment: null } : {}),
        },
      });
      await recordAudit(
        actor,
        {
          action: "plan.edit",
          targetType: "plan",
          targetId: planId,
          before: { name: plan.name, revision: plan.revision, status: plan.status, contentHash: plan.contentHash, options: oldOptions, itemCount: plan.itemCount },
          after: { name: updated.name, revision: updated.revision, status: updated.status, contentHash, options, itemCount, removedItems: removeSeqs, approvalVoided },
        },
        tx,
      );
      return { id: planId, revision: updated.revision, status: updated.status, contentHash, itemCount, removed, approvalVoided };
    },
    { timeout: 300_000, maxWait: 30_000 },
  );
}

/** Sets firstBackup in every protect action and re-marks the canary items (the first `canarySize` executable ones). */
async function rewriteItemOptions(tx: Db, planId: string, firstBackup: boolean, canarySize: number) {
  await tx.$executeRaw`UPDATE remediation_item SET action = jsonb_set(action, '{firstBackup}', to_jsonb(${firstBackup}::boolean))
    WHERE plan_id = ${planId}::uuid AND kind = 'protectServer'`;
  const items = await tx.remediationItem.findMany({ where: { planId }, select: { id: true, seq: true, kind: true, canary: true }, orderBy: { seq: "asc" } });
  const marked = markCanary(items, canarySize);
  const on = marked.filter((m) => m.canary).map((m) => m.id);
  await tx.remediationItem.updateMany({ where: { planId, canary: true, id: { notIn: on } }, data: { canary: false } });
  if (on.length) await tx.remediationItem.updateMany({ where: { id: { in: on } }, data: { canary: true } });
}
