// The Resource Graph queries the scan sends. Constant text only: values never get concatenated into KQL;
// subscription scoping goes through the request's `subscriptions` field.

/** PostgreSQL flexible servers, with the facts compliance needs; ordered by id so paging is stable. */
export const SERVERS_QUERY = [
  "resources",
  "| where type =~ 'microsoft.dbforpostgresql/flexibleservers'",
  "| project id, name, location, resourceGroup, subscriptionId, tags, version = tostring(properties.version), state = tostring(properties.state), skuName = tostring(sku.name), skuTier = tostring(sku.tier)",
  "| order by id asc",
].join("\n");

export interface ServerRow {
  id: string;
  name: string;
  location: string;
  resourceGroup: string;
  subscriptionId: string;
  tags: Record<string, string> | null;
  version: string;
  state: string;
  skuName: string;
  skuTier: string;
}
