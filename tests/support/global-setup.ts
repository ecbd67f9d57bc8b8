// Integration runs: one freshly migrated database, one emulator process and one BullMQ prefix per run,
// so that runs never see each other's data. Everything is removed at the end.
import { mkdirSync, rmSync } from "node:fs";
import path from "node:path";
import type { TestProject } from "vitest/node";
import { createMigratedDatabase, dropDatabase } from "./database";
import { deleteQueueKeys } from "./redis";
import { startEmulatorProcess } from "./emulator-process";
import { emulatorGraphRows } from "./emulator-http";

export const TEST_FLEET = { servers: 60, subscriptions: 3, seed: 7 } as const;
const PRINCIPAL_ID = "00000000-0000-4000-8000-00000000f1e9";

declare module "vitest" {
  export interface ProvidedContext {
    databaseUrl: string;
    redisUrl: string;
    queuePrefix: string;
    emulatorUrl: string;
    emulatorCertFile: string;
    emulatorPrincipalId: string;
    emulatorSubscriptions: string[];
  }
}

export default async function setup(project: TestProject) {
  const runId = `${Date.now().toString(36)}_${process.pid}`;
  const dbName = `flexguard_test_${runId}`;
  const queuePrefix = `fgtest-${runId}`;
  const redisUrl = process.env.REDIS_URL || "redis://127.0.0.1:6379";
  const certDir = path.join(".flexguard", "test", runId);
  mkdirSync(certDir, { recursive: true });
  const certFile = path.join(certDir, "emulator-cert.pem");

  const databaseUrl = await createMigratedDatabase(dbName);
  const emulator = await startEmulatorProcess({ ...TEST_FLEET, certFile, principalId: PRINCIPAL_ID });

  project.provide("databaseUrl", databaseUrl);
  project.provide("redisUrl", redisUrl);
  project.provide("queuePrefix", queuePrefix);
  project.provide("emulatorUrl", emulator.url);
  project.provide("emulatorCertFile", certFile);
  project.provide("emulatorPrincipalId", PRINCIPAL_ID);
  const servers = await emulatorGraphRows<{ subscriptionId: string }>(
    { url: emulator.url, certFile, principalId: PRINCIPAL_ID },
    "resources | where type =~ 'microsoft.dbforpostgresql/flexibleservers' | project id, subscriptionId",
  );
  project.provide("emulatorSubscriptions", [...new Set(servers.map((s) => s.subscriptionId.toLowerCase()))].sort());

  return async () => {
    await emulator.stop();
    await dropDatabase(dbName);
    await deleteQueueKeys(redisUrl, queuePrefix);
    rmSync(certDir, { recursive: true, force: true });
  };
}
