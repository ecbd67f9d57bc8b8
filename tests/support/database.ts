// Fresh, migrated databases for test runs, and their removal afterwards.
import { spawnSync } from "node:child_process";
import path from "node:path";
import pg from "pg";

const BASE_URL = process.env.TEST_DATABASE_BASE_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";

/** The connection string of a database named `name` on the test server. */
export function databaseUrl(name: string): string {
  const url = new URL(BASE_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

async function withAdmin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: databaseUrl("postgres") });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Creates database `name` and applies every committed migration with `prisma migrate deploy`. */
export async function createMigratedDatabase(name: string): Promise<string> {
  await withAdmin((c) => c.query(`CREATE DATABASE ${c.escapeIdentifier(name)}`));
  const url = databaseUrl(name);
  const result = spawnSync(path.join("node_modules", ".bin", "prisma"), ["migrate", "deploy"], {
    encoding: "utf8",
    env: { ...process.env, DATABASE_URL: url },
  });
  if (result.status !== 0) throw new Error(`prisma migrate deploy failed for ${name}:\n${result.stdout}\n${result.stderr}`);
  return url;
}

/** Drops database `name`, closing whatever connections are still open to it. */
export async function dropDatabase(name: string): Promise<void> {
  await withAdmin((c) => c.query(`DROP DATABASE IF EXISTS ${c.escapeIdentifier(name)} WITH (FORCE)`));
}
