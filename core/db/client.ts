import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { PrismaClient, type Prisma } from "./generated/client";
import { env } from "../config/env";
import { log } from "../log";

/** The shared client, or the `tx` handed to `db.$transaction(async (tx) => ...)`. */
export type Db = PrismaClient | Prisma.TransactionClient;

const cache = globalThis as typeof globalThis & { flexguardDb?: PrismaClient; flexguardPool?: pg.Pool };

/**
 * The process's one connection pool, shared by Prisma and by bulk statements (pgPool below).
 * Bulk work (scan pages, verdict batches) goes straight to node-postgres: a Prisma query carries its
 * parameters through the query compiler's wasm memory as JSON, which for megabyte-sized documents costs
 * seconds of CPU per 100,000 rows and memory that never shrinks.
 */
export function pgPool(): pg.Pool {
  if (!cache.flexguardPool) {
    cache.flexguardPool = new pg.Pool({ connectionString: env().DATABASE_URL });
    // An idle connection that breaks (database restarted) is dropped by the pool; without a listener it would end the process.
    cache.flexguardPool.on("error", (err) => log().warn({ err: err.message }, "idle database connection failed"));
    // The pool listens only while a connection is idle in it. One checked out and between two statements (a cursor
    // while its batch is judged, a transaction while its rows are built) that breaks would emit an unheard 'error'
    // and end the process; with this listener the next statement on it fails instead, and the work is retried.
    cache.flexguardPool.on("connect", (client) =>
      client.on("error", (err) => log().warn({ err: err.message }, "database connection failed while in use")),
    );
  }
  return cache.flexguardPool;
}

/** The one Prisma client of the process, created on first use. */
export function db(): PrismaClient {
  // Next's dev server re-evaluates modules on each edit; reuse the pool instead of leaking one per reload.
  return (cache.flexguardDb ??= new PrismaClient({
    adapter: new PrismaPg(pgPool()),
    log: env().NODE_ENV === "development" ? ["warn", "error"] : ["error"],
  }));
}

/** Closes the shared client and pool, if they were opened. */
export async function disconnectDb(): Promise<void> {
  const client = cache.flexguardDb;
  const pool = cache.flexguardPool;
  cache.flexguardDb = undefined;
  cache.flexguardPool = undefined;
  await client?.$disconnect();
  await pool?.end();
}

export { Prisma } from "./generated/client";
