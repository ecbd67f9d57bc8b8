import { rmSync } from "node:fs";
import { e2e } from "../../playwright.config";
import { dropDatabase } from "../support/database";
import { deleteQueueKeys } from "../support/redis";

/** Runs after the web server is stopped: removes the run's database, Redis keys and certificate. */
export default async function globalTeardown() {
  await dropDatabase(e2e.database);
  await deleteQueueKeys(process.env.REDIS_URL ?? "redis://127.0.0.1:6379", e2e.queuePrefix);
  rmSync(`.flexguard/e2e/${process.env.FLEXGUARD_E2E_RUN}`, { recursive: true, force: true });
  rmSync(`.flexguard/demo-users-${e2e.database}.json`, { force: true });
}
