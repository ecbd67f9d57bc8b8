// End-to-end: the real product (scripts/start.ts: migrations, seed, emulator, worker, next start) on its own
// database, queue prefix and ports, driven by Debian's Chromium.
import { defineConfig } from "@playwright/test";

// Evaluated again in each Playwright worker: keep the run id in the environment so every process agrees.
process.env.FLEXGUARD_E2E_RUN ??= `${Date.now().toString(36)}_${process.pid}`;
const run = process.env.FLEXGUARD_E2E_RUN;
export const e2e = {
  webPort: Number(process.env.E2E_WEB_PORT ?? 3100),
  emulatorPort: Number(process.env.E2E_EMULATOR_PORT ?? 4110),
  database: `flexguard_e2e_${run}`,
  queuePrefix: `fge2e-${run}`,
  servers: 120,
  subscriptions: 4,
  // A seed whose fleet carries HTML and KQL fragments in tag values, for the hostile-input tests.
  seed: 19,
};

export default defineConfig({
  testDir: "tests/e2e",
  testMatch: "**/*.spec.ts",
  outputDir: "test-results/e2e",
  timeout: 90_000,
  expect: { timeout: 15_000 },
  workers: 1,
  reporter: [["list"], ["json", { outputFile: "test-results/e2e-report.json" }]],
  globalTeardown: "./tests/e2e/global-teardown.ts",
  use: {
    baseURL: `http://127.0.0.1:${e2e.webPort}`,
    screenshot: "on",
    trace: "retain-on-failure",
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"],
    },
  },
  webServer: {
    command: "node --import tsx scripts/start.ts",
    url: `http://127.0.0.1:${e2e.webPort}/`,
    // The first run builds the app.
    timeout: 600_000, // a cold `next build` on a shared 2-core machine can take over 5 minutes
    reuseExistingServer: false,
    stdout: "pipe",
    stderr: "pipe",
    gracefulShutdown: { signal: "SIGTERM", timeout: 15_000 },
    env: {
      DATABASE_URL: `postgresql://postgres@127.0.0.1:5432/${e2e.database}`,
      REDIS_URL: process.env.REDIS_URL ?? "redis://127.0.0.1:6379",
      QUEUE_PREFIX: e2e.queuePrefix,
      WEB_PORT: String(e2e.webPort),
      EMULATOR_PORT: String(e2e.emulatorPort),
      EMULATOR_SERVERS: String(e2e.servers),
      EMULATOR_SUBSCRIPTIONS: String(e2e.subscriptions),
      EMULATOR_SEED: String(e2e.seed),
      EMULATOR_CERT_FILE: `.flexguard/e2e/${run}/emulator-cert.pem`,
      AZURE_MODE: "emulator",
      LOG_LEVEL: "warn",
    },
  },
});
