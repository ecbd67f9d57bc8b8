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

/** One page of the current (not deleted) fleet, by name, with the total count. */
export async function listServers({ page = 1, pageSize = 50 }: ListServersInput = {}): Promise<{ total: number; items: ServerListItem[] }> {
  const where = { deletedAt: null };
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
