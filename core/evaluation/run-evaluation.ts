// The bulk evaluation job: inventory + rules + exemptions + now -> verdicts. Servers are read in batches, the
// pure evaluator judges them, and only verdicts that changed are written, with a history row for each change
// of state. Daily aggregates are refreshed at the end.
import { createHash } from "node:crypto";
import { db, type Prisma } from "../db/client";
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

const hashOf = (verdict: Verdict) => createHash("sha1").update(JSON.stringify(verdict)).digest("base64url");

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

async function evaluateFleet(runId: string, now: Date) {
  const timings = { loadMs: 0, evaluateMs: 0, readVerdictsMs: 0, writeMs: 0, aggregateMs: 0 };
  let mark = performance.now();
  const lap = (key: keyof typeof timings) => {
    const t = performance.now();
    timings[key] += t - mark;
    mark = t;
  };
  const [rules, exemptions, setup] = await Promise.all([loadRules(), loadExemptions(), loadInventorySetup()]);
  const ctx = buildEvaluationContext({ rules, exemptions, ...setup });
  lap("loadMs");

  let servers = 0;
  let changed = 0;
  let cursor = "00000000-0000-0000-0000-000000000000";
  for (;;) {
    // Each server with its current verdict's hash and state, in one round trip.
    const batch = await db().$queryRaw<(InventoryServer & { hash: string | null; previousState: string | null })[]>`
      SELECT s.id, s.arm_id AS "armId", s.name, s.subscription_id AS "subscriptionId", s.resource_group AS "resourceGroup",
             s.location, s.version, s.sku_name AS "skuName", s.sku_tier AS "skuTier", s.state, s.tags,
             v.hash, v.state AS "previousState"
      FROM server s LEFT JOIN server_verdict v ON v.server_id = s.id
      WHERE s.deleted_at IS NULL AND s.id > ${cursor}::uuid
      ORDER BY s.id LIMIT ${BATCH}`;
    if (batch.length === 0) break;
    cursor = batch[batch.length - 1]!.id;
    servers += batch.length;
    lap("readVerdictsMs");
    const writes: { verdict: Verdict; hash: string; fromState: string | null }[] = [];
    for (const row of batch) {
      const { hash: previousHash, previousState, ...server } = row;
      const verdict = evaluateServer(ctx, server, now);
      const hash = hashOf(verdict);
      if (previousHash !== hash) writes.push({ verdict, hash, fromState: previousState });
    }
    lap("evaluateMs");
    if (writes.length) await writeVerdicts(runId, now, writes);
    lap("writeMs");
    changed += writes.length;
  }
  const counts = await refreshAggregates(now);
  lap("aggregateMs");
  log().info({ runId, servers, changed, ...Object.fromEntries(Object.entries(timings).map(([k, v]) => [k, Math.round(v)])) }, "evaluation phases");
  return { servers, changed, counts, ruleRevisions: Object.fromEntries(rules.map((r) => [r.id, r.revision])) as Prisma.InputJsonValue };
}

/**
 * Upserts changed verdicts and appends a timeline row for each change of state, in one transaction per batch.
 * The rows travel as one JSON document per statement: Postgres parses it once, where text arrays of JSON
 * would be escaped element by element on both sides.
 */
async function writeVerdicts(runId: string, now: Date, writes: { verdict: Verdict; hash: string; fromState: string | null }[]): Promise<void> {
  const rows = JSON.stringify(
    writes.map((w) => ({ server_id: w.verdict.serverId, state: w.verdict.state, rule_id: w.verdict.governingRule?.id ?? null, revision: w.verdict.governingRule?.revision ?? null, hash: w.hash, verdict: w.verdict })),
  );
  const changes = JSON.stringify(
    writes
      .filter((w) => w.fromState !== w.verdict.state)
      .map((w) => ({ server_id: w.verdict.serverId, from_state: w.fromState, to_state: w.verdict.state, rule_id: w.verdict.governingRule?.id ?? null, revision: w.verdict.governingRule?.revision ?? null, reasons: w.verdict.reasons })),
  );
  await db().$transaction([
    db().$executeRaw`
      INSERT INTO server_verdict (server_id, state, governing_rule_id, rule_revision, verdict, hash, state_since, evaluated_at, run_id)
      SELECT r.server_id, r.state, r.rule_id, r.revision, r.verdict, r.hash, ${now}, ${now}, ${runId}::uuid
      FROM jsonb_to_recordset(${rows}::jsonb) AS r(server_id uuid, state text, rule_id uuid, revision int, hash text, verdict jsonb)
      ON CONFLICT (server_id) DO UPDATE SET
        state_since = CASE WHEN server_verdict.state = EXCLUDED.state THEN server_verdict.state_since ELSE EXCLUDED.state_since END,
        state = EXCLUDED.state, governing_rule_id = EXCLUDED.governing_rule_id, rule_revision = EXCLUDED.rule_revision,
        verdict = EXCLUDED.verdict, hash = EXCLUDED.hash, evaluated_at = EXCLUDED.evaluated_at, run_id = EXCLUDED.run_id`,
    db().$executeRaw`
      INSERT INTO verdict_change (server_id, at, from_state, to_state, governing_rule_id, rule_revision, reasons, run_id)
      SELECT c.server_id, ${now}, c.from_state, c.to_state, c.rule_id, c.revision, c.reasons, ${runId}::uuid
      FROM jsonb_to_recordset(${changes}::jsonb) AS c(server_id uuid, from_state text, to_state text, rule_id uuid, revision int, reasons jsonb)`,
  ]);
}

/** Recomputes today's servers-per-state figures, overall and by rule, subscription and region; returns the overall counts. */
async function refreshAggregates(now: Date): Promise<Record<string, number>> {
  const day = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
  await db().$transaction([
    db().dailyAggregate.deleteMany({ where: { day } }),
    db().$executeRaw`
      INSERT INTO daily_aggregate (day, dimension, key, state, count)
      SELECT ${day}::date, d.dimension, d.key, d.state, count(*)::int
      FROM server_verdict v JOIN server s ON s.id = v.server_id AND s.deleted_at IS NULL
      CROSS JOIN LATERAL (VALUES ('all', '', v.state), ('rule', coalesce(v.governing_rule_id::text, ''), v.state),
                                 ('subscription', s.subscription_id, v.state), ('region', s.location, v.state)) AS d(dimension, key, state)
      GROUP BY d.dimension, d.key, d.state`,
  ]);
  const overall = await db().dailyAggregate.findMany({ where: { day, dimension: "all" } });
  return Object.fromEntries(overall.map((a) => [a.state, a.count]));
}
