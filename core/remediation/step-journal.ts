// Group commit for the rows an executing item writes: its claim, the start and end of each step, its outcome. A
// run keeps hundreds of items in flight, each writing a row or two a second; one statement (and one commit) per row
// cost more CPU than everything else the worker did. Here every kind of write is collected while the previous
// statement of that kind runs and then sent as one statement for all of them (node-postgres, no Prisma). Each
// caller still waits until its own row is committed before it goes on, so what the ledger guarantees is
// unchanged: a step is durably started before its Azure call and durably finished before the next step starts.
import { pgPool } from "../db/client";

interface Waiting<I, O> {
  input: I;
  resolve: (output: O) => void;
  reject: (err: unknown) => void;
}

/** The database failed under a batched write: the caller treats it like any lost connection (the job is retried). */
export class JournalError extends Error {
  constructor(override readonly cause: unknown) {
    super(`the remediation journal could not write: ${(cause as Error)?.message ?? String(cause)}`);
    this.name = "JournalError";
  }
}

/**
 * Collects inputs and runs them in batches, one batch at a time: the first input runs at once (on the next turn
 * of the event loop), inputs that arrive meanwhile wait for the next batch. `run` answers every input, in order.
 * Inputs with the same `key` never share a batch (one statement must not touch a row twice).
 */
export class Batcher<I, O> {
  private queue: Waiting<I, O>[] = [];
  private running = false;

  constructor(
    private readonly run: (inputs: I[]) => Promise<O[]>,
    private readonly key?: (input: I) => string,
    private readonly maxBatch = 1_000,
  ) {}

  submit(input: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.queue.push({ input, resolve, reject });
      if (!this.running) {
        this.running = true;
        setImmediate(() => void this.drain());
      }
    });
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const batch: Waiting<I, O>[] = [];
      const later: Waiting<I, O>[] = [];
      const keys = new Set<string>();
      for (const w of this.queue) {
        const k = this.key?.(w.input);
        if (batch.length >= this.maxBatch || (k !== undefined && keys.has(k))) later.push(w);
        else {
          if (k !== undefined) keys.add(k);
          batch.push(w);
        }
      }
      this.queue = later;
      try {
        const outputs = await this.run(batch.map((w) => w.input));
        batch.forEach((w, i) => w.resolve(outputs[i]!));
      } catch (err) {
        const failure = new JournalError(err);
        for (const w of batch) w.reject(failure);
      }
    }
    this.running = false;
  }
}

/** The columns of an item that executing it needs. */
export interface ItemRow {
  id: string;
  planId: string;
  status: string;
  attempts: number;
  action: unknown;
  before: unknown;
  dependsOn: number[];
}

export interface ItemClaim {
  itemId: string;
  /** The dispatch the job belongs to: the item is claimed only while it is RUNNING under this dispatch. */
  dispatch: number;
  /** This process's worker lock key (worker-lock.ts), null when it holds none. */
  owner: number | null;
}

const claims = new Batcher<ItemClaim, ItemRow | null>(
  async (inputs) => {
    const { rows } = await pgPool().query<{ id: string; plan_id: string; status: string; attempts: number; action: unknown; before: unknown; depends_on: number[] }>({
      name: "remediation-item-claim",
      text: `UPDATE remediation_item i SET lease_owner = f.owner
        FROM jsonb_to_recordset($1::jsonb) AS f(id uuid, dispatch int, owner int)
        WHERE i.id = f.id AND i.status = 'RUNNING' AND i.attempts = f.dispatch
        RETURNING i.id::text AS id, i.plan_id::text AS plan_id, i.status::text AS status, i.attempts, i.action, i.before, i.depends_on`,
      values: [JSON.stringify(inputs.map((c) => ({ id: c.itemId, dispatch: c.dispatch, owner: c.owner })))],
    });
    const byId = new Map(rows.map((r) => [r.id, r]));
    return inputs.map(({ itemId }) => {
      const r = byId.get(itemId);
      return r ? { id: r.id, planId: r.plan_id, status: r.status, attempts: r.attempts, action: r.action, before: r.before, dependsOn: r.depends_on } : null;
    });
  },
  (c) => c.itemId,
);

/**
 * Marks an item as executed by this process and reads it; null unless it is RUNNING under the job's dispatch
 * (batched with the other items starting now).
 */
export const claimItem = (claim: ItemClaim) => claims.submit(claim);

export interface StepStart {
  itemId: string;
  planId: string;
  name: string;
  key: string;
  startedAt: Date;
}

/** The step is running as this attempt, or it had already succeeded with this detail. */
export type StepStarted = { id: string; attempt: number } | { id: null; detail: Record<string, unknown> };

const starts = new Batcher<StepStart, StepStarted>(
  async (inputs) => {
    const { rows } = await pgPool().query<{ ord: number; id: string | null; attempt: number | null; detail: Record<string, unknown> | null }>({
      name: "remediation-step-start",
      // A succeeded step is never started again: the conflict leaves it alone and its detail is returned instead.
      text: `WITH input AS (
          SELECT * FROM jsonb_to_recordset($1::jsonb) AS t(ord int, item_id uuid, plan_id uuid, name text, key text, started_at timestamptz)
        ), started AS (
          INSERT INTO remediation_step (item_id, plan_id, name, key, status, attempt, started_at)
          SELECT item_id, plan_id, name, key, 'running', 1, started_at AT TIME ZONE 'UTC' FROM input
          ON CONFLICT (item_id, key) DO UPDATE SET status = 'running', attempt = remediation_step.attempt + 1, started_at = EXCLUDED.started_at,
            finished_at = NULL, duration_ms = NULL, outcome = NULL, error_code = NULL, error_message = NULL
          WHERE remediation_step.status <> 'succeeded'
          RETURNING id, item_id, key, attempt
        )
        SELECT i.ord, s.id::text AS id, s.attempt, d.detail
        FROM input i
        LEFT JOIN started s ON s.item_id = i.item_id AND s.key = i.key
        LEFT JOIN remediation_step d ON s.id IS NULL AND d.item_id = i.item_id AND d.key = i.key`,
      values: [JSON.stringify(inputs.map((s, ord) => ({ ord, item_id: s.itemId, plan_id: s.planId, name: s.name, key: s.key, started_at: s.startedAt.toISOString() })))],
    });
    const byOrd = new Map(rows.map((r) => [r.ord, r]));
    return inputs.map((_, ord) => {
      const r = byOrd.get(ord)!;
      return r.id !== null ? { id: r.id, attempt: r.attempt! } : { id: null, detail: r.detail ?? {} };
    });
  },
  (s) => `${s.itemId}|${s.key}`,
);

/** Starts a step, or finds it already succeeded (batched with the other steps starting now). */
export const startStep = (step: StepStart) => starts.submit(step);

export interface StepFinish {
  id: string;
  status: "succeeded" | "failed" | "stopped";
  finishedAt: Date;
  durationMs: number;
  outcome: string;
  errorCode?: string | null;
  errorMessage?: string | null;
  requestId?: string | null;
  correlationId?: string | null;
  /** Replaces the recorded detail when given. */
  detail?: unknown;
}

const finishes = new Batcher<StepFinish, void>(async (inputs) => {
  await pgPool().query({
    name: "remediation-step-finish",
    text: `UPDATE remediation_step s SET status = f.status, finished_at = f.finished_at AT TIME ZONE 'UTC', duration_ms = f.duration_ms,
        outcome = f.outcome, error_code = f.error_code, error_message = f.error_message,
        azure_request_id = coalesce(f.request_id, s.azure_request_id), correlation_id = coalesce(f.correlation_id, s.correlation_id),
        detail = coalesce(f.detail, s.detail)
      FROM jsonb_to_recordset($1::jsonb) AS f(id bigint, status text, finished_at timestamptz, duration_ms int, outcome text, error_code text,
        error_message text, request_id text, correlation_id text, detail jsonb)
      WHERE s.id = f.id`,
    values: [
      JSON.stringify(
        inputs.map((f) => ({
          id: f.id,
          status: f.status,
          finished_at: f.finishedAt.toISOString(),
          duration_ms: f.durationMs,
          outcome: f.outcome,
          error_code: f.errorCode ?? null,
          error_message: f.errorMessage ?? null,
          request_id: f.requestId ?? null,
          correlation_id: f.correlationId ?? null,
          detail: f.detail === undefined ? null : f.detail,
        })),
      ),
    ],
  });
  return inputs.map(() => undefined);
}, (f) => f.id);

/** Records a step's end (batched with the other steps ending now). */
export const finishStep = (finish: StepFinish) => finishes.submit(finish);

export interface ItemEnd {
  itemId: string;
  /** The dispatch that ran it: an item taken over since (a newer dispatch) is left alone. */
  dispatch: number;
  status: "SUCCEEDED" | "BACKUP_PENDING" | "NO_CHANGE" | "STALE" | "FAILED";
  errorCode: string | null;
  errorMessage: string | null;
  /** Replaces the item's result when given. */
  result?: Record<string, unknown>;
}

const ends = new Batcher<ItemEnd, void>(async (inputs) => {
  await pgPool().query({
    name: "remediation-item-end",
    text: `UPDATE remediation_item i SET status = f.status::item_status, finished_at = (now() AT TIME ZONE 'UTC'), lease_until = NULL,
        error_code = f.error_code, error_message = f.error_message, result = coalesce(f.result, i.result)
      FROM jsonb_to_recordset($1::jsonb) AS f(id uuid, dispatch int, status text, error_code text, error_message text, result jsonb)
      WHERE i.id = f.id AND i.status = 'RUNNING' AND i.attempts = f.dispatch`,
    values: [
      JSON.stringify(
        inputs.map((e) => ({ id: e.itemId, dispatch: e.dispatch, status: e.status, error_code: e.errorCode, error_message: e.errorMessage, result: e.result ?? null })),
      ),
    ],
  });
  return inputs.map(() => undefined);
}, (e) => e.itemId);

/** Records an item's outcome, if the item is still RUNNING under this dispatch (batched with the others ending now). */
export const endItem = (end: ItemEnd) => ends.submit(end);
