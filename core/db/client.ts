import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient, type Prisma } from "./generated/client";
import { env } from "../config/env";

/** The shared client, or the `tx` handed to `db.$transaction(async (tx) => ...)`. */
export type Db = PrismaClient | Prisma.TransactionClient;

const cache = globalThis as typeof globalThis & { flexguardDb?: PrismaClient };

/** The one Prisma client of the process, created on first use. */
export function db(): PrismaClient {
  // Next's dev server re-evaluates modules on each edit; reuse the pool instead of leaking one per reload.
  return (cache.flexguardDb ??= new PrismaClient({
    adapter: new PrismaPg({ connectionString: env().DATABASE_URL }),
    log: env().NODE_ENV === "development" ? ["warn", "error"] : ["error"],
  }));
}

/** Closes the shared client, if one was opened. */
export async function disconnectDb(): Promise<void> {
  const client = cache.flexguardDb;
  cache.flexguardDb = undefined;
  await client?.$disconnect();
}

export { Prisma } from "./generated/client";
