// remediate-5k: an approved plan protecting 5,000 servers in 50 subscriptions (one vault each; the vault identity
// lacks its roles on half of them), executed by the real worker process against the emulator process with its
// default limits (ARM buckets per subscription: writes 200 + 10/s, reads 250 + 25/s) and a stated time factor.
// Prints the wall time, the lower bound the write/read budgets, the long-running operations and the plan's
// concurrency allow, their ratio (bound: 1.25), 429s received (bound 0), duplicates (0) and lost items (0);
// then the same with the worker killed (SIGKILL) half way and started again.
import { randomUUID } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { createMigratedDatabase, dropDatabase } from "../support/database";
import { deleteQueueKeys } from "../support/redis";
import { startEmulatorProcess } from "../support/emulator-process";
import { startWorkerProcess, type WorkerProcess } from "../support/worker-process";
import { emulatorRequest, type EmulatorTarget } from "../support/emulator-http";
import { createApprovedPlan, remediationFleet } from "../factories/plans";
import { reportFigure, runBench, machineFacts } from "./harness";
import { PRINCIPAL_ID, emulatorWorkerEnv } from "./scan-support";

const SUBSCRIPTIONS = 50;
const PER_SUBSCRIPTION = 100;
const SERVERS = SUBSCRIPTIONS * PER_SUBSCRIPTION;
/** Emulated seconds per wall second: a backup job (10 emulated minutes) takes 1 s, role propagation 0.5 s. */
const TIME_FACTOR = Number(process.env.BENCH_TIME_FACTOR ?? 600);
const CONCURRENCY = 500; // the plan option's maximum
const PER_VAULT = 100;
const DEFAULT_TIMINGS = { rbacPropagationMs: 300_000, validateMs: 20_000, configureProtectionMs: 60_000, adhocOperationMs: 5_000, backupJobMs: 600_000 };
const LIMITS = { writes: { size: 200, perSecond: 10 }, reads: { size: 250, perSecond: 25 } };
/** Which runs: both (default), or only "plain" or "sigkill" (e.g. while profiling with NODE_OPTIONS=--cpu-prof). */
const RUNS = process.env.BENCH_REMEDIATE_RUNS ?? "plain,sigkill";

const run = `remediate_5k_${Date.now().toString(36)}`;
const certDir = path.join(".flexguard", "bench", run);
mkdirSync(certDir, { recursive: true });
const certFile = path.join(certDir, "emulator-cert.pem");
const fleetFile = path.join(certDir, "fleet.json");
const redisUrl = process.env.REDIS_URL || "redis://127.0.0.1:6379";
const prefix = `fgbench-${run}`;
const dbName = `flexguard_bench_${run}`;

const fleet = remediationFleet({ subscriptions: SUBSCRIPTIONS, serversPerSubscription: PER_SUBSCRIPTION, rolesMissingEvery: 2 });
writeFileSync(fleetFile, JSON.stringify(fleet.description));
const databaseUrl = await createMigratedDatabase(dbName);
const emulator = await startEmulatorProcess({
  servers: SERVERS, subscriptions: SUBSCRIPTIONS, certFile, principalId: PRINCIPAL_ID,
  extraArgs: ["--fleet", fleetFile, "--time-factor", String(TIME_FACTOR)],
});
const target: EmulatorTarget = { url: emulator.url, certFile, principalId: PRINCIPAL_ID };
const workerEnv = {
  ...emulatorWorkerEnv({ databaseUrl, redisUrl, prefix, emulatorUrl: emulator.url, certFile }),
  AZURE_SUBSCRIPTIONS: fleet.subscriptions.join(","),
  WORKER_QUEUES: "remediate-item,remediation-reconcile",
  REMEDIATION_LEASE_SECONDS: "10",
  REMEDIATION_RECONCILE_SECONDS: "2",
};
Object.assign(process.env, workerEnv);
const { db, disconnectDb } = await import("@/core/db/client");
const { closeProducers } = await import("@/core/queues");
const { startRun } = await import("@/core/remediation/run-control");
const { getRunProgress } = await import("@/core/remediation/run-progress");

// --- The lower bound, per subscription (all 50 alike), in wall seconds.
const lro = (emulatedMs: number) => Math.max(1, emulatedMs / 1000 / TIME_FACTOR); // Retry-After is at least 1 s
const missing = PER_SUBSCRIPTION / 2;
// Writes no execution can avoid: one LTR grant per server lacking it, one Reader grant for their resource group,
// one validation, one backup instance and one on-demand backup per server.
const writes = missing + 1 + 3 * PER_SUBSCRIPTION;
// Reads no execution can avoid: the re-read (backup instances; role assignments where roles are planned), one poll
// per long-running operation (validate, create, backup) and one look at the backup job.
const reads = PER_SUBSCRIPTION + missing + 4 * PER_SUBSCRIPTION;
const job = DEFAULT_TIMINGS.backupJobMs / 1000 / TIME_FACTOR;
const tail = lro(DEFAULT_TIMINGS.adhocOperationMs) + job; // after the last write (an on-demand backup)
const writeBound = Math.max(0, (writes - LIMITS.writes.size) / LIMITS.writes.perSecond) + tail;
const readBound = Math.max(0, (reads - LIMITS.reads.size) / LIMITS.reads.perSecond);
const heldPath = lro(DEFAULT_TIMINGS.validateMs) + lro(DEFAULT_TIMINGS.configureProtectionMs) + lro(DEFAULT_TIMINGS.adhocOperationMs) + job;
const missingPath = DEFAULT_TIMINGS.rbacPropagationMs / 1000 / TIME_FACTOR + heldPath;
// The plan runs at most CONCURRENCY items at once: the items' operation time divided among the slots.
const concurrencyBound = ((missingPath + heldPath) / 2) * SERVERS / CONCURRENCY;
const lowerBound = Math.max(writeBound, readBound, missingPath, concurrencyBound);
console.log(machineFacts());
console.log(`fleet: ${SERVERS} servers in ${SUBSCRIPTIONS} subscriptions, roles missing on ${SERVERS / 2}; emulator time factor ${TIME_FACTOR} (emulated s per wall s), default limits`);
console.log(`lower bound per subscription: writes ${writes} -> ${writeBound.toFixed(1)} s, reads ${reads} -> ${readBound.toFixed(1)} s, operations per item ${missingPath.toFixed(1)} s (roles missing) / ${heldPath.toFixed(1)} s, concurrency ${CONCURRENCY} -> ${concurrencyBound.toFixed(1)} s`);
console.log(`lower bound: ${lowerBound.toFixed(1)} s`);

interface Outcome {
  seconds: number;
  throttled: number;
  duplicates: number;
  lost: number;
  status: string;
}

/** CPU seconds (user + system) a process has used so far; 0 when it is gone. */
function cpuSeconds(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").replace(/^.*\) /s, "").split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

/** CPU seconds of every process with one of these names (all Postgres backends, Redis), whoever they serve. */
function cpuSecondsByName(names: string[]): number {
  let total = 0;
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (names.includes(readFileSync(`/proc/${entry}/comm`, "utf8").trim())) total += cpuSeconds(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return total;
}

/** Busy CPU seconds of the whole machine, all cores. */
function machineBusySeconds(): number {
  const [, ...ticks] = readFileSync("/proc/stat", "utf8").split("\n")[0]!.trim().split(/\s+/).map(Number);
  const idle = ticks[3]! + ticks[4]!;
  return (ticks.slice(0, 8).reduce((a, b) => a + b, 0) - idle) / 100;
}

async function emulatorCounts() {
  return (await emulatorRequest<{ requests: { throttled: number; total: number; byStatus: Record<string, number> }; store: Record<string, number> }>(target, "GET", "/_emulator/stats")).body;
}

async function oneRun(killHalfWay: boolean): Promise<Outcome> {
  await emulatorRequest(target, "POST", "/_emulator/reset", {});
  await emulatorRequest(target, "POST", "/_emulator/stats/reset", {});
  const before = (await emulatorCounts()).store;
  const servers = fleet.servers.map((s) => ({ ...s, id: randomUUID() }));
  const { planId } = await createApprovedPlan(db(), { servers, options: { concurrency: CONCURRENCY, perVaultConcurrency: PER_VAULT, firstBackup: true } });
  let worker: WorkerProcess = await startWorkerProcess(workerEnv);
  const cpuBefore = { worker: cpuSeconds(worker.pid), emulator: cpuSeconds(emulator.pid), postgres: cpuSecondsByName(["postgres"]), redis: cpuSecondsByName(["redis-server"]), machine: machineBusySeconds() };
  let workerCpu = 0;
  const started = performance.now();
  await startRun({ kind: "system", userId: null, label: "bench", role: "ADMIN", subscriptions: null, sourceIp: null }, planId);
  let killed = !killHalfWay;
  let status: string;
  let lastLog = 0;
  for (;;) {
    const p = (await getRunProgress(planId))!;
    status = p.status;
    if (!["RUNNING"].includes(status)) break;
    if (!killed && p.done >= SERVERS / 2) {
      console.log(`  SIGKILL at ${((performance.now() - started) / 1000).toFixed(1)} s with ${p.done} done, ${p.counts.RUNNING} running`);
      workerCpu += cpuSeconds(worker.pid) - cpuBefore.worker;
      cpuBefore.worker = 0;
      await worker.stop("SIGKILL");
      const restart = performance.now();
      worker = await startWorkerProcess(workerEnv);
      console.log(`  worker started again in ${((performance.now() - restart) / 1000).toFixed(1)} s`);
      killed = true;
    }
    if (performance.now() - lastLog > 10_000) {
      console.log(`  ${((performance.now() - started) / 1000).toFixed(0)} s: ${p.done}/${p.total} done, ${p.counts.RUNNING} running`);
      lastLog = performance.now();
    }
    if (performance.now() - started > 30 * 60_000) throw new Error(`the run did not finish within 30 min: ${JSON.stringify(p)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  const seconds = (performance.now() - started) / 1000;
  workerCpu += cpuSeconds(worker.pid) - cpuBefore.worker;
  const cpu = {
    worker: workerCpu,
    emulator: cpuSeconds(emulator.pid) - cpuBefore.emulator,
    postgres: cpuSecondsByName(["postgres"]) - cpuBefore.postgres,
    redis: cpuSecondsByName(["redis-server"]) - cpuBefore.redis,
    machine: machineBusySeconds() - cpuBefore.machine,
  };
  console.log(`  CPU during the run (s, and ms per item): ${Object.entries(cpu).map(([k, v]) => `${k} ${v.toFixed(1)} (${((v * 1000) / SERVERS).toFixed(1)})`).join(", ")}; load ${os.loadavg().map((l) => l.toFixed(2)).join(" ")}`);
  await worker.stop();
  const stats = await emulatorCounts();
  const after = stats.store;
  const byStatus = await db().remediationItem.groupBy({ by: ["status"], where: { planId }, _count: true });
  const succeeded = byStatus.find((s) => s.status === "SUCCEEDED")?._count ?? 0;
  // One backup instance per server, one grant per missing (role, scope): nothing more. (Jobs are not counted: the
  // emulated clock runs on across samples, and scheduled backups come round for the new instances.)
  const expectedGrants = SERVERS / 2 + SUBSCRIPTIONS;
  const duplicates =
    Math.max(0, after.backupInstances! - before.backupInstances! - SERVERS) +
    Math.max(0, after.roleAssignments! - before.roleAssignments! - expectedGrants);
  const failures = await db().remediationItem.groupBy({ by: ["errorCode"], where: { planId, status: "FAILED" }, _count: true });
  if (failures.length) console.log(`  failed items by Azure error: ${failures.map((f) => `${f._count} ${f.errorCode}`).join(", ")}`);
  const byOperation = (stats.requests as unknown as { byOperation: Record<string, number> }).byOperation;
  console.log(`  on-demand backup requests: ${byOperation.BackupInstances_AdhocBackup ?? 0}`);
  console.log(`  requests by operation: ${Object.entries(byOperation).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v}`).join(", ")}`);
  // Where an item's time goes: each step's duration, and the item's time from dispatch to its end.
  const steps = await db().$queryRaw<{ name: string; n: number; avg: number; p90: number }[]>`
    SELECT name, count(*)::int AS n, avg(duration_ms)::int AS avg, (percentile_cont(0.9) WITHIN GROUP (ORDER BY duration_ms))::int AS p90
    FROM remediation_step WHERE plan_id = ${planId}::uuid GROUP BY name ORDER BY min(id)`;
  const [span] = await db().$queryRaw<{ avg: number; p90: number; steps: number }[]>`
    SELECT (avg(extract(epoch FROM finished_at - started_at)) * 1000)::int AS avg,
      ((percentile_cont(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM finished_at - started_at))) * 1000)::int AS p90,
      (SELECT sum(duration_ms) / count(DISTINCT item_id) FROM remediation_step WHERE plan_id = ${planId}::uuid)::int AS steps
    FROM remediation_item WHERE plan_id = ${planId}::uuid`;
  const [gaps] = await db().$queryRaw<{ before: number; between: number; after: number }[]>`
    WITH s AS (
      SELECT item_id, min(started_at) AS first, max(finished_at) AS last, sum(duration_ms) AS busy FROM remediation_step WHERE plan_id = ${planId}::uuid GROUP BY item_id
    )
    SELECT (avg(extract(epoch FROM s.first - i.started_at)) * 1000)::int AS before, avg(extract(epoch FROM s.last - s.first) * 1000 - s.busy)::int AS between,
      (avg(extract(epoch FROM i.finished_at - s.last)) * 1000)::int AS after
    FROM remediation_item i JOIN s ON s.item_id = i.id WHERE i.plan_id = ${planId}::uuid`;
  console.log(`  item time from dispatch to end: avg ${span?.avg} ms (in steps ${span?.steps} ms; before the first ${gaps?.before} ms, between steps ${gaps?.between} ms, after the last ${gaps?.after} ms), p90 ${span?.p90} ms`);
  console.log(`  steps (avg/p90 ms): ${steps.map((st) => `${st.name} ${st.avg}/${st.p90}`).join(", ")}`);
  const lost = SERVERS - succeeded;
  console.log(`  items: ${byStatus.map((s) => `${s._count} ${s.status}`).join(", ")}; emulator: ${stats.requests.total} requests, ${stats.requests.throttled} throttled; +${after.backupInstances! - before.backupInstances!} backup instances, +${after.jobs! - before.jobs!} jobs, +${after.roleAssignments! - before.roleAssignments!} role assignments`);
  return { seconds, throttled: stats.requests.throttled, duplicates, lost, status };
}

let ok = true;
try {
  const runs = ([["remediate-5k", false, "plain"], ["remediate-5k-sigkill", true, "sigkill"]] as const).filter(([, , key]) => RUNS.split(",").includes(key));
  for (const [name, kill] of runs) {
    let outcome: Outcome | undefined;
    const result = await runBench({
      name,
      metric: "wall",
      unit: "s",
      bound: Math.round(lowerBound * 1.25 * 10) / 10,
      lowerIsBetter: true,
      repeats: 1,
      sample: async () => (outcome = await oneRun(kill)).seconds,
      extra: () => ({ lowerBoundSeconds: Math.round(lowerBound * 10) / 10, ratioToLowerBound: Math.round((outcome!.seconds / lowerBound) * 100) / 100, timeFactor: TIME_FACTOR, status: outcome!.status }),
    });
    // Every figure is printed, whichever failed first.
    const figures = [
      result.ok,
      reportFigure({ name: `${name}-429s`, metric: "throttled", unit: "", bound: 0, value: outcome!.throttled, lowerIsBetter: true }),
      reportFigure({ name: `${name}-duplicates`, metric: "duplicates", unit: "", bound: 0, value: outcome!.duplicates, lowerIsBetter: true }),
      reportFigure({ name: `${name}-lost`, metric: "lost", unit: "", bound: 0, value: outcome!.lost, lowerIsBetter: true }),
    ];
    ok = ok && figures.every(Boolean);
  }
} finally {
  await emulator.stop();
  await Promise.allSettled([disconnectDb(), closeProducers()]);
  await dropDatabase(dbName);
  await deleteQueueKeys(redisUrl, prefix);
  rmSync(certDir, { recursive: true, force: true });
}
process.exit(ok ? 0 : 1);
