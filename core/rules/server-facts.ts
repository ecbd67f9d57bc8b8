// A server reduced to the lower-cased keys that rules, exemptions and role checks compare, computed
// once per server so that 50 rules do not lower-case the same names 50 times.
import { armKey, type InventoryServer, type Tags } from "@/core/inventory/types";
import { normaliseRegion } from "./schemas";

export interface ServerFacts {
  server: InventoryServer;
  armKey: string;
  nameKey: string;
  subscriptionKey: string;
  /** "/subscriptions/{id}", lower-cased: the subscription's scope key. */
  subscriptionScopeKey: string;
  /** The resource group name alone, lower-cased, for resource group patterns. */
  resourceGroupNameKey: string;
  /** "/subscriptions/{id}/resourcegroups/{name}", lower-cased: the resource group's scope key. */
  resourceGroupKey: string;
  region: string;
  /** Tag values by lower-cased key: Azure tag names are case-insensitive, values are not. */
  tags: ReadonlyMap<string, string>;
}

/** Tags keyed by lower-cased name; of two keys differing only in case (Azure allows no such pair) the first wins. */
export function lowerCaseTagMap(tags: Tags): Map<string, string> {
  const map = new Map<string, string>();
  for (const key in tags) {
    const lower = key.toLowerCase();
    if (!map.has(lower)) map.set(lower, tags[key]!);
  }
  return map;
}

/** Remembers the few distinct regions and subscriptions of a fleet, so each is normalised once. */
export class ServerFactsCache {
  private readonly regions = new Map<string, string>();
  private readonly subscriptions = new Map<string, { key: string; scopeKey: string; resourceGroupKeys: Map<string, string> }>();

  region(location: string): string {
    let region = this.regions.get(location);
    if (region === undefined) this.regions.set(location, (region = normaliseRegion(location)));
    return region;
  }

  subscription(subscriptionId: string): { key: string; scopeKey: string; resourceGroupKeys: Map<string, string> } {
    let subscription = this.subscriptions.get(subscriptionId);
    if (subscription === undefined) {
      const key = subscriptionId.toLowerCase();
      this.subscriptions.set(subscriptionId, (subscription = { key, scopeKey: `/subscriptions/${key}`, resourceGroupKeys: new Map() }));
    }
    return subscription;
  }
}

export function serverFacts(server: InventoryServer, cache: ServerFactsCache = new ServerFactsCache()): ServerFacts {
  const subscription = cache.subscription(server.subscriptionId);
  const resourceGroupNameKey = server.resourceGroup.toLowerCase();
  return {
    server,
    armKey: armKey(server.armId),
    nameKey: server.name.toLowerCase(),
    subscriptionKey: subscription.key,
    subscriptionScopeKey: subscription.scopeKey,
    resourceGroupNameKey,
    resourceGroupKey: resourceGroupKeyOf(subscription, resourceGroupNameKey),
    region: cache.region(server.location),
    tags: lowerCaseTagMap(server.tags),
  };
}

// One string per resource group, reused by every server in it: a map or set lookup then finds its
// hash already computed instead of hashing a fresh 80-character key per server.
function resourceGroupKeyOf(subscription: { scopeKey: string; resourceGroupKeys: Map<string, string> }, resourceGroupNameKey: string): string {
  let key = subscription.resourceGroupKeys.get(resourceGroupNameKey);
  if (key === undefined) subscription.resourceGroupKeys.set(resourceGroupNameKey, (key = `${subscription.scopeKey}/resourcegroups/${resourceGroupNameKey}`));
  return key;
}
