// The fresh database of a benchmark that seeds its tables with SQL and measures core against them.
import { createMigratedDatabase } from "../support/database";

/** Creates and migrates flexguard_bench_<name>_<time>, points core at it (DATABASE_URL), quiets the log, and marks the
 * run failed until the benchmark sets process.exitCode from its bounds. */
export async function freshBenchDatabase(name: string): Promise<{ dbName: string; databaseUrl: string }> {
  const dbName = `flexguard_bench_${name}_${Date.now().toString(36)}`;
  const databaseUrl = await createMigratedDatabase(dbName);
  process.env.DATABASE_URL = databaseUrl;
  process.env.LOG_LEVEL = "warn";
  process.exitCode = 1;
  return { dbName, databaseUrl };
}
