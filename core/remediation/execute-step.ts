// The step ledger: every action of an item is a remediation_step row keyed by (item, key). A retried item
// continues where it stopped: a step that succeeded returns its recorded detail and is never repeated.
import { recordAzureCalls, type AzureCall } from "../azure/call-log";
import { toAzureError } from "../azure/errors";
import { env } from "../config/env";
import { db, type Prisma } from "../db/client";
import { AppError } from "../errors";

export interface StepResult<T> {
  /** e.g. "created", "exists", "validated after 3 tries". */
  outcome: string;
  detail: T;
}

export interface StepItem {
  id: string;
  planId: string;
}

/** An Azure failure of a step, with what job history keeps of it. */
export class StepFailedError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly requestId: string | null,
  ) {
    super(message);
  }
}

/** Thrown inside a step's long wait when the run was paused or cancelled: the step is left unfinished, to run again on resume. */
export class StepStoppedError extends Error {
  constructor() {
    super("stopped: the run was paused or cancelled");
  }
}

/** What the step needs to know about an earlier, unfinished attempt of itself (e.g. whether it may have sent its write). */
export interface StepAttempt {
  /** 1 for the first attempt; more when an earlier one failed or was cut off. */
  attempt: number;
}

/** Runs one step unless it already succeeded; records start, end, duration, outcome, Azure's error and request ids. */
export async function runStep<T extends Record<string, unknown>>(
  item: StepItem,
  key: string,
  name: string,
  fn: (attempt: StepAttempt) => Promise<StepResult<T>>,
): Promise<T> {
  const existing = await db().remediationStep.findUnique({ where: { itemId_key: { itemId: item.id, key } } });
  if (existing?.status === "succeeded") return existing.detail as T;
  const startedAt = new Date();
  const attempt = existing ? existing.attempt + 1 : 1;
  const reset = { status: "running", attempt, startedAt, finishedAt: null, durationMs: null, outcome: null, errorCode: null, errorMessage: null };
  const step = existing
    ? await db().remediationStep.update({ where: { id: existing.id }, data: reset })
    : await db().remediationStep.upsert({
        where: { itemId_key: { itemId: item.id, key } },
        create: { itemId: item.id, planId: item.planId, name, key, status: "running", startedAt },
        update: reset,
      });
  try {
    const recorded = await recordAzureCalls(() => fn({ attempt }));
    const calls: AzureCall[] = recorded.calls;
    const last = lastIds(calls);
    const finishedAt = new Date();
    await db().remediationStep.update({
      where: { id: step.id },
      data: {
        status: "succeeded",
        finishedAt,
        durationMs: finishedAt.getTime() - startedAt.getTime(),
        outcome: recorded.result.outcome,
        azureRequestId: last.requestId,
        correlationId: last.correlationId,
        detail: { ...recorded.result.detail, azureCalls: calls.length } as Prisma.InputJsonValue,
      },
    });
    return recorded.result.detail;
  } catch (err) {
    if (err instanceof StepStoppedError) {
      const finishedAt = new Date();
      await db().remediationStep.update({ where: { id: step.id }, data: { status: "stopped", finishedAt, durationMs: finishedAt.getTime() - startedAt.getTime(), outcome: "stopped by pause or cancel" } });
      throw err;
    }
    const failure = describeFailure(err);
    const finishedAt = new Date();
    await db().remediationStep.update({
      where: { id: step.id },
      data: {
        status: "failed",
        finishedAt,
        durationMs: finishedAt.getTime() - startedAt.getTime(),
        outcome: "failed",
        errorCode: failure.code,
        errorMessage: failure.message.slice(0, 4000),
        azureRequestId: failure.requestId,
      },
    });
    throw err instanceof StepFailedError ? err : new StepFailedError(failure.code, failure.message, failure.requestId);
  }
}

function lastIds(calls: AzureCall[]): { requestId: string | null; correlationId: string | null } {
  for (let i = calls.length - 1; i >= 0; i--) if (calls[i]!.requestId) return { requestId: calls[i]!.requestId, correlationId: calls[i]!.correlationId };
  return { requestId: null, correlationId: null };
}

/** Azure's error code and message from whatever a step threw (an SDK RestError, a failed LRO, our own StepFailedError). */
export function describeFailure(err: unknown): { code: string; message: string; requestId: string | null } {
  if (err instanceof StepFailedError) return { code: err.code, message: err.message, requestId: err.requestId };
  const lro = lroFailure(err);
  if (lro) return { ...lro, requestId: null };
  const appError = err instanceof AppError ? err : toAzureError(err, env().AZURE_ENDPOINT ?? "");
  const details = appError.opts.details as { azureCode?: string; requestId?: string } | undefined;
  return { code: details?.azureCode ?? appError.code, message: appError.message, requestId: details?.requestId ?? null };
}

/** core-lro reports a failed operation as "The long-running operation has failed. <code>. <message>". */
export function lroFailure(err: unknown): { code: string; message: string } | undefined {
  const text = err instanceof Error ? err.message : "";
  const m = /^The long-running operation has failed\. ([A-Za-z0-9_.]+)\. ([\s\S]*)$/.exec(text);
  return m ? { code: m[1]!, message: `${m[1]}: ${m[2]}` } : undefined;
}
