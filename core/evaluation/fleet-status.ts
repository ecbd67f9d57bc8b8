import { authorize, subscriptionScope, type Actor } from "../auth/actor";
import { db } from "../db/client";
import { NON_COMPLIANT_STATES } from "../rules/verdict";

export interface FleetStatus {
  servers: number;
  /** Servers per verdict state; servers never evaluated count as "not_evaluated". */
  states: Record<string, number>;
  compliant: number;
  nonCompliant: number;
  /** compliant / (servers in scope of a rule, exempt ones excluded), 0..1; null when no server is in scope. */
  compliantShare: number | null;
  lastScan: { id: string; status: string; finishedAt: Date | null } | null;
  lastEvaluation: { id: string; status: string; finishedAt: Date | null; changed: number } | null;
}

/** The fleet's protection at a glance, in the actor's subscriptions: the numbers the overview, API and CLI share. */
export async function fleetStatus(actor: Actor): Promise<FleetStatus> {
  authorize(actor, "fleet:read");
  const where = { deletedAt: null, ...subscriptionScope(actor) };
  const [servers, grouped, lastScan, lastEvaluation] = await Promise.all([
    db().server.count({ where }),
    actor.subscriptions
      ? db().$queryRaw<{ state: string; n: bigint }[]>`SELECT v.state, count(*) AS n FROM server_verdict v JOIN server s ON s.id = v.server_id WHERE s.deleted_at IS NULL AND s.subscription_id = ANY(${actor.subscriptions}::text[]) GROUP BY v.state`
      : db().$queryRaw<{ state: string; n: bigint }[]>`SELECT v.state, count(*) AS n FROM server_verdict v JOIN server s ON s.id = v.server_id WHERE s.deleted_at IS NULL GROUP BY v.state`,
    db().scan.findFirst({ orderBy: { queuedAt: "desc" }, select: { id: true, status: true, finishedAt: true } }),
    db().evaluationRun.findFirst({ orderBy: { queuedAt: "desc" }, select: { id: true, status: true, finishedAt: true, changed: true } }),
  ]);
  const states: Record<string, number> = {};
  let evaluated = 0;
  for (const g of grouped) {
    states[g.state] = Number(g.n);
    evaluated += Number(g.n);
  }
  if (servers > evaluated) states.not_evaluated = servers - evaluated;
  const compliant = states.compliant ?? 0;
  const nonCompliant = NON_COMPLIANT_STATES.reduce((n, s) => n + (states[s] ?? 0), 0);
  const judged = compliant + nonCompliant;
  return { servers, states, compliant, nonCompliant, compliantShare: judged ? compliant / judged : null, lastScan, lastEvaluation };
}
