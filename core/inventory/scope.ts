import { env } from "../config/env";
import { queryResourceGraph } from "../azure/resource-graph";

/** Subscriptions visible to the principal (within the management group, when one is configured). */
export const SUBSCRIPTIONS_QUERY = [
  "resourcecontainers",
  "| where type =~ 'microsoft.resources/subscriptions'",
  "| project id, subscriptionId, name",
  "| order by id asc",
].join("\n");

/** The subscriptions a scan covers: the configured list, or every one Resource Graph shows the principal. */
export async function subscriptionsInScope(): Promise<string[]> {
  const config = env();
  if (config.AZURE_SUBSCRIPTIONS?.length) return [...new Set(config.AZURE_SUBSCRIPTIONS)];
  const found = new Set<string>();
  const scope = { managementGroups: config.AZURE_MANAGEMENT_GROUP ? [config.AZURE_MANAGEMENT_GROUP] : undefined };
  for await (const page of queryResourceGraph<{ subscriptionId: string }>(SUBSCRIPTIONS_QUERY, scope)) {
    for (const row of page) found.add(row.subscriptionId.toLowerCase());
  }
  return [...found].sort();
}

/** Splits subscriptions into groups of at most `size`. */
export function chunk<T>(items: T[], size: number): T[][] {
  const groups: T[][] = [];
  for (let i = 0; i < items.length; i += size) groups.push(items.slice(i, i + size));
  return groups;
}
