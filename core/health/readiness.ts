// Readiness of a Flexguard process: can it reach Postgres, Redis and Azure (or the emulator) right now?
// Postgres and Redis decide readiness; Azure is reported, because an unreachable Azure is a fact to see on the
// dashboard and in scans, not a reason to take the app or a worker out of service.
import https from "node:https";
import { env } from "../config/env";
import { armClientOptions } from "../azure/client-options";
import { checkPostgres, checkRedis } from "./check-services";

export interface CheckResult {
  ok: boolean;
  ms: number;
  /** What is wrong and how to fix it, when not ok. */
  error?: string;
}

export interface Readiness {
  status: "ready" | "not_ready";
  checks: { database: CheckResult; redis: CheckResult; azure: CheckResult & { endpoint: string; critical: false } };
}

async function timed(fn: () => Promise<void>): Promise<CheckResult> {
  const started = Date.now();
  try {
    await fn();
    return { ok: true, ms: Date.now() - started };
  } catch (err) {
    return { ok: false, ms: Date.now() - started, error: (err as Error).message };
  }
}

/** Any HTTP answer from the Resource Manager endpoint means it is reachable (ARM answers 400/404 to a bare GET). */
export async function checkAzureReachable(timeoutMs = 3_000): Promise<void> {
  const endpoint = env().AZURE_ENDPOINT;
  const ca = armClientOptions().tlsOptions?.ca;
  await new Promise<void>((resolve, reject) => {
    const req = https.request(new URL("/metadata/endpoints?api-version=2022-09-01", endpoint), { method: "GET", ca, timeout: timeoutMs }, (res) => {
      res.resume();
      resolve();
    });
    req.on("timeout", () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on("error", (err) => reject(new Error(`Azure Resource Manager is not reachable at ${endpoint} (${(err as { code?: string }).code ?? err.message})`)));
    req.end();
  });
}

/** Runs the three checks at once, each bounded in time. */
export async function checkReadiness(): Promise<Readiness> {
  const config = env();
  const [database, redis, azure] = await Promise.all([timed(() => checkPostgres(config)), timed(() => checkRedis(config)), timed(() => checkAzureReachable())]);
  return {
    status: database.ok && redis.ok ? "ready" : "not_ready",
    checks: { database, redis, azure: { ...azure, endpoint: config.AZURE_ENDPOINT, critical: false } },
  };
}
