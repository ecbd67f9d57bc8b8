// The one place Azure clients are built: same credential, endpoint, TLS trust, retry and policies for all three.
import { AuthorizationManagementClient } from "@azure/arm-authorization";
import { ResourceGraphClient } from "@azure/arm-resourcegraph";
import { armClientOptions } from "./client-options";
import { azureCredential } from "./credential";
import { DataProtectionClient } from "./data-protection";

interface ClientCache {
  resourceGraph?: ResourceGraphClient;
  authorization: Map<string, AuthorizationManagementClient>;
  dataProtection: Map<string, DataProtectionClient>;
}

let cache: ClientCache = { authorization: new Map(), dataProtection: new Map() };

export function resourceGraphClient(): ResourceGraphClient {
  return (cache.resourceGraph ??= new ResourceGraphClient(azureCredential(), armClientOptions()));
}

export function authorizationClient(subscriptionId: string): AuthorizationManagementClient {
  let client = cache.authorization.get(subscriptionId);
  if (!client) cache.authorization.set(subscriptionId, (client = new AuthorizationManagementClient(azureCredential(), subscriptionId, armClientOptions())));
  return client;
}

export function dataProtectionClient(subscriptionId: string): DataProtectionClient {
  let client = cache.dataProtection.get(subscriptionId);
  if (!client) cache.dataProtection.set(subscriptionId, (client = new DataProtectionClient(azureCredential(), subscriptionId, armClientOptions())));
  return client;
}

/** Drops every cached client, so the next call reads the configuration anew (tests that switch endpoints). */
export function resetAzureClients(): void {
  cache = { authorization: new Map(), dataProtection: new Map() };
}
