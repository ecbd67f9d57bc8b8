// Who executes an item, in a form Postgres itself can tell is dead. Each worker process holds a session-level
// advisory lock on a connection of its own for as long as it lives, and writes the lock's key into the items it
// executes (remediation_item.lease_owner). Postgres releases the lock the moment that connection closes (the
// process was killed, or its connection broke), so the reconciler takes such items over at once instead of waiting
// for their lease to run out. The lease stays the rule for everything else (an item not yet claimed, a process that
// lives but stopped renewing); a takeover makes the old executor stop at its next renewal, as with a lapsed lease.
import pg from "pg";
import { env } from "../config/env";
import { log } from "../log";

/** The first key of every worker lock: "FG" and a 1, so these locks never collide with other advisory locks. */
export const WORKER_LOCK_NAMESPACE = 0x46470001;

let state: { client?: pg.Client; owner?: number; pending?: Promise<number | undefined> } = {};

/**
 * This process's owner key, taking its lock on first use (again after its connection was lost); undefined when the
 * lock cannot be taken (the database is unreachable): items are then claimed without an owner, their lease alone
 * protecting them.
 */
export function workerOwner(): Promise<number | undefined> {
  if (state.owner !== undefined) return Promise.resolve(state.owner);
  return (state.pending ??= acquire().then(
    ({ client, owner }) => {
      state = { client, owner };
      return owner;
    },
    (err: unknown) => {
      log().warn({ err: (err as Error).message }, "remediation worker lock not taken: items are claimed by their lease alone");
      state = {};
      return undefined;
    },
  ));
}

async function acquire(): Promise<{ client: pg.Client; owner: number }> {
  const client = new pg.Client({ connectionString: env().DATABASE_URL });
  const forget = () => {
    if (state.client === client) state = {};
  };
  client.on("error", (err) => {
    log().warn({ err: err.message }, "remediation worker lock connection lost");
    forget();
  });
  client.on("end", forget);
  await client.connect();
  try {
    for (;;) {
      // A random key no live process holds: taking the lock is what proves it unused.
      const owner = 1 + Math.floor(Math.random() * 0x7ffffffe);
      const { rows } = await client.query<{ ok: boolean }>("SELECT pg_try_advisory_lock($1::int, $2::int) AS ok", [WORKER_LOCK_NAMESPACE, owner]);
      if (rows[0]?.ok) return { client, owner };
    }
  } catch (err) {
    await client.end().catch(() => {});
    throw err;
  }
}

/** Releases the lock (the worker closes: the items it still holds are left to their leases). */
export async function releaseWorkerLock(): Promise<void> {
  const { client } = state;
  state = {};
  await client?.end().catch(() => {});
}

/**
 * SQL for the owner keys whose process is alive (their lock is held in this database): a subquery to compare
 * remediation_item.lease_owner with.
 */
export const LIVE_OWNERS_SQL = `SELECT objid::bigint FROM pg_locks
  WHERE locktype = 'advisory' AND granted AND classid = ${WORKER_LOCK_NAMESPACE}::oid AND objsubid = 2
    AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`;
