// The step ledger: every action of an item is a remediation_step row keyed by (item, key). A retried item
// continues where it stopped: a step that succeeded returns its recorded detail and is never repeated.
import { recordAzureCalls, type AzureCall } from "../azure/call-log";
import { toAzureError } from "../azure/errors";
import { env } from "../config/env";
import { AppError } from "../errors";
import { LroFailedError } from "../azure/lro";
import { finishStep, startStep, type StepFinish } from "./step-journal";

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
  // The start is committed before the step acts (a succeeded step is never started again); steps of all the items
  // this process executes are written together (step-journal.ts).
  const startedAt = new Date();
  const step = await startStep({ itemId: item.id, planId: item.planId, name, key, startedAt });
  if (step.id === null) return step.detail as T;
  const stepId = step.id;
  const finish = (fields: Omit<StepFinish, "id" | "finishedAt" | "durationMs">) => {
    const finishedAt = new Date();
    return finishStep({ id: stepId, finishedAt, durationMs: finishedAt.getTime() - startedAt.getTime(), ...fields });
  };
  let recorded: { result: StepResult<T>; calls: AzureCall[] };
  try {
    recorded = await recordAzureCalls(() => fn({ attempt: step.attempt }));
  } catch (err) {
    if (err instanceof StepStoppedError) {
      await finish({ status: "stopped", outcome: "stopped by pause or cancel" });
      throw err;
    }
    const failure = describeFailure(err);
    await finish({ status: "failed", outcome: "failed", errorCode: failure.code, errorMessage: failure.message.slice(0, 4000), requestId: failure.requestId });
    throw err instanceof StepFailedError ? err : new StepFailedError(failure.code, failure.message, failure.requestId);
  }
  const last = lastIds(recorded.calls);
  await finish({
    status: "succeeded",
    outcome: recorded.result.outcome,
    requestId: last.requestId,
    correlationId: last.correlationId,
    detail: { ...recorded.result.detail, azureCalls: recorded.calls.length },
  });
  return recorded.result.detail;
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

/** A failed long-running operation: "The long-running operation has failed. <code>. <message>" (lro.ts, as core-lro). */
export function lroFailure(err: unknown): { code: string; message: string } | undefined {
  if (err instanceof LroFailedError) return { code: err.code, message: `${err.code}: ${err.error?.message ?? `the operation ended ${err.status}`}` };
  const text = err instanceof Error ? err.message : "";
  const m = /^The long-running operation has failed\. ([A-Za-z0-9_.]+)\. ([\s\S]*)$/.exec(text);
  return m ? { code: m[1]!, message: `${m[1]}: ${m[2]}` } : undefined;
}
