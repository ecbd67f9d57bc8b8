// The bulk evaluation job: inventory + rules + exemptions + now -> verdicts. Servers are read in batches, the
// pure evaluator judges them, and only verdicts that changed are written, with a history row for each change
// of state. Daily aggregates are refreshed at the end.
import { createHash } from "node:crypto";
import { db, pgPool, type Prisma } from "../db/client";
import { copyRows, withPgTransaction } from "../db/copy-rows";
import { AppError } from "../errors";
import { log } from "../log";
import { buildEvaluationContext, evaluateServer } from "../rules/evaluate";
import type { Verdict } from "../rules/verdict";
import type { InventoryServer } from "../inventory/types";
import { loadInventorySetup } from "./load-inventory-setup";
import { loadExemptions, loadRules } from "./load-rules";
import { notifyDrift } from "../notifications/notify-drift";

const BATCH = 5_000;

export interface EvaluationResult {
  runId: string;
  servers: number;
  changed: number;
  counts: Record<string, number>;
  durationMs: number;
}

/** The stored hash of a verdict: SHA-1 of its JSON, as every stored verdict was hashed. */
const hashOf = (json: string) => createHash("sha1").update(json).digest("base64url");

/** Runs one evaluation for a queued EvaluationRun; a run already finished is left alone. */
export async function runEvaluation(runId: string, { attempt, maxAttempts }: { attempt: number; maxAttempts: number }): Promise<EvaluationResult | null> {
  const run = await db().evaluationRun.findUnique({ where: { id: runId } });
  if (!run) throw new AppError("NOT_FOUND", `Evaluation run ${runId} does not exist`);
  if (run.status !== "QUEUED" && run.status !== "RUNNING") return null;
  const started = Date.now();
  await db().evaluationRun.update({ where: { id: runId }, data: { status: "RUNNING", startedAt: new Date(started), error: null } });
  try {
    const result = await evaluateFleet(runId, new Date(started));
    await db().evaluationRun.update({
      where: { id: runId },
      data: { status: "SUCCEEDED", finishedAt: new Date(), servers: result.servers, changed: result.changed, counts: result.counts, ruleRevisions: result.ruleRevisions },
    });
    log().info({ runId, servers: result.servers, changed: result.changed, ms: Date.now() - started }, "evaluation finished");
    // After the run is recorded: a notification failure never fails the evaluation (notify() logs and goes on).
    await notifyDrift(runId).catch((err: Error) => log().error({ runId, err: err.message }, "drift notification failed"));
    return { runId, servers: result.servers, changed: result.changed, counts: result.counts, durationMs: Date.now() - started };
  } catch (err) {
    const retry = attempt < maxAttempts;
    const message = err instanceof Error ? err.message : String(err);
    await db().evaluationRun.update({
      where: { id: runId },
      data: retry ? { status: "QUEUED", error: `Attempt ${attempt} of ${maxAttempts} failed, retrying: ${message}` } : { status: "FAILED", finishedAt: new Date(), error: message },
    });
    throw err;
  }
}

interface StoredVerdictRef {
  hash: string | null;
  previousState: string | null;
}

interface VerdictWrite {
  verdict: Verdict;
  /** The verdict serialised once: hashed, then written as is. */
  json: string;
  hash: string;
  fromState: string | null;
}

/**
 * Every live server with its current verdict's hash and state, in batches, through one cursor: a single pass
 * whatever the planner's statistics say. (Keyset pages re-planned per batch went to a sequential scan and sort
 * of the rest of the table each time when the statistics still described an empty table, right after a first scan.)
 */
async function* readServers(): AsyncGenerator<(InventoryServer & StoredVerdictRef)[]> {
  const client = await pgPool().connect();
  let broken: Error | undefined;
  let open = false;
  try {
    await client.query("BEGIN READ ONLY");
    open = true;
    await client.query(
      `DECLARE live_servers NO SCROLL CURSOR FOR
       SELECT s.id, s.arm_id AS "armId", s.name, s.subscription_id AS "subscriptionId", s.resource_group AS "resourceGroup",
              s.location, s.version, s.sku_name AS "skuName", s.sku_tier AS "skuTier", s.state, s.tags,
              v.hash, v.state AS "previousState"
       FROM server s LEFT JOIN server_verdict v ON v.server_id = s.id
       WHERE s.deleted_at IS NULL`,
    );
    for (;;) {
      const { rows } = await client.query<InventoryServer & StoredVerdictRef>(`FETCH ${BATCH} FROM live_servers`);
      if (rows.length === 0) break;
      yield rows;
    }
    await client.query("COMMIT");
    open = false;
  } finally {
    // Stopped early (an error while evaluating) or failed: end the transaction before the connection goes back.
    if (open) await client.query("ROLLBACK").catch((e: Error) => (broken = e));
    client.release(broken);
  }
}

async function evaluateFleet(runId: string, now: Date) {
  // Read, evaluate and write overlap: the next batch is read and the previous one written while this one is
  // judged, so Postgres and the evaluator work at the same time. Waits are what the phases record.
  const timings = { loadMs: 0, readWaitMs: 0, evaluateMs: 0, writeWaitMs: 0, aggregateMs: 0 };
  const timed = async <T>(key: keyof typeof timings, work: () => Promise<T> | T): Promise<T> => {
    const t = performance.now();
    try {
      return await work();
    } finally {
      timings[key] += performance.now() - t;
    }
  };
  const [rules, exemptions, setup] = await timed("loadMs", () => Promise.all([loadRules(), loadExemptions(), loadInventorySetup()]));
  const ctx = await timed("loadMs", () => buildEvaluationContext({ rules, exemptions, ...setup }));

  let servers = 0;
  let changed = 0;
  const batches = readServers();
  let reading = batches.next();
  let writing: Promise<void> | null = null;
  try {
    for (;;) {
      const next = await timed("readWaitMs", () => reading);
      if (next.done) break;
      const batch = next.value;
      reading = batches.next();
      // Awaited on the next turn; a failure in between must not become an unhandled rejection.
      reading.catch(() => {});
      servers += batch.length;
      const writes = await timed("evaluateMs", () => {
        const out: VerdictWrite[] = [];
        for (const row of batch) {
          const { hash: previousHash, previousState, ...server } = row;
          const verdict = evaluateServer(ctx, server, now);
          const json = JSON.stringify(verdict);
          const hash = hashOf(json);
          if (previousHash !== hash) out.push({ verdict, json, hash, fromState: previousState });
        }
        return out;
      });
      if (writing) await timed("writeWaitMs", () => writing);
      writing = writes.length ? writeVerdicts(runId, now, writes) : null;
      writing?.catch(() => {});
      changed += writes.length;
    }
    if (writing) await timed("writeWaitMs", () => writing);
  } finally {
    // On failure, let the batch in flight settle and close the cursor before the run is marked failed or retried.
    await Promise.allSettled([reading, writing]);
    await batches.return(undefined);
  }
  const counts = await timed("aggregateMs", () => refreshAggregates(now));
  log().info({ runId, servers, changed, ...Object.fromEntries(Object.entries(timings).map(([k, v]) => [k, Math.round(v)])) }, "evaluation phases");
  return { servers, changed, counts, ruleRevisions: Object.fromEntries(rules.map((r) => [r.id, r.revision])) as Prisma.InputJsonValue };
}

let lz4: Promise<boolean> | undefined;
/**
 * Whether this Postgres was built with lz4. A verdict (~2.6 KB of JSON) is compressed once, when it lands in the
 * staging table, and moves into server_verdict as it is: lz4 costs a fraction of the default pglz's CPU.
 */
function lz4Available(): Promise<boolean> {
  return (lz4 ??= pgPool()
    .query<{ ok: boolean }>(`SELECT 'lz4' = ANY(enumvals) AS ok FROM pg_settings WHERE name = 'default_toast_compression'`)
    .then((r) => r.rows[0]?.ok === true, () => false));
}

const STAGED_COLUMNS = ["server_id", "state", "rule_id", "revision", "hash", "from_state", "verdict"] as const;

/**
 * Upserts changed verdicts and appends a timeline row for each change of state, in one transaction per batch.
 * The rows are COPied into a temporary table (each verdict parsed once by Postgres) and moved from there
 * with one statement per table.
 */
async function writeVerdicts(runId: string, now: Date, writes: VerdictWrite[]): Promise<void> {
  const at = now.toISOString();
  await withPgTransaction(pgPool(), async (client) => {
    // Verdicts are derived data the next run recomputes: a crash losing the last batches' commit costs nothing.
    await client.query("SET LOCAL synchronous_commit = off");
    const compression = (await lz4Available()) ? " COMPRESSION lz4" : "";
    await client.query(`CREATE TEMPORARY TABLE verdict_batch (server_id uuid, state text, rule_id uuid, revision int, hash text, from_state text, verdict jsonb${compression}) ON COMMIT DROP`);
    await copyRows(client, "verdict_batch", STAGED_COLUMNS, (function* () {
      for (const w of writes) yield [w.verdict.serverId, w.verdict.state, w.verdict.governingRule?.id ?? null, w.verdict.governingRule?.revision ?? null, w.hash, w.fromState, w.json];
    })());
    await client.query(
      `INSERT INTO server_verdict (server_id, state, governing_rule_id, rule_revision, verdict, hash, state_since, evaluated_at, run_id)
       SELECT b.server_id, b.state, b.rule_id, b.revision, b.verdict, b.hash, $1::timestamp, $1::timestamp, $2::uuid
       FROM verdict_batch b
       ON CONFLICT (server_id) DO UPDATE SET
         state_since = CASE WHEN server_verdict.state = EXCLUDED.state THEN server_verdict.state_since ELSE EXCLUDED.state_since END,
         state = EXCLUDED.state, governing_rule_id = EXCLUDED.governing_rule_id, rule_revision = EXCLUDED.rule_revision,
         verdict = EXCLUDED.verdict, hash = EXCLUDED.hash, evaluated_at = EXCLUDED.evaluated_at, run_id = EXCLUDED.run_id`,
      [at, runId],
    );
    // A change of state (or a first verdict) is a timeline row; reasons come from the verdict as written.
    await client.query(
      `INSERT INTO verdict_change (server_id, at, from_state, to_state, governing_rule_id, rule_revision, reasons, run_id)
       SELECT b.server_id, $1::timestamp, b.from_state, b.state, b.rule_id, b.revision, b.verdict -> 'reasons', $2::uuid
       FROM verdict_batch b WHERE b.from_state IS DISTINCT FROM b.state`,
      [at, runId],
    );
  });
}

/**
 * Recomputes today's servers-per-state figures, overall and by rule, subscription and region; returns the overall counts.
 * On the pool rather than in a Prisma transaction: at 100,000 servers on a busy machine it can outlast Prisma's 5 s limit.
 */
async function refreshAggregates(now: Date): Promise<Record<string, number>> {
  const day = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate())).toISOString().slice(0, 10);
  const overall = await withPgTransaction(pgPool(), async (client) => {
    await client.query(`DELETE FROM daily_aggregate WHERE day = $1::date`, [day]);
    await client.query(
      `INSERT INTO daily_aggregate (day, dimension, key, state, count)
       SELECT $1::date, d.dimension, d.key, d.state, count(*)::int
       FROM server_verdict v JOIN server s ON s.id = v.server_id AND s.deleted_at IS NULL
       CROSS JOIN LATERAL (VALUES ('all', '', v.state), ('rule', coalesce(v.governing_rule_id::text, ''), v.state),
                                  ('subscription', s.subscription_id, v.state), ('region', s.location, v.state)) AS d(dimension, key, state)
       GROUP BY d.dimension, d.key, d.state`,
      [day],
    );
    return (await client.query<{ state: string; count: number }>(`SELECT state, count FROM daily_aggregate WHERE day = $1::date AND dimension = 'all'`, [day])).rows;
  });
  return Object.fromEntries(overall.map((a) => [a.state, a.count]));
}
