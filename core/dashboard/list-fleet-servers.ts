import { authorize, type Actor } from "../auth/actor";
import { db, Prisma } from "../db/client";
import { STATE_SQL, orderBySql, serverFromWhere, type ServerQuery } from "./server-query";

export interface FleetServerRow {
  id: string;
  name: string;
  subscriptionId: string;
  resourceGroup: string;
  location: string;
  version: string | null;
  skuName: string | null;
  /** Azure's properties.state (Ready, Stopped, ...). */
  state: string | null;
  tags: Record<string, string>;
  lastSeenAt: Date;
  /** The verdict's state, or "not_evaluated" when the server has none yet. */
  verdictState: string;
  governingRuleId: string | null;
  governingRuleName: string | null;
  ruleRevision: number | null;
  stateSince: Date | null;
}

export interface FleetServerPage {
  total: number;
  page: number;
  pageSize: number;
  items: FleetServerRow[];
}

interface RawRow {
  id: string;
  name: string;
  subscription_id: string;
  resource_group: string;
  location: string;
  version: string | null;
  sku_name: string | null;
  state: string | null;
  tags: unknown;
  last_seen_at: Date;
  verdict_state: string;
  governing_rule_id: string | null;
  governing_rule_name: string | null;
  rule_revision: number | null;
  state_since: Date | null;
}

/** The columns of a server row; `r` is the governing rule. Shared with the CSV export. */
export const SERVER_ROW_COLUMNS = Prisma.sql`s.id, s.name, s.subscription_id, s.resource_group, s.location, s.version, s.sku_name, s.state, s.tags, s.last_seen_at,
  ${STATE_SQL} AS verdict_state, v.governing_rule_id, r.name AS governing_rule_name, v.rule_revision, v.state_since`;

export const toFleetServerRow = (r: RawRow): FleetServerRow => ({
  id: r.id,
  name: r.name,
  subscriptionId: r.subscription_id,
  resourceGroup: r.resource_group,
  location: r.location,
  version: r.version,
  skuName: r.sku_name,
  state: r.state,
  tags: (r.tags ?? {}) as Record<string, string>,
  lastSeenAt: r.last_seen_at,
  verdictState: r.verdict_state,
  governingRuleId: r.governing_rule_id,
  governingRuleName: r.governing_rule_name,
  ruleRevision: r.rule_revision,
  stateSince: r.state_since,
});
export type { RawRow as FleetServerRawRow };

/** One page of the current fleet in the actor's subscriptions, filtered and sorted in the database, with the total that matches. */
export async function listFleetServers(actor: Actor, query: ServerQuery): Promise<FleetServerPage> {
  authorize(actor, "fleet:read");
  const from = serverFromWhere(actor, query);
  const [counted, rows] = await Promise.all([
    db().$queryRaw<{ n: bigint }[]>`SELECT count(*) AS n ${from}`,
    // The rule's name is joined after the page is cut: 50 lookups rather than one per matching server.
    db().$queryRaw<RawRow[]>`
      WITH page AS (SELECT s.id ${from} ${orderBySql(query.sort, query.dir)} LIMIT ${query.pageSize} OFFSET ${(query.page - 1) * query.pageSize})
      SELECT ${SERVER_ROW_COLUMNS}
      FROM page p JOIN server s ON s.id = p.id LEFT JOIN server_verdict v ON v.server_id = s.id LEFT JOIN protection_rule r ON r.id = v.governing_rule_id
      ${orderBySql(query.sort, query.dir)}`,
  ]);
  return { total: Number(counted[0]?.n ?? 0), page: query.page, pageSize: query.pageSize, items: rows.map(toFleetServerRow) };
}
