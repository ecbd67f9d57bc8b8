// The step ledger: every action of an item is a remediation_step row keyed by (item, key). A retried item
// continues where it stopped: a step that succeeded returns its recorded detail and is never repeated.
import { recordAzureCalls, type AzureCall } from "../azure/call-log";
import { toAzureError } from "../azure/errors";
import { env } from "../config/env";
import { db, Prisma } from "../db/client";
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
  // One statement starts the step, or finds it finished: a succeeded step is never started again.
  const startedAt = new Date();
  const [step] = await db().$queryRaw<{ id: bigint; attempt: number }[]>`
    INSERT INTO remediation_step (item_id, plan_id, name, key, status, attempt, started_at)
    VALUES (${item.id}::uuid, ${item.planId}::uuid, ${name}, ${key}, 'running', 1, ${utc(startedAt)})
    ON CONFLICT (item_id, key) DO UPDATE SET status = 'running', attempt = remediation_step.attempt + 1, started_at = EXCLUDED.started_at,
      finished_at = NULL, duration_ms = NULL, outcome = NULL, error_code = NULL, error_message = NULL
    WHERE remediation_step.status <> 'succeeded'
    RETURNING id, attempt`;
  if (!step) {
    const [done] = await db().$queryRaw<{ detail: T }[]>`SELECT detail FROM remediation_step WHERE item_id = ${item.id}::uuid AND key = ${key}`;
    return done!.detail;
  }
  const attempt = step.attempt;
  const finish = async (fields: { status: string; outcome: string; errorCode?: string | null; errorMessage?: string | null; requestId?: string | null; correlationId?: string | null; detail?: unknown }) => {
    const finishedAt = new Date();
    await db().$executeRaw`
      UPDATE remediation_step SET status = ${fields.status}, finished_at = ${utc(finishedAt)}, duration_ms = ${finishedAt.getTime() - startedAt.getTime()}::int,
        outcome = ${fields.outcome}, error_code = ${fields.errorCode ?? null}, error_message = ${fields.errorMessage ?? null},
        azure_request_id = coalesce(${fields.requestId ?? null}, azure_request_id), correlation_id = coalesce(${fields.correlationId ?? null}, correlation_id),
        detail = coalesce(${fields.detail === undefined ? null : JSON.stringify(fields.detail)}::jsonb, detail)
      WHERE id = ${step.id}`;
  };
  try {
    const recorded = await recordAzureCalls(() => fn({ attempt }));
    const calls: AzureCall[] = recorded.calls;
    const last = lastIds(calls);
    await finish({ status: "succeeded", outcome: recorded.result.outcome, requestId: last.requestId, correlationId: last.correlationId, detail: { ...recorded.result.detail, azureCalls: calls.length } });
    return recorded.result.detail;
  } catch (err) {
    if (err instanceof StepStoppedError) {
      await finish({ status: "stopped", outcome: "stopped by pause or cancel" });
      throw err;
    }
    const failure = describeFailure(err);
    await finish({ status: "failed", outcome: "failed", errorCode: failure.code, errorMessage: failure.message.slice(0, 4000), requestId: failure.requestId });
    throw err instanceof StepFailedError ? err : new StepFailedError(failure.code, failure.message, failure.requestId);
  }
}

/** A time for Prisma's DateTime columns (timestamp without time zone, holding UTC), whatever the session's time zone. */
const utc = (d: Date) => Prisma.sql`(${d.toISOString()}::timestamptz AT TIME ZONE 'UTC')`;

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
