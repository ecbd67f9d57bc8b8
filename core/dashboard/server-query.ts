// The servers query shared by the table, its API and its CSV export: filters, sort order and page, parsed from a
// URL's query string, and turned into one SQL WHERE and ORDER BY that always include the actor's subscriptions.
import { z } from "zod";
import type { Actor } from "../auth/actor";
import { Prisma } from "../db/client";
import { NON_COMPLIANT_STATES, VERDICT_STATES } from "../rules/verdict";

/** A server Flexguard has inventoried but not yet judged has no verdict row; the overview counts it as this. */
export const NOT_EVALUATED = "not_evaluated";
/** A filter value standing for every non-compliant state at once ("show me what is wrong"). */
export const NON_COMPLIANT = "non_compliant";
/** A rule filter value for servers no rule governs. */
export const NO_RULE = "none";

export const FILTERABLE_STATES = [...VERDICT_STATES, NOT_EVALUATED] as const;
export const SERVER_SORTS = ["name", "state", "region", "subscription", "stateSince"] as const;
export type ServerSort = (typeof SERVER_SORTS)[number];

const optionalText = (max: number) =>
  z
    .string()
    .trim()
    .max(max)
    .optional()
    .transform((v) => (v ? v : undefined));

/** The query string of GET /api/servers, /api/servers/export and the /servers page. */
export const serverQuerySchema = z.strictObject({
  /** Case-insensitive substring of the server name. */
  q: optionalText(200),
  /** Comma-separated verdict states; "non_compliant" stands for all of them. */
  state: optionalText(500)
    .transform((v) => (v ? [...new Set(v.split(",").flatMap((s): string[] => (s.trim() === NON_COMPLIANT ? [...NON_COMPLIANT_STATES] : [s.trim()])))] : undefined))
    .pipe(z.array(z.enum(FILTERABLE_STATES, { error: `each state must be one of ${FILTERABLE_STATES.join(", ")} or ${NON_COMPLIANT}` })).optional()),
  /** The governing rule's id, or "none". */
  rule: optionalText(36).pipe(z.union([z.literal(NO_RULE), z.uuid({ error: `must be a rule id or '${NO_RULE}'` })]).optional()),
  subscription: optionalText(100).transform((v) => v?.toLowerCase()),
  resourceGroup: optionalText(100),
  region: optionalText(100),
  /** key=value (exact, case-sensitive as Azure stores tags) or just key (the tag is present). */
  tag: optionalText(600),
  version: optionalText(20),
  sort: z.enum(SERVER_SORTS).default("name"),
  dir: z.enum(["asc", "desc"]).default("asc"),
  page: z.coerce.number().int().min(1).max(1_000_000).default(1),
  pageSize: z.coerce.number().int().min(1).max(1000).default(50),
});
export type ServerQuery = z.infer<typeof serverQuerySchema>;
export type ServerFilters = Omit<ServerQuery, "sort" | "dir" | "page" | "pageSize">;

/** The URL query of a server query, without defaults: what /servers and the export link put in their URLs. */
export function serverQueryParams(query: Partial<ServerQuery>): URLSearchParams {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null || value === "") continue;
    if (key === "sort" && value === "name") continue;
    if (key === "dir" && value === "asc") continue;
    if (key === "page" && value === 1) continue;
    if (key === "pageSize" && value === 50) continue;
    params.set(key, Array.isArray(value) ? value.join(",") : String(value));
  }
  return params;
}

// The states in urgency order, so that "sort by state" puts the most urgent first, as the verdict model ranks them.
const STATE_RANK = Prisma.raw(`coalesce(array_position(ARRAY[${FILTERABLE_STATES.map((s) => `'${s}'`).join(",")}]::text[], coalesce(v.state, '${NOT_EVALUATED}')), 0)`);

/**
 * SQL for the server's verdict state, servers without a verdict counting as not evaluated. A literal rather than a
 * bind parameter: GROUP BY must see the same expression as SELECT, and two parameters are two expressions.
 */
export const STATE_SQL = Prisma.raw(`coalesce(v.state, '${NOT_EVALUATED}')`);

/**
 * FROM ... WHERE for the current servers matching the filters, within the actor's subscriptions; `s` is server, `v`
 * its verdict, and with `withRule` `r` its governing rule.
 */
export function serverFromWhere(actor: Actor, filters: ServerFilters, { withRule = false } = {}): Prisma.Sql {
  const conditions: Prisma.Sql[] = [Prisma.sql`s.deleted_at IS NULL`];
  if (actor.subscriptions) conditions.push(Prisma.sql`s.subscription_id = ANY(${actor.subscriptions}::text[])`);
  if (filters.q) conditions.push(Prisma.sql`s.name ILIKE ${`%${escapeLike(filters.q)}%`}`);
  if (filters.state) {
    const judged = filters.state.filter((s) => s !== NOT_EVALUATED);
    const withUnjudged = filters.state.includes(NOT_EVALUATED);
    const parts: Prisma.Sql[] = [];
    if (judged.length) parts.push(Prisma.sql`v.state = ANY(${judged}::text[])`);
    if (withUnjudged) parts.push(Prisma.sql`v.server_id IS NULL`);
    conditions.push(Prisma.sql`(${Prisma.join(parts, " OR ")})`);
  }
  if (filters.rule === NO_RULE) conditions.push(Prisma.sql`v.governing_rule_id IS NULL`);
  else if (filters.rule) conditions.push(Prisma.sql`v.governing_rule_id = ${filters.rule}::uuid`);
  if (filters.subscription) conditions.push(Prisma.sql`s.subscription_id = ${filters.subscription}`);
  // Azure compares resource group names and regions case-insensitively.
  if (filters.resourceGroup) conditions.push(Prisma.sql`lower(s.resource_group) = ${filters.resourceGroup.toLowerCase()}`);
  if (filters.region) conditions.push(Prisma.sql`s.location = ${filters.region.toLowerCase().replace(/\s+/g, "")}`);
  if (filters.version) conditions.push(Prisma.sql`s.version = ${filters.version}`);
  if (filters.tag) {
    const at = filters.tag.indexOf("=");
    // jsonb containment: the tag value compares as a string, exactly; the key alone tests presence.
    if (at < 0) conditions.push(Prisma.sql`s.tags ? ${filters.tag}`);
    else conditions.push(Prisma.sql`s.tags @> jsonb_build_object(${filters.tag.slice(0, at).trim()}::text, ${filters.tag.slice(at + 1)}::text)`);
  }
  const rule = withRule ? Prisma.sql`LEFT JOIN protection_rule r ON r.id = v.governing_rule_id` : Prisma.empty;
  return Prisma.sql`FROM server s LEFT JOIN server_verdict v ON v.server_id = s.id ${rule} WHERE ${Prisma.join(conditions, " AND ")}`;
}

/** The sort key of each sort, with the SQL type a cursor value is cast to, so that keyset paging compares rows by (key, name, id). */
function sortKey(sort: ServerSort): { key: Prisma.Sql; type: Prisma.Sql } {
  switch (sort) {
    case "name":
      return { key: Prisma.sql`s.name`, type: Prisma.sql`text` };
    case "state":
      return { key: STATE_RANK, type: Prisma.sql`int` };
    case "region":
      return { key: Prisma.sql`s.location`, type: Prisma.sql`text` };
    case "subscription":
      return { key: Prisma.sql`s.subscription_id`, type: Prisma.sql`text` };
    case "stateSince":
      return { key: Prisma.sql`coalesce(v.state_since, 'epoch'::timestamp)`, type: Prisma.sql`timestamp` };
  }
}

/** The sort key as a selected column named sort_key, for a keyset cursor. */
export const sortKeyColumnSql = (sort: ServerSort): Prisma.Sql => Prisma.sql`${sortKey(sort).key} AS sort_key`;

/** ORDER BY for a sort: the key, then name and id so that equal keys still page deterministically. */
export function orderBySql(sort: ServerSort, dir: "asc" | "desc"): Prisma.Sql {
  const d = dir === "desc" ? Prisma.sql`DESC` : Prisma.sql`ASC`;
  if (sort === "name") return Prisma.sql`ORDER BY s.name ${d}, s.id ${d}`;
  return Prisma.sql`ORDER BY ${sortKey(sort).key} ${d}, s.name ${d}, s.id ${d}`;
}

export interface SortCursor {
  key: unknown;
  name: string;
  id: string;
}

/** AND-able condition: rows strictly after the cursor in the sort's order. */
export function afterCursorSql(sort: ServerSort, dir: "asc" | "desc", cursor: SortCursor): Prisma.Sql {
  const { key, type } = sortKey(sort);
  const op = dir === "desc" ? Prisma.sql`<` : Prisma.sql`>`;
  if (sort === "name") return Prisma.sql`(s.name, s.id) ${op} (${cursor.name}, ${cursor.id}::uuid)`;
  return Prisma.sql`(${key}, s.name, s.id) ${op} (${cursor.key}::${type}, ${cursor.name}, ${cursor.id}::uuid)`;
}

/** LIKE's own wildcards in a user's search text match themselves. */
function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}
