import { env } from "../config/env";
import { queryResourceGraph } from "../azure/resource-graph";

/** Subscriptions visible to the principal (within the management group, when one is configured). */
export const SUBSCRIPTIONS_QUERY = [
  "resourcecontainers",
  "| where type =~ 'microsoft.resources/subscriptions'",
  "| project id, subscriptionId, name",
  "| order by id asc",
].join("\n");

export interface ScanScope {
  /** Subscriptions in scope that the principal can read. */
  visible: string[];
  /** Configured subscriptions the principal cannot see: they fail the scan for themselves, and their inventory is kept. */
  inaccessible: string[];
}

/**
 * The subscriptions a scan covers: every one Resource Graph shows the principal (within the management group,
 * if configured), narrowed to AZURE_SUBSCRIPTIONS when that is set. Resource Graph silently leaves out
 * subscriptions the caller cannot read, so a configured subscription is checked against this list: otherwise
 * losing access would look like every server in it being deleted.
 */
export async function subscriptionsInScope(): Promise<ScanScope> {
  const config = env();
  const found = new Set<string>();
  const configured = config.AZURE_SUBSCRIPTIONS?.length ? [...new Set(config.AZURE_SUBSCRIPTIONS)] : undefined;
  const scope = configured ? { subscriptions: configured } : { managementGroups: config.AZURE_MANAGEMENT_GROUP ? [config.AZURE_MANAGEMENT_GROUP] : undefined };
  for await (const page of queryResourceGraph<{ subscriptionId: string }>(SUBSCRIPTIONS_QUERY, scope)) {
    for (const row of page) found.add(row.subscriptionId.toLowerCase());
  }
  if (!configured) return { visible: [...found].sort(), inaccessible: [] };
  return { visible: configured.filter((s) => found.has(s)).sort(), inaccessible: configured.filter((s) => !found.has(s)).sort() };
}

/** Splits subscriptions into groups of at most `size`. */
export function chunk<T>(items: T[], size: number): T[][] {
  const groups: T[][] = [];
  for (let i = 0; i < items.length; i += size) groups.push(items.slice(i, i + size));
  return groups;
}
