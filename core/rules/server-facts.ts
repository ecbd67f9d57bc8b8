// A server reduced to the lower-cased keys that rules, exemptions and role checks compare, computed
// once per server so that 50 rules do not lower-case the same names 50 times.
import { armKey, type InventoryServer, type Tags } from "@/core/inventory/types";
import { resourceGroupKey } from "@/core/exemptions/exemption-index";
import { normaliseRegion } from "./schemas";

export interface ServerFacts {
  server: InventoryServer;
  armKey: string;
  nameKey: string;
  subscriptionKey: string;
  resourceGroupKey: string;
  /** The resource group name alone, lower-cased, for resource group patterns. */
  resourceGroupNameKey: string;
  region: string;
  /** Tag values by lower-cased key: Azure tag names are case-insensitive, values are not. */
  tags: ReadonlyMap<string, string>;
  /** The ARM id of the server's resource group, as Azure spells such scopes. */
  resourceGroupScope: string;
  /** Scope keys a role assignment may sit at to cover the server: the server, its resource group, its subscription, the tenant root. */
  serverScopeChain: readonly string[];
  /** Scope keys that cover the resource group: itself, its subscription, the tenant root. */
  resourceGroupScopeChain: readonly string[];
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

export function serverFacts(server: InventoryServer): ServerFacts {
  const subscriptionKey = server.subscriptionId.toLowerCase();
  const resourceGroupNameKey = server.resourceGroup.toLowerCase();
  const subscriptionScope = `/subscriptions/${subscriptionKey}`;
  const resourceGroupScopeKey = `${subscriptionScope}/resourcegroups/${resourceGroupNameKey}`;
  const serverKey = armKey(server.armId);
  return {
    server,
    armKey: serverKey,
    nameKey: server.name.toLowerCase(),
    subscriptionKey,
    resourceGroupKey: resourceGroupKey(server.subscriptionId, server.resourceGroup),
    resourceGroupNameKey,
    region: normaliseRegion(server.location),
    tags: lowerCaseTagMap(server.tags),
    resourceGroupScope: `/subscriptions/${server.subscriptionId}/resourceGroups/${server.resourceGroup}`,
    serverScopeChain: [serverKey, resourceGroupScopeKey, subscriptionScope, "/"],
    resourceGroupScopeChain: [resourceGroupScopeKey, subscriptionScope, "/"],
  };
}
