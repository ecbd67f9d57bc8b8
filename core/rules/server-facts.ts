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
  private readonly subscriptions = new Map<string, SubscriptionKeys>();

  region(location: string): string {
    let region = this.regions.get(location);
    if (region === undefined) this.regions.set(location, (region = normaliseRegion(location)));
    return region;
  }

  subscription(subscriptionId: string): SubscriptionKeys {
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
  const resourceGroup = resourceGroupKeysOf(subscription, server.resourceGroup);
  return {
    server,
    armKey: armKey(server.armId),
    nameKey: server.name.toLowerCase(),
    subscriptionKey: subscription.key,
    subscriptionScopeKey: subscription.scopeKey,
    resourceGroupNameKey: resourceGroup.nameKey,
    resourceGroupKey: resourceGroup.key,
    region: cache.region(server.location),
    tags: lowerCaseTagMap(server.tags),
  };
}

interface SubscriptionKeys {
  key: string;
  scopeKey: string;
  /** By the resource group name as the inventory spells it. */
  resourceGroupKeys: Map<string, { nameKey: string; key: string }>;
}

// One pair of strings per resource group, reused by every server in it: no lower-casing per server,
// and a map or set lookup finds the key's hash already computed.
function resourceGroupKeysOf(subscription: SubscriptionKeys, resourceGroup: string): { nameKey: string; key: string } {
  let keys = subscription.resourceGroupKeys.get(resourceGroup);
  if (keys === undefined) {
    const nameKey = resourceGroup.toLowerCase();
    subscription.resourceGroupKeys.set(resourceGroup, (keys = { nameKey, key: `${subscription.scopeKey}/resourcegroups/${nameKey}` }));
  }
  return keys;
}
