// The bulk evaluation job: inventory + rules + exemptions + now -> verdicts. Servers are read in batches, the
// pure evaluator judges them, and only verdicts that changed are written, with a history row for each change
// of state. Daily aggregates are refreshed at the end.
import { createHash } from "node:crypto";
import { env } from "../config/env";
import { db, type Prisma } from "../db/client";
import { AppError } from "../errors";
import { log } from "../log";
import { buildEvaluationContext, evaluateServer, type InventoryGap } from "../rules/evaluate";
import type { Verdict } from "../rules/verdict";
import type { InventoryBackupInstance, InventoryBackupPolicy, InventoryRoleAssignment, InventoryServer, InventoryVault, Tags } from "../inventory/types";
import { loadExemptions, loadRules } from "./load-rules";

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
  const [rules, exemptions, vaults, policies, instances, assignments, gaps] = await Promise.all([
    loadRules(),
    loadExemptions(),
    db().vault.findMany({ where: { deletedAt: null } }),
    db().backupPolicy.findMany({ where: { deletedAt: null } }),
    db().backupInstance.findMany({ where: { deletedAt: null } }),
    db().roleAssignment.findMany({ where: { deletedAt: null }, select: { armId: true, principalId: true, roleDefinitionGuid: true, scope: true } }),
    inventoryGaps(),
  ]);
  const ctx = buildEvaluationContext({
    rules,
    exemptions,
    vaults: vaults.map<InventoryVault>((v) => ({ armId: v.armId, name: v.name, subscriptionId: v.subscriptionId, resourceGroup: v.resourceGroup, location: v.location, principalId: v.principalId, tags: v.tags as Tags })),
    backupPolicies: policies.map<InventoryBackupPolicy>((p) => ({ armId: p.armId, vaultArmId: p.vaultArmIdKey, name: p.name, datasourceTypes: p.datasourceTypes, backupInterval: p.backupInterval, defaultRetention: p.defaultRetention })),
    backupInstances: instances.map<InventoryBackupInstance>((b) => ({
      armId: b.armId, vaultArmId: b.vaultArmIdKey, name: b.name, dataSourceArmId: b.dataSourceArmId, policyArmId: b.policyArmIdKey,
      protectionStatus: b.protectionStatus, currentProtectionState: b.currentProtectionState, errorCode: b.errorCode, errorMessage: b.errorMessage,
    })),
    roleAssignments: assignments as InventoryRoleAssignment[],
    inventoryGaps: gaps,
    flexguardPrincipalId: env().AZURE_PRINCIPAL_ID ?? null,
  });

  let servers = 0;
  let changed = 0;
  let cursor: string | undefined;
  for (;;) {
    const batch = await db().server.findMany({ where: { deletedAt: null }, orderBy: { id: "asc" }, take: BATCH, ...(cursor ? { cursor: { id: cursor }, skip: 1 } : {}) });
    if (batch.length === 0) break;
    cursor = batch[batch.length - 1]!.id;
    servers += batch.length;
    const previous = new Map(
      (await db().serverVerdict.findMany({ where: { serverId: { in: batch.map((s) => s.id) } }, select: { serverId: true, hash: true, state: true } })).map((v) => [v.serverId, v]),
    );
    const writes: { verdict: Verdict; hash: string; fromState: string | null }[] = [];
    for (const row of batch) {
      const server: InventoryServer = { id: row.id, armId: row.armId, name: row.name, subscriptionId: row.subscriptionId, resourceGroup: row.resourceGroup, location: row.location, version: row.version, skuName: row.skuName, skuTier: row.skuTier, state: row.state, tags: row.tags as Tags };
      const verdict = evaluateServer(ctx, server, now);
      const hash = hashOf(verdict);
      const before = previous.get(row.id);
      if (before?.hash !== hash) writes.push({ verdict, hash, fromState: before?.state ?? null });
    }
    if (writes.length) await writeVerdicts(runId, now, writes);
    changed += writes.length;
  }
  const counts = await refreshAggregates(now);
  return { servers, changed, counts, ruleRevisions: Object.fromEntries(rules.map((r) => [r.id, r.revision])) as Prisma.InputJsonValue };
}

/** Upserts changed verdicts and appends a timeline row for each change of state, in one transaction per batch. */
async function writeVerdicts(runId: string, now: Date, writes: { verdict: Verdict; hash: string; fromState: string | null }[]): Promise<void> {
  const v = writes.map((w) => w.verdict);
  const stateChanges = writes.filter((w) => w.fromState !== w.verdict.state);
  await db().$transaction([
    db().$executeRaw`
      INSERT INTO server_verdict (server_id, state, governing_rule_id, rule_revision, verdict, hash, state_since, evaluated_at, run_id)
      SELECT r.server_id, r.state, r.rule_id, r.revision, r.verdict::jsonb, r.hash, ${now}, ${now}, ${runId}::uuid
      FROM unnest(${v.map((x) => x.serverId)}::uuid[], ${v.map((x) => x.state)}::text[], ${v.map((x) => x.governingRule?.id ?? null)}::uuid[],
                  ${v.map((x) => x.governingRule?.revision ?? null)}::int[], ${v.map((x) => JSON.stringify(x))}::text[], ${writes.map((w) => w.hash)}::text[])
        AS r(server_id, state, rule_id, revision, verdict, hash)
      ON CONFLICT (server_id) DO UPDATE SET
        state_since = CASE WHEN server_verdict.state = EXCLUDED.state THEN server_verdict.state_since ELSE EXCLUDED.state_since END,
        state = EXCLUDED.state, governing_rule_id = EXCLUDED.governing_rule_id, rule_revision = EXCLUDED.rule_revision,
        verdict = EXCLUDED.verdict, hash = EXCLUDED.hash, evaluated_at = EXCLUDED.evaluated_at, run_id = EXCLUDED.run_id`,
    db().$executeRaw`
      INSERT INTO verdict_change (server_id, at, from_state, to_state, governing_rule_id, rule_revision, reasons, run_id)
      SELECT c.server_id, ${now}, c.from_state, c.to_state, c.rule_id, c.revision, c.reasons::jsonb, ${runId}::uuid
      FROM unnest(${stateChanges.map((w) => w.verdict.serverId)}::uuid[], ${stateChanges.map((w) => w.fromState)}::text[], ${stateChanges.map((w) => w.verdict.state)}::text[],
                  ${stateChanges.map((w) => w.verdict.governingRule?.id ?? null)}::uuid[], ${stateChanges.map((w) => w.verdict.governingRule?.revision ?? null)}::int[],
                  ${stateChanges.map((w) => JSON.stringify(w.verdict.reasons))}::text[])
        AS c(server_id, from_state, to_state, rule_id, revision, reasons)`,
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

/** Subscriptions the last finished scan could not read: their servers are not evaluable rather than guessed at. */
async function inventoryGaps(): Promise<InventoryGap[]> {
  const scan = await db().scan.findFirst({ where: { status: { in: ["SUCCEEDED", "PARTIAL", "FAILED"] } }, orderBy: { queuedAt: "desc" }, include: { parts: true } });
  if (!scan) return [];
  return scan.parts
    .filter((p) => p.status === "FAILED" && p.splitInto === null)
    .flatMap((p) => p.subscriptions.map((subscriptionId) => ({ subscriptionId, reason: p.error ?? p.errorCode ?? "the last scan could not read it" })));
}
