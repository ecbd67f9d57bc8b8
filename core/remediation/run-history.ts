// Job history of a run: every item and step with start, end, duration, outcome, Azure error and request ids,
// as CSV or JSON, streamed page by page; and the retention that deletes old history.
import { db } from "../db/client";
import { env } from "../config/env";
import { log } from "../log";

export const HISTORY_COLUMNS = [
  "item_seq", "item_kind", "item_status", "server", "subscription_id", "item_started_at", "item_finished_at", "item_error_code", "item_error_message",
  "step_name", "step_key", "step_status", "step_attempt", "step_started_at", "step_finished_at", "step_duration_ms", "step_outcome",
  "step_error_code", "step_error_message", "azure_request_id", "correlation_id",
] as const;

const PAGE = 500;

interface HistoryItem {
  seq: number;
  kind: string;
  status: string;
  server: string | null;
  subscriptionId: string;
  startedAt: Date | null;
  finishedAt: Date | null;
  errorCode: string | null;
  errorMessage: string | null;
  result: unknown;
  steps: {
    name: string; key: string; status: string; attempt: number; startedAt: Date; finishedAt: Date | null; durationMs: number | null;
    outcome: string | null; errorCode: string | null; errorMessage: string | null; azureRequestId: string | null; correlationId: string | null;
  }[];
}

/** The run's items with their steps, in item order, a page at a time. */
export async function* historyItems(planId: string): AsyncGenerator<HistoryItem> {
  for (let after = -1; ; ) {
    const items = await db().remediationItem.findMany({
      where: { planId, seq: { gt: after } },
      orderBy: { seq: "asc" },
      take: PAGE,
      select: {
        seq: true, kind: true, status: true, subscriptionId: true, startedAt: true, finishedAt: true, errorCode: true, errorMessage: true, action: true, result: true,
        steps: { orderBy: { id: "asc" }, select: { name: true, key: true, status: true, attempt: true, startedAt: true, finishedAt: true, durationMs: true, outcome: true, errorCode: true, errorMessage: true, azureRequestId: true, correlationId: true } },
      },
    });
    for (const i of items) {
      const action = i.action as { server?: { armId?: string }; name?: string; policyName?: string };
      yield { ...i, server: action.server?.armId ?? action.name ?? action.policyName ?? null };
    }
    if (items.length < PAGE) return;
    after = items[items.length - 1]!.seq;
  }
}

const csvCell = (v: unknown): string => {
  if (v === null || v === undefined) return "";
  let s = v instanceof Date ? v.toISOString() : String(v);
  // Cells a spreadsheet would run as a formula are quoted as text.
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

/** The history as CSV: one line per step (an item without steps has one line of its own). */
export async function* historyCsv(planId: string): AsyncGenerator<string> {
  yield `${HISTORY_COLUMNS.join(",")}\n`;
  for await (const i of historyItems(planId)) {
    const itemCells = [i.seq, i.kind, i.status, i.server, i.subscriptionId, i.startedAt, i.finishedAt, i.errorCode, i.errorMessage];
    const steps = i.steps.length ? i.steps : [null];
    let chunk = "";
    for (const s of steps) {
      const stepCells = s ? [s.name, s.key, s.status, s.attempt, s.startedAt, s.finishedAt, s.durationMs, s.outcome, s.errorCode, s.errorMessage, s.azureRequestId, s.correlationId] : Array(12).fill(null);
      chunk += `${[...itemCells, ...stepCells].map(csvCell).join(",")}\n`;
    }
    yield chunk;
  }
}

/** The history as one JSON document: { planId, items: [{ ..., steps: [...] }] }, streamed. */
export async function* historyJson(planId: string): AsyncGenerator<string> {
  yield `{"planId":${JSON.stringify(planId)},"items":[`;
  let first = true;
  for await (const i of historyItems(planId)) {
    yield `${first ? "" : ","}${JSON.stringify(i)}`;
    first = false;
  }
  yield "]}";
}

/**
 * Deletes the items and steps of runs that finished more than REMEDIATION_HISTORY_RETENTION_DAYS ago (0 keeps them
 * forever). The plan row stays, with its final counts.
 */
export async function pruneRunHistory(now = new Date(), days = env().REMEDIATION_HISTORY_RETENTION_DAYS): Promise<{ plans: number; items: number }> {
  if (days <= 0) return { plans: 0, items: 0 };
  const cutoff = new Date(now.getTime() - days * 86_400_000);
  const plans = await db().remediationPlan.findMany({ where: { finishedAt: { lt: cutoff }, status: { in: ["SUCCEEDED", "FAILED", "CANCELLED"] }, items: { some: {} } }, select: { id: true } });
  let items = 0;
  for (const p of plans) items += (await db().remediationItem.deleteMany({ where: { planId: p.id } })).count;
  if (plans.length) log().info({ plans: plans.length, items, cutoff }, "remediation history pruned");
  return { plans: plans.length, items };
}
