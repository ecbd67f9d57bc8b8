import { authorize, type Actor } from "../auth/actor";
import { db, Prisma } from "../db/client";
import { fleetStatus, type FleetStatus } from "../evaluation/fleet-status";
import { NON_COMPLIANT_STATES } from "../rules/verdict";
import { NOT_EVALUATED, STATE_SQL } from "./server-query";

/** Servers per verdict state for one subscription, region or rule. */
export interface StateBreakdownRow {
  key: string;
  /** What to show: the rule's name for rules, else the key itself. */
  label: string;
  servers: number;
  compliant: number;
  nonCompliant: number;
  states: Record<string, number>;
}

export interface TrendPoint {
  /** The day, YYYY-MM-DD (UTC). */
  day: string;
  states: Record<string, number>;
}

export interface RecentlyNonCompliant {
  serverId: string;
  name: string;
  subscriptionId: string;
  location: string;
  at: Date;
  fromState: string | null;
  toState: string;
  /** The server's state now, which a later evaluation may have changed again. */
  currentState: string;
}

export interface Overview {
  status: FleetStatus;
  bySubscription: StateBreakdownRow[];
  byRegion: StateBreakdownRow[];
  byRule: StateBreakdownRow[];
  trend: TrendPoint[];
  recentlyNonCompliant: RecentlyNonCompliant[];
  lastScan: { id: string; status: string; trigger: string; queuedAt: Date; finishedAt: Date | null; counts: unknown; error: string | null } | null;
  lastEvaluation: { id: string; status: string; trigger: string; queuedAt: Date; finishedAt: Date | null; servers: number; changed: number; error: string | null } | null;
}

export interface OverviewOptions {
  /** Days of trend to return, today included. */
  trendDays?: number;
  recentLimit?: number;
}

const NON_COMPLIANT = new Set<string>(NON_COMPLIANT_STATES);

/** Everything the overview shows, in the actor's subscriptions; its headline figures are fleetStatus's, as the API and CLI print them. */
export async function getOverview(actor: Actor, { trendDays = 30, recentLimit = 10 }: OverviewOptions = {}): Promise<Overview> {
  authorize(actor, "fleet:read");
  const scope = actor.subscriptions ? Prisma.sql`AND s.subscription_id = ANY(${actor.subscriptions}::text[])` : Prisma.empty;
  const since = new Date(Date.now() - (trendDays - 1) * 86_400_000);
  since.setUTCHours(0, 0, 0, 0);

  const [status, grouped, rules, trendRows, recent, lastScan, lastEvaluation] = await Promise.all([
    fleetStatus(actor),
    // Someone who sees every subscription gets the breakdowns the last evaluation stored with its daily aggregates
    // (the same figures, without a pass over 100,000 servers); a subscription-limited actor gets one pass over its
    // own servers, since the stored region and rule figures are not split by subscription.
    actor.subscriptions === null
      ? db().$queryRaw<{ dimension: string; key: string | null; state: string; n: bigint }[]>`
          SELECT dimension, key, state, count::bigint AS n FROM daily_aggregate
          WHERE day = (SELECT max(day) FROM daily_aggregate) AND dimension IN ('subscription', 'region', 'rule')`
      : db().$queryRaw<{ dimension: string; key: string | null; state: string; n: bigint }[]>`
      SELECT CASE WHEN GROUPING(s.subscription_id) = 0 THEN 'subscription' WHEN GROUPING(s.location) = 0 THEN 'region' ELSE 'rule' END AS dimension,
             coalesce(s.subscription_id, s.location, v.governing_rule_id::text) AS key, ${STATE_SQL} AS state, count(*) AS n
      FROM server s LEFT JOIN server_verdict v ON v.server_id = s.id
      WHERE s.deleted_at IS NULL ${scope}
      GROUP BY GROUPING SETS ((s.subscription_id, ${STATE_SQL}), (s.location, ${STATE_SQL}), (v.governing_rule_id, ${STATE_SQL}))`,
    db().protectionRule.findMany({ select: { id: true, name: true } }),
    // The daily aggregates: the whole fleet's row when the actor sees everything, else its subscriptions' rows summed.
    actor.subscriptions
      ? db().$queryRaw<{ day: Date; state: string; n: bigint }[]>`
          SELECT day, state, sum(count) AS n FROM daily_aggregate
          WHERE dimension = 'subscription' AND key = ANY(${actor.subscriptions}::text[]) AND day >= ${since}::date GROUP BY day, state ORDER BY day`
      : db().$queryRaw<{ day: Date; state: string; n: bigint }[]>`
          SELECT day, state, sum(count) AS n FROM daily_aggregate WHERE dimension = 'all' AND day >= ${since}::date GROUP BY day, state ORDER BY day`,
    // Walks the timeline backwards from now (index on at) and stops at the first matches in scope.
    db().$queryRaw<{ server_id: string; name: string; subscription_id: string; location: string; at: Date; from_state: string | null; to_state: string; current_state: string }[]>`
      SELECT c.server_id, s.name, s.subscription_id, s.location, c.at, c.from_state, c.to_state, ${STATE_SQL} AS current_state
      FROM (
        SELECT DISTINCT ON (c.server_id) c.server_id, c.at, c.from_state, c.to_state FROM (
          SELECT c.* FROM verdict_change c JOIN server s ON s.id = c.server_id AND s.deleted_at IS NULL ${scope}
          WHERE c.to_state = ANY(${[...NON_COMPLIANT_STATES]}::text[]) AND (c.from_state IS NULL OR NOT c.from_state = ANY(${[...NON_COMPLIANT_STATES]}::text[]))
          ORDER BY c.at DESC, c.id DESC LIMIT ${recentLimit * 5}
        ) c ORDER BY c.server_id, c.at DESC
      ) c JOIN server s ON s.id = c.server_id LEFT JOIN server_verdict v ON v.server_id = s.id
      ORDER BY c.at DESC, s.name LIMIT ${recentLimit}`,
    db().scan.findFirst({ orderBy: { queuedAt: "desc" }, select: { id: true, status: true, trigger: true, queuedAt: true, finishedAt: true, counts: true, error: true } }),
    db().evaluationRun.findFirst({ orderBy: { queuedAt: "desc" }, select: { id: true, status: true, trigger: true, queuedAt: true, finishedAt: true, servers: true, changed: true, error: true } }),
  ]);

  const ruleNames = new Map(rules.map((r) => [r.id, r.name]));
  const breakdowns = { subscription: new Map<string, StateBreakdownRow>(), region: new Map<string, StateBreakdownRow>(), rule: new Map<string, StateBreakdownRow>() };
  for (const g of grouped) {
    const dimension = g.dimension as keyof typeof breakdowns;
    const key = g.key ?? "";
    let row = breakdowns[dimension].get(key);
    if (!row) {
      const label = dimension === "rule" ? (key ? (ruleNames.get(key) ?? `deleted rule ${key.slice(0, 8)}`) : "No rule") : key;
      breakdowns[dimension].set(key, (row = { key, label, servers: 0, compliant: 0, nonCompliant: 0, states: {} }));
    }
    const n = Number(g.n);
    row.states[g.state] = n;
    row.servers += n;
    if (g.state === "compliant") row.compliant += n;
    if (NON_COMPLIANT.has(g.state)) row.nonCompliant += n;
  }
  // Most non-compliant first: that is where attention goes.
  const sorted = (m: Map<string, StateBreakdownRow>) => [...m.values()].sort((a, b) => b.nonCompliant - a.nonCompliant || b.servers - a.servers || a.label.localeCompare(b.label));

  const trend = new Map<string, TrendPoint>();
  for (const t of trendRows) {
    const day = t.day.toISOString().slice(0, 10);
    let point = trend.get(day);
    if (!point) trend.set(day, (point = { day, states: {} }));
    point.states[t.state] = Number(t.n);
  }

  return {
    status,
    bySubscription: sorted(breakdowns.subscription),
    byRegion: sorted(breakdowns.region),
    byRule: sorted(breakdowns.rule),
    trend: [...trend.values()],
    recentlyNonCompliant: recent.map((r) => ({
      serverId: r.server_id,
      name: r.name,
      subscriptionId: r.subscription_id,
      location: r.location,
      at: r.at,
      fromState: r.from_state,
      toState: r.to_state,
      currentState: r.current_state,
    })),
    lastScan,
    lastEvaluation,
  };
}

export { NOT_EVALUATED };
