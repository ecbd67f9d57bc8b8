// servers.drifted: after an evaluation, the servers whose state moved from compliant to a non-compliant state.
import { db, Prisma } from "../db/client";
import { NON_COMPLIANT_STATES } from "../rules/verdict";
import { MAX_LISTED } from "./events";
import { notify } from "./notify";

/** Notifies webhooks of the servers that drifted out of compliance in this evaluation run; returns how many did. */
export async function notifyDrift(runId: string): Promise<number> {
  const states = Prisma.join([...NON_COMPLIANT_STATES]);
  const [{ count }] = await db().$queryRaw<[{ count: number }]>`
    SELECT count(*)::int AS count FROM verdict_change
    WHERE run_id = ${runId}::uuid AND from_state = 'compliant' AND to_state IN (${states})`;
  if (count === 0) return 0;
  const servers = await db().$queryRaw<{ id: string; name: string; subscriptionId: string; fromState: string; toState: string }[]>`
    SELECT s.id::text AS id, s.name, s.subscription_id AS "subscriptionId", c.from_state AS "fromState", c.to_state AS "toState"
    FROM verdict_change c JOIN server s ON s.id = c.server_id
    WHERE c.run_id = ${runId}::uuid AND c.from_state = 'compliant' AND c.to_state IN (${states})
    ORDER BY s.name LIMIT ${MAX_LISTED}`;
  await notify({ type: "servers.drifted", evaluationRunId: runId, count, servers });
  return count;
}
