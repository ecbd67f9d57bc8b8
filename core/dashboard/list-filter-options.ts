import { authorize, type Actor } from "../auth/actor";
import { db, Prisma } from "../db/client";

export interface FilterOptions {
  subscriptions: string[];
  regions: string[];
  versions: string[];
  rules: { id: string; name: string }[];
}

/** The values the servers table's filters offer: what the actor's current fleet actually holds, and every rule. */
export async function listFilterOptions(actor: Actor): Promise<FilterOptions> {
  authorize(actor, "fleet:read");
  const scope = actor.subscriptions ? Prisma.sql`AND subscription_id = ANY(${actor.subscriptions}::text[])` : Prisma.empty;
  const [values, rules] = await Promise.all([
    db().$queryRaw<{ subscription_id: string | null; location: string | null; version: string | null }[]>`
      SELECT subscription_id, location, version FROM server WHERE deleted_at IS NULL ${scope}
      GROUP BY GROUPING SETS ((subscription_id), (location), (version))`,
    db().protectionRule.findMany({ where: { deletedAt: null }, select: { id: true, name: true }, orderBy: [{ order: "asc" }, { name: "asc" }] }),
  ]);
  const pick = (k: "subscription_id" | "location" | "version") => values.map((v) => v[k]).filter((v): v is string => !!v).sort((a, b) => a.localeCompare(b, "en", { numeric: true }));
  return { subscriptions: pick("subscription_id"), regions: pick("location"), versions: pick("version"), rules };
}
