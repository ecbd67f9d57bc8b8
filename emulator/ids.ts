// Identifiers: deterministic GUIDs (name-based, so a seed always yields the same fleet) and the
// case-insensitive resource-id keys ARM compares on.
import { createHash } from "node:crypto";

/** A version-5 style UUID derived from the given parts: same parts, same GUID. */
export function nameGuid(...parts: (string | number)[]): string {
  const hash = createHash("sha1").update(parts.join("\u0000")).digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/** ARM compares ids case-insensitively; every map in the store is keyed by this. */
export const idKey = (id: string): string => id.toLowerCase().replace(/\/+$/, "");

export interface ParsedResourceId {
  subscriptionId?: string;
  resourceGroup?: string;
  /** provider namespace/type pairs after /providers/, e.g. [["Microsoft.DBforPostgreSQL/flexibleServers","pg1"]] */
  provider?: string;
  types: string[];
  names: string[];
}

/** Splits an ARM id into subscription, resource group and the type/name chain. */
export function parseResourceId(id: string): ParsedResourceId {
  const segments = id.split("/").filter((s) => s.length > 0);
  const parsed: ParsedResourceId = { types: [], names: [] };
  let i = 0;
  while (i < segments.length) {
    const segment = segments[i]!.toLowerCase();
    if (segment === "subscriptions" && parsed.subscriptionId === undefined && parsed.provider === undefined) {
      parsed.subscriptionId = segments[i + 1];
      i += 2;
    } else if (segment === "resourcegroups" && parsed.resourceGroup === undefined && parsed.provider === undefined) {
      parsed.resourceGroup = segments[i + 1];
      i += 2;
    } else if (segment === "providers") {
      parsed.provider = segments[i + 1];
      const type = segments[i + 2];
      const name = segments[i + 3];
      if (type !== undefined) parsed.types.push(type);
      if (name !== undefined) parsed.names.push(name);
      i += 4;
      while (i + 1 < segments.length && segments[i]!.toLowerCase() !== "providers") {
        parsed.types.push(segments[i]!);
        parsed.names.push(segments[i + 1]!);
        i += 2;
      }
    } else {
      i += 1;
    }
  }
  return parsed;
}

export const subscriptionScope = (subscriptionId: string) => `/subscriptions/${subscriptionId}`;
export const resourceGroupScope = (subscriptionId: string, resourceGroup: string) =>
  `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}`;

/** True when `inner` equals `outer` or lies below it (both compared case-insensitively). */
export function scopeContains(outer: string, inner: string): boolean {
  const o = idKey(outer);
  const i = idKey(inner);
  if (o === "" || o === "/") return true;
  return i === o || i.startsWith(o + "/");
}
