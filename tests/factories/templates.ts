// ServerRoleGrant factories for the template builders: plain objects with ids that hold together (the server's
// ARM id matches its subscription, group and name; missing roles name the scopes Azure Backup checks).
import { randomUUID } from "node:crypto";
import { FLEXGUARD_PRINCIPAL as FLEXGUARD_PRINCIPAL_ID, ROLE_GUID } from "./fleet";
import type { ServerRoleGrant, TemplateRule } from "@/core/templates/types";

export const SUBSCRIPTION = "6a1f0d1c-2b3e-4c5d-8e9f-0a1b2c3d4e5f";
export const VAULT_PRINCIPAL = "3c2b1a09-8f7e-4d6c-9b5a-493827160514";
export const VAULT_ID = `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-backup/providers/Microsoft.DataProtection/backupVaults/bv-weu`;
export const RULE: TemplateRule = { id: "2d9c3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f", name: "Production databases", revision: 4 };

export const serverArmId = (subscriptionId: string, resourceGroup: string, name: string) =>
  `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}/providers/Microsoft.DBforPostgreSQL/flexibleServers/${name}`;

export interface GrantOverrides {
  name?: string;
  resourceGroup?: string;
  subscriptionId?: string;
  vault?: { armId: string; principalId: string };
  /** Which roles the vault identity lacks (default both). */
  missing?: ("ltr" | "reader")[];
  rule?: TemplateRule | null;
}

let counter = 0;

/** A grant for one server; each call names a new server unless told a name. */
export function buildGrant(overrides: GrantOverrides = {}): ServerRoleGrant {
  const subscriptionId = overrides.subscriptionId ?? SUBSCRIPTION;
  const resourceGroup = overrides.resourceGroup ?? "rg-data";
  const name = overrides.name ?? `pg-${String(++counter).padStart(5, "0")}`;
  const armId = serverArmId(subscriptionId, resourceGroup, name);
  const missing = overrides.missing ?? ["ltr", "reader"];
  return {
    server: { armId, name, subscriptionId, resourceGroup },
    vault: overrides.vault ?? { armId: VAULT_ID, principalId: VAULT_PRINCIPAL },
    missingRoles: missing.map((role) =>
      role === "ltr"
        ? { roleDefinitionGuid: ROLE_GUID.ltr, scope: armId }
        : { roleDefinitionGuid: ROLE_GUID.reader, scope: `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}` },
    ),
    rule: overrides.rule === undefined ? RULE : overrides.rule,
  };
}

/** A second vault (another region's), for packs whose servers go to several vaults. */
export const otherVault = (subscriptionId = SUBSCRIPTION) => ({
  armId: `/subscriptions/${subscriptionId}/resourceGroups/rg-backup-neu/providers/Microsoft.DataProtection/backupVaults/bv-neu`,
  principalId: randomUUID(),
});

/** `count` grants spread over `groups` resource groups (rg-000 ...), for large packs. */
export function buildGrants(count: number, groups = 1, subscriptionId = SUBSCRIPTION): ServerRoleGrant[] {
  return Array.from({ length: count }, (_, i) =>
    buildGrant({ name: `pg-${String(i).padStart(6, "0")}`, resourceGroup: `rg-${String(i % groups).padStart(3, "0")}`, subscriptionId }),
  );
}

/** Names Azure would refuse but a fleet (or an attacker's tag-driven import) could hold. */
export const HOSTILE_NAMES = [
  `pg-"quoted"`,
  "pg-o'brien",
  "pg-''double''",
  "[pg]",
  "[concat('a','b')]",
  "[[already-escaped]",
  "pg-]bracket",
  "pg-[open",
  "x' or 1==1 --",
  "Resources | where name == 'x' | project id",
  "<img src=x onerror=alert(1)>",
  "<svg onload=alert('pg')>",
  "pg-ünïcødé-数据库",
  "pg-\u202Egpj.exe",
  "pg-emoji-🐘",
  "pg-`backtick`-$(rm -rf ~)",
  "pg-;-&-|-*-?-%-{0}-{{x}}",
  "pg-‘curly’-quotes",
  "pg-line\nbreak",
  "pg-tab\there",
  "CON",
  "..",
];

/** A DBA who may assign roles in the data resource groups, where Flexguard's own principal may not. */
export const ADMIN_PRINCIPAL = "0d5b7a6e-2c1f-4e3d-9a8b-7c6d5e4f3a2b";

/**
 * An emulator fleet for deploying templates: one subscription whose data resource groups (one with a hostile
 * name) hold servers whose vault identity lacks both backup roles. Flexguard may read everything and configure
 * backup in the vault's group but not assign roles anywhere; the admin is Owner of the data groups.
 */
export function templateDeploymentFleet() {
  const subscriptionId = randomUUID();
  const tenantId = randomUUID();
  const vaultPrincipalId = randomUUID();
  // Quotes, parentheses and brackets; no non-ASCII letter, although Azure allows them: the emulator sends a
  // deployment's Azure-AsyncOperation URL with the group's name unencoded, which a client cannot follow.
  const groups = { data: "rg-data", hostile: "rg-o'neil (prod) [x] ü", backup: "rg-backup" };
  const rgId = (rg: string) => `/subscriptions/${subscriptionId}/resourceGroups/${rg}`;
  const servers = {
    orders: serverArmId(subscriptionId, groups.data, "pg-orders"),
    billing: serverArmId(subscriptionId, groups.data, "pg-billing"),
    ledger: serverArmId(subscriptionId, groups.hostile, "pg-ledger"),
    audit: serverArmId(subscriptionId, groups.hostile, "pg-audit"),
  };
  const vault = `${rgId(groups.backup)}/providers/Microsoft.DataProtection/backupVaults/bv-weu`;
  const policy = `${vault}/backupPolicies/pg-weekly-3m`;
  const description = {
    tenantId,
    principals: [
      { id: FLEXGUARD_PRINCIPAL_ID, displayName: "Flexguard", type: "ServicePrincipal" },
      { id: ADMIN_PRINCIPAL, displayName: "Dana (DBA)", type: "User" },
    ],
    subscriptions: [{ subscriptionId, displayName: "prod", resourceGroups: Object.values(groups).map((name) => ({ name, location: "westeurope" })) }],
    servers: Object.values(servers).map((id) => ({ id, location: "westeurope" })),
    vaults: [{ id: vault, location: "westeurope", principalId: vaultPrincipalId }],
    policies: [{ id: policy, retention: "P3M", schedule: "R/2024-01-07T23:00:00+00:00/P1W" }],
    backupInstances: [],
    roleAssignments: [
      { scope: `/subscriptions/${subscriptionId}`, principalId: FLEXGUARD_PRINCIPAL_ID, roleDefinitionId: ROLE_GUID.reader, name: randomUUID() },
      { scope: rgId(groups.backup), principalId: FLEXGUARD_PRINCIPAL_ID, roleDefinitionId: ROLE_GUID.backupContributor, name: randomUUID() },
      { scope: rgId(groups.data), principalId: ADMIN_PRINCIPAL, roleDefinitionId: ROLE_GUID.owner, name: randomUUID() },
      { scope: rgId(groups.hostile), principalId: ADMIN_PRINCIPAL, roleDefinitionId: ROLE_GUID.owner, name: randomUUID() },
    ],
  };
  return { subscriptionId, vaultPrincipalId, groups, servers, vault, policy, rgId, description };
}
