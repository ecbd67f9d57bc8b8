import pg from "pg";
import { Redis } from "ioredis";
import { env, type Env } from "../config/env";

/** Raised when Postgres or Redis cannot be used; the message is one paragraph saying what is wrong and how to fix it. */
export class ServiceUnavailableError extends Error {
  override name = "ServiceUnavailableError";
}

const redact = (url: string) => url.replace(/\/\/([^:@/]+):[^@/]*@/, "//$1:***@");

/** Checks that Postgres answers at DATABASE_URL; with `createDatabase`, creates the database when only it is missing. */
export async function checkPostgres(config: Env = env(), { createDatabase = false } = {}): Promise<void> {
  const url = config.DATABASE_URL;
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  try {
    await client.connect();
    await client.query("SELECT 1");
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === "3D000" && createDatabase) {
      await createMissingDatabase(url);
      return checkPostgres(config);
    }
    throw new ServiceUnavailableError(postgresAdvice(url, err as Error, code));
  } finally {
    await client.end().catch(() => {});
  }
}

function postgresAdvice(url: string, err: Error, code: string | undefined): string {
  const where = redact(url);
  if (code === "3D000")
    return `PostgreSQL at ${where} answers, but the database does not exist. Create it (createdb) or let \`npm start\` create it, or point DATABASE_URL at an existing database.`;
  if (code === "28P01" || code === "28000")
    return `PostgreSQL at ${where} refused the credentials (${err.message}). Fix the user and password in DATABASE_URL.`;
  return `PostgreSQL is not reachable at ${where} (${err.message}). Start it (on these machines: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start; with Docker: docker compose up -d postgres) or fix DATABASE_URL.`;
}

async function createMissingDatabase(url: string): Promise<void> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.slice(1));
  const admin = new URL(url);
  admin.pathname = "/postgres";
  const client = new pg.Client({ connectionString: admin.toString(), connectionTimeoutMillis: 5_000 });
  try {
    await client.connect();
    // Identifiers cannot be bound as parameters; escapeIdentifier quotes the name safely.
    await client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}`);
  } catch (err) {
    if ((err as { code?: string }).code !== "42P04") throw new ServiceUnavailableError(postgresAdvice(url, err as Error, undefined));
  } finally {
    await client.end().catch(() => {});
  }
}

/** Checks that Redis answers PING at REDIS_URL. */
export async function checkRedis(config: Env = env()): Promise<void> {
  const redis = new Redis(config.REDIS_URL, { lazyConnect: true, connectTimeout: 3_000, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false });
  let cause: Error | undefined; // ioredis reports the socket error as an event and rejects with "Connection is closed"
  redis.on("error", (err: Error) => (cause ??= err));
  try {
    await redis.connect();
    await redis.ping();
  } catch (err) {
    throw new ServiceUnavailableError(
      `Redis is not reachable at ${redact(config.REDIS_URL)} (${(cause ?? (err as Error)).message}). Start it (on these machines: redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no; with Docker: docker compose up -d redis) or fix REDIS_URL.`,
    );
  } finally {
    redis.disconnect();
  }
}

/** Both checks, Postgres first. */
export async function checkServices(config: Env = env(), options: { createDatabase?: boolean } = {}): Promise<void> {
  await checkPostgres(config, options);
  await checkRedis(config);
}
