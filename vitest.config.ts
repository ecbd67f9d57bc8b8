import path from "node:path";
import { defineConfig } from "vitest/config";

const alias = { "@": path.resolve(import.meta.dirname) };

export default defineConfig({
  resolve: { alias },
  test: {
    projects: [
      {
        resolve: { alias },
        test: { name: "unit", include: ["tests/unit/**/*.test.ts"], environment: "node" },
      },
      {
        resolve: { alias },
        test: {
          name: "integration",
          include: ["tests/integration/**/*.test.ts"],
          environment: "node",
          // One fresh database, one emulator and one queue prefix per run (tests/support/global-setup.ts).
          globalSetup: ["tests/support/global-setup.ts"],
          setupFiles: ["tests/support/integration-env.ts"],
          testTimeout: 60_000,
          hookTimeout: 120_000,
          // Two cores: integration files share Postgres, Redis and the emulator; run them one at a time.
          fileParallelism: false,
        },
      },
    ],
  },
});
