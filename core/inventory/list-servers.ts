import { authorize, subscriptionScope, type Actor } from "../auth/actor";
import { db } from "../db/client";

export interface ServerListItem {
  id: string;
  name: string;
  subscriptionId: string;
  resourceGroup: string;
  location: string;
  version: string | null;
  skuName: string | null;
  state: string | null;
  tags: Record<string, string>;
  lastSeenAt: Date;
}

export interface ListServersInput {
  page?: number;
  pageSize?: number;
}

/** One page of the current (not deleted) fleet in the actor's subscriptions, by name, with the total count. */
export async function listServers(actor: Actor, { page = 1, pageSize = 50 }: ListServersInput = {}): Promise<{ total: number; items: ServerListItem[] }> {
  authorize(actor, "fleet:read");
  const where = { deletedAt: null, ...subscriptionScope(actor) };
  const [total, rows] = await Promise.all([
    db().server.count({ where }),
    db().server.findMany({
      where,
      orderBy: [{ name: "asc" }, { id: "asc" }],
      skip: (page - 1) * pageSize,
      take: pageSize,
      select: { id: true, name: true, subscriptionId: true, resourceGroup: true, location: true, version: true, skuName: true, state: true, tags: true, lastSeenAt: true },
    }),
  ]);
  return { total, items: rows.map((r) => ({ ...r, tags: (r.tags ?? {}) as Record<string, string> })) };
}
