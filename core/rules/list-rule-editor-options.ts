// What the rule editor offers to pick from, read from the inventory: the actor's subscriptions (with their names),
// resource groups, regions, PostgreSQL versions and tag keys of their servers, and their Backup vaults with the
// policies that back up PostgreSQL flexible servers. The editor still takes anything typed: these are suggestions.
import { authorize, subscriptionScope, type Actor } from "../auth/actor";
import { db, Prisma } from "../db/client";
import { armKey } from "../inventory/types";
import { PG_FLEX_DATASOURCE_TYPE } from "./evaluate";
import { normaliseRegion } from "./schemas";

export interface RuleEditorVault {
  armId: string;
  name: string;
  region: string;
  resourceGroup: string;
  subscriptionId: string;
}

export interface RuleEditorPolicy {
  armId: string;
  name: string;
  vaultArmId: string;
  vaultName: string;
  region: string;
  /** ISO 8601 duration between backups, or null when the schedule does not repeat. */
  backupInterval: string | null;
  /** ISO 8601 duration the default retention keeps backups. */
  defaultRetention: string | null;
}

export interface RuleEditorOptions {
  subscriptions: { id: string; name: string | null }[];
  resourceGroups: string[];
  regions: string[];
  postgresVersions: string[];
  tagKeys: string[];
  vaults: RuleEditorVault[];
  vaultTagKeys: string[];
  policies: RuleEditorPolicy[];
}

// A datalist of thousands of entries helps nobody and costs the page; beyond this the editor shows the first ones.
const MAX_SUGGESTIONS = 2_000;

const byText = (a: string, b: string) => a.localeCompare(b, "en", { numeric: true, sensitivity: "base" });

/** Each name once, ignoring case (Azure does), sorted. */
function distinct(names: Iterable<string>): string[] {
  const seen = new Map<string, string>();
  for (const name of names) if (name && !seen.has(name.toLowerCase())) seen.set(name.toLowerCase(), name);
  return [...seen.values()].sort(byText).slice(0, MAX_SUGGESTIONS);
}

/** The suggestions the rule editor offers the actor, from the current inventory of their subscriptions. */
export async function listRuleEditorOptions(actor: Actor): Promise<RuleEditorOptions> {
  authorize(actor, "fleet:read");
  const scope = subscriptionScope(actor);
  const serverScope = actor.subscriptions ? Prisma.sql`AND subscription_id = ANY(${actor.subscriptions}::text[])` : Prisma.empty;
  const [subscriptions, facets, tagKeys, vaults, policies] = await Promise.all([
    db().subscription.findMany({
      where: { deletedAt: null, ...(actor.subscriptions ? { id: { in: actor.subscriptions } } : {}) },
      select: { id: true, displayName: true },
      orderBy: { id: "asc" },
    }),
    db().$queryRaw<{ resource_group: string | null; location: string | null; version: string | null }[]>`
      SELECT resource_group, location, version FROM server WHERE deleted_at IS NULL ${serverScope}
      GROUP BY GROUPING SETS ((resource_group), (location), (version))`,
    db().$queryRaw<{ key: string }[]>`
      SELECT DISTINCT k AS key FROM server, jsonb_object_keys(CASE WHEN jsonb_typeof(tags) = 'object' THEN tags ELSE '{}'::jsonb END) AS k
      WHERE deleted_at IS NULL ${serverScope} ORDER BY 1 LIMIT ${MAX_SUGGESTIONS}`,
    db().vault.findMany({
      where: { deletedAt: null, ...scope },
      select: { armId: true, name: true, location: true, resourceGroup: true, subscriptionId: true, tags: true },
      orderBy: [{ location: "asc" }, { name: "asc" }],
    }),
    db().backupPolicy.findMany({
      where: { deletedAt: null, ...scope },
      select: { armId: true, name: true, vaultArmIdKey: true, datasourceTypes: true, backupInterval: true, defaultRetention: true },
      orderBy: { name: "asc" },
    }),
  ]);

  const vaultByKey = new Map(vaults.map((v) => [armKey(v.armId), v]));
  const pgType = PG_FLEX_DATASOURCE_TYPE.toLowerCase();
  const vaultTagKeys = vaults.flatMap((v) => (v.tags && typeof v.tags === "object" && !Array.isArray(v.tags) ? Object.keys(v.tags) : []));
  return {
    subscriptions: subscriptions.map((s) => ({ id: s.id, name: s.displayName })),
    resourceGroups: distinct(facets.map((f) => f.resource_group ?? "")),
    regions: distinct([...facets.map((f) => f.location ?? ""), ...vaults.map((v) => v.location)].map((r) => (r ? normaliseRegion(r) : ""))),
    postgresVersions: distinct(facets.map((f) => f.version ?? "")),
    tagKeys: tagKeys.map((t) => t.key),
    vaults: vaults.map((v) => ({ armId: v.armId, name: v.name, region: normaliseRegion(v.location), resourceGroup: v.resourceGroup, subscriptionId: v.subscriptionId })),
    vaultTagKeys: distinct(vaultTagKeys),
    policies: policies.flatMap((p) => {
      const vault = vaultByKey.get(p.vaultArmIdKey);
      // Only policies that can back up a flexible server; a rule naming another would be refused at save.
      if (!vault || !p.datasourceTypes.some((t) => t.toLowerCase() === pgType)) return [];
      return [{ armId: p.armId, name: p.name, vaultArmId: vault.armId, vaultName: vault.name, region: normaliseRegion(vault.location), backupInterval: p.backupInterval, defaultRetention: p.defaultRetention }];
    }),
  };
}
