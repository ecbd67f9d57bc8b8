// Shared set-up of the scan benchmarks: a fresh database, an emulator process with the benchmark fleet, and the
// real worker process; the benchmark process itself requests scans through core, like the CLI does.
import { mkdirSync, rmSync } from "node:fs";
import path from "node:path";
import { createMigratedDatabase, dropDatabase } from "../support/database";
import { deleteQueueKeys } from "../support/redis";
import { startEmulatorProcess, type EmulatorProcess } from "../support/emulator-process";
import { startWorkerProcess, type WorkerProcess } from "../support/worker-process";
import { emulatorRequest, type EmulatorTarget } from "../support/emulator-http";

export const PRINCIPAL_ID = "00000000-0000-4000-8000-00000000f1e9";

/** What a benchmark's worker process needs to work against the emulator process: its own database and queue prefix,
 * the emulator as Azure, no scheduled scans. Each benchmark adds its subscriptions and queues. */
export function emulatorWorkerEnv(s: { databaseUrl: string; redisUrl: string; prefix: string; emulatorUrl: string; certFile: string }) {
  return {
    NODE_ENV: "production",
    LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? "warn",
    DATABASE_URL: s.databaseUrl,
    REDIS_URL: s.redisUrl,
    QUEUE_PREFIX: s.prefix,
    AZURE_MODE: "emulator",
    AZURE_ENDPOINT: s.emulatorUrl,
    EMULATOR_CERT_FILE: s.certFile,
    EMULATOR_PRINCIPAL_ID: PRINCIPAL_ID,
    SCAN_INTERVAL_MINUTES: "0",
  };
}

export interface ScanBenchStack {
  emulator: EmulatorProcess;
  worker: WorkerProcess;
  target: EmulatorTarget;
  workerEnv: Record<string, string>;
  teardown(): Promise<void>;
}

export async function startScanBenchStack(
  name: string,
  fleet: { servers: number; subscriptions: number },
  emulatorArgs: string[],
  { queues }: { queues?: string } = {},
): Promise<ScanBenchStack> {
  const run = `${name.replace(/\W/g, "_")}_${Date.now().toString(36)}`;
  const dbName = `flexguard_bench_${run}`;
  const prefix = `fgbench-${run}`;
  const certDir = path.join(".flexguard", "bench", run);
  mkdirSync(certDir, { recursive: true });
  const certFile = path.join(certDir, "emulator-cert.pem");
  const redisUrl = process.env.REDIS_URL || "redis://127.0.0.1:6379";

  const databaseUrl = await createMigratedDatabase(dbName);
  const started = Date.now();
  const emulator = await startEmulatorProcess({ ...fleet, seed: 1, certFile, principalId: PRINCIPAL_ID, extraArgs: emulatorArgs });
  console.log(`emulator with ${fleet.servers} servers in ${fleet.subscriptions} subscriptions ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);

  const workerEnv = {
    ...emulatorWorkerEnv({ databaseUrl, redisUrl, prefix, emulatorUrl: emulator.url, certFile }),
    AZURE_SUBSCRIPTIONS: "",
    // Scan benchmarks measure scans alone: the evaluation a scan queues would compete for the same cores.
    WORKER_QUEUES: queues ?? "",
  };
  // The benchmark process requests scans through core with the same configuration as the worker.
  Object.assign(process.env, workerEnv);
  const worker = await startWorkerProcess(workerEnv);
  return {
    emulator,
    worker,
    target: { url: emulator.url, certFile, principalId: PRINCIPAL_ID },
    workerEnv,
    async teardown() {
      await worker.stop();
      await emulator.stop();
      const { disconnectDb } = await import("@/core/db/client");
      const { closeProducers } = await import("@/core/queues");
      await Promise.allSettled([disconnectDb(), closeProducers()]);
      await dropDatabase(dbName);
      await deleteQueueKeys(redisUrl, prefix);
      rmSync(certDir, { recursive: true, force: true });
    },
  };
}

export interface EmulatorStats {
  requests: { total: number; throttled: number; byOperation: Record<string, number>; byStatus: Record<string, number> };
}

export async function emulatorStats(target: EmulatorTarget): Promise<EmulatorStats> {
  return (await emulatorRequest<EmulatorStats>(target, "GET", "/_emulator/stats")).body;
}

export async function resetEmulatorStats(target: EmulatorTarget): Promise<void> {
  await emulatorRequest(target, "POST", "/_emulator/stats/reset", {});
}

/** Requests a scan through core and waits for it; returns the wall time from request to committed rows. */
export async function timedScan(): Promise<{ seconds: number; status: string; counts: Record<string, number>; error: string | null }> {
  const { requestScan } = await import("@/core/inventory/request-scan");
  const { waitForScan } = await import("@/core/inventory/get-scan");
  const started = performance.now();
  const { scanId } = await requestScan({ trigger: "bench" });
  const scan = await waitForScan(scanId, { timeoutMs: 15 * 60_000, intervalMs: 100 });
  return { seconds: (performance.now() - started) / 1000, status: scan.status, counts: scan.counts as Record<string, number>, error: scan.error };
}
