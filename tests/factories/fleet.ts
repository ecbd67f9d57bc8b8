// Small, hand-written emulator fleets (the documented JSON format, docs/emulator.md), for tests that need to
// know exactly what is in Azure: which server is protected, which identity holds which role, who may read what.
import { randomUUID } from "node:crypto";

export const ROLE_GUID = {
  ltr: "c088a766-074b-43ba-90d4-1fb21feae531",
  reader: "acdd72a7-3385-48ef-bd42-f606fba81ae7",
  owner: "8e3af657-a8ff-443c-a75c-2fe8c4bcb635",
  backupContributor: "5e467623-bb1f-42f4-a55d-6e525e11384b",
} as const;

export const FLEXGUARD_PRINCIPAL = "00000000-0000-4000-8000-00000000f1e9";

export interface SmallFleet {
  tenantId: string;
  subscriptions: { readable: string[]; hidden: string };
  vaultPrincipalId: string;
  ids: {
    servers: string[];
    protectedServer: string;
    vault: string;
    policy: string;
    backupInstance: string;
    resourceGroup: string;
  };
  /** The fleet description, without `omitServers`. */
  description(options?: { omitServers?: string[] }): Record<string, unknown>;
}

/**
 * Two subscriptions Flexguard can read (a: three servers, one protected by a vault whose identity holds both its
 * roles; b: two servers) and one it cannot (c: one server).
 */
export function smallFleet(): SmallFleet {
  const [subA, subB, subC] = [randomUUID(), randomUUID(), randomUUID()];
  const tenantId = randomUUID();
  const vaultPrincipalId = randomUUID();
  const rgA = `/subscriptions/${subA}/resourceGroups/rg-data`;
  const server = (scope: string, name: string) => `${scope}/providers/Microsoft.DBforPostgreSQL/flexibleServers/${name}`;
  const servers = [
    server(rgA, "pg-orders"),
    server(rgA, "pg-billing"),
    server(rgA, "pg-x-or-1-eq-1"),
    server(`/subscriptions/${subB}/resourceGroups/RG-Web`, "pg-web-1"),
    server(`/subscriptions/${subB}/resourceGroups/RG-Web`, "pg-web-2"),
  ];
  const hiddenServer = server(`/subscriptions/${subC}/resourceGroups/rg-secret`, "pg-secret");
  const vault = `/subscriptions/${subA}/resourceGroups/rg-backup/providers/Microsoft.DataProtection/backupVaults/bv-weu`;
  const policy = `${vault}/backupPolicies/pg-weekly-3m`;
  const backupInstance = `${vault}/backupInstances/pg-orders-pg-orders-${randomUUID()}`;
  const assignmentNames = Array.from({ length: 6 }, () => randomUUID());

  return {
    tenantId,
    subscriptions: { readable: [subA, subB], hidden: subC },
    vaultPrincipalId,
    ids: { servers, protectedServer: servers[0]!, vault, policy, backupInstance, resourceGroup: rgA },
    description({ omitServers = [] } = {}) {
      const names = [...assignmentNames];
      const keep = (id: string) => !omitServers.some((o) => o.toLowerCase() === id.toLowerCase());
      return {
        tenantId,
        principals: [{ id: FLEXGUARD_PRINCIPAL, displayName: "Flexguard", type: "ServicePrincipal" }],
        subscriptions: [
          { subscriptionId: subA, displayName: "sub-a", resourceGroups: [{ name: "rg-data", location: "westeurope" }, { name: "rg-backup", location: "westeurope" }] },
          { subscriptionId: subB, displayName: "sub-b", resourceGroups: [{ name: "RG-Web", location: "northeurope" }] },
          { subscriptionId: subC, displayName: "sub-c", resourceGroups: [{ name: "rg-secret", location: "westeurope" }] },
        ],
        servers: [
          ...servers.filter(keep).map((id, i) => ({
            id,
            location: id.includes(subB) ? "northeurope" : "westeurope",
            version: String(14 + (i % 3)),
            tags: i === 2 ? { owner: "x' or 1==1 //", notes: "<img src=x onerror=alert(1)>" } : { owner: "team-data@contoso.com", environment: "prod" },
          })),
          { id: hiddenServer, location: "westeurope" },
        ],
        vaults: [{ id: vault, location: "westeurope", principalId: vaultPrincipalId }],
        policies: [{ id: policy, retention: "P3M", schedule: "R/2024-01-07T23:00:00+00:00/P1W" }],
        backupInstances: keep(servers[0]!) ? [{ id: backupInstance, serverId: servers[0], policyId: policy }] : [],
        roleAssignments: [
          { scope: `/subscriptions/${subA}`, principalId: FLEXGUARD_PRINCIPAL, roleDefinitionId: ROLE_GUID.reader, name: names.shift() },
          { scope: `/subscriptions/${subB}`, principalId: FLEXGUARD_PRINCIPAL, roleDefinitionId: ROLE_GUID.reader, name: names.shift() },
          { scope: rgA, principalId: FLEXGUARD_PRINCIPAL, roleDefinitionId: ROLE_GUID.owner, name: names.shift() },
          { scope: `/subscriptions/${subA}/resourceGroups/rg-backup`, principalId: FLEXGUARD_PRINCIPAL, roleDefinitionId: ROLE_GUID.backupContributor, name: names.shift() },
          { scope: servers[0], principalId: vaultPrincipalId, roleDefinitionId: ROLE_GUID.ltr, name: names.shift() },
          { scope: rgA, principalId: vaultPrincipalId, roleDefinitionId: ROLE_GUID.reader, name: names.shift() },
        ],
      };
    },
  };
}
