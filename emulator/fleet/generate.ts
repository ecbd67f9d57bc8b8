// The deterministic fleet generator: the same seed and sizes always give the same subscriptions,
// resource groups, servers, vaults, policies, backup instances and role assignments, byte for byte.
// It deliberately includes the awkward cases Flexguard must handle: hostile tag values and resource
// group names, stopped servers, regions without a vault, vaults without an identity or without
// their roles, servers protected by the wrong vault or policy, and protection errors.
import { nameGuid } from "../ids.ts";
import { SeededRandom } from "../random.ts";
import { ROLE } from "../roles.ts";
import type { FleetBackupInstance, FleetDescription, FleetPolicy, FleetRoleAssignment, FleetServer, FleetVault } from "./schema.ts";

export const FLEXGUARD_PRINCIPAL_ID = "00000000-0000-4000-8000-00000000f1e9";
/** An administrator who may deploy templates everywhere but assign roles only in most resource groups. */
export const DBA_PRINCIPAL_ID = "00000000-0000-4000-8000-0000000000ad";
/** A tenant-wide reader (assigned at the tenant root management group). */
export const AUDITOR_PRINCIPAL_ID = "00000000-0000-4000-8000-0000000000a0";

export interface GenerateOptions {
  seed: number | string;
  servers: number;
  subscriptions: number;
  flexguardPrincipalId?: string;
}

const REGIONS = [
  ["westeurope", "weu"], ["northeurope", "neu"], ["eastus", "eus"], ["eastus2", "eus2"], ["westus2", "wus2"],
  ["centralus", "cus"], ["uksouth", "uks"], ["francecentral", "frc"], ["germanywestcentral", "gwc"],
  ["swedencentral", "sdc"], ["southeastasia", "sea"], ["japaneast", "jpe"], ["australiaeast", "aue"], ["canadacentral", "cac"],
] as const;

const APPS = ["payments", "orders", "billing", "catalog", "identity", "search", "ledger", "inventory", "shipping", "crm", "analytics", "hr", "portal", "pricing", "audit", "notify"];
const ENVIRONMENTS = [["prod", 5], ["staging", 2], ["dev", 2], ["test", 1]] as const;
const OWNERS = ["team-data@contoso.com", "platform@contoso.com", "a.jones@contoso.com", "m.garcia@contoso.com", "li.wei@contoso.com", "db-oncall@contoso.com"];
const CLASSIFICATIONS = [["Confidential", 4], ["Internal", 4], ["Public", 1], ["Highly Confidential", 2]] as const;

/** Values a careless query builder would break on; they must come back exactly as stored. */
export const HOSTILE_VALUES = [
  "x' or 1==1 //",
  "\"; drop table servers; --",
  "<script>alert('owned')</script>",
  "resources | where type =~ 'microsoft.compute/virtualmachines' | project id",
  "Ünïcödé 🚀 数据库 — Ωμέγα",
  "back\\slash\\ and \\' escaped",
  "line one\nline two\ttabbed",
  "O'Brien & \"Sons\"",
  "@'verbatim' h'hidden' ```triple```",
  "<img src=x onerror=alert(1)>",
  "[concat('template', 'injection')]",
  "' | take 1 | project secret='x",
];

const HOSTILE_GROUP_NAMES = ["rg-Ünïcödé-(legacy).data", "rg_O.Brien_(prod)", "rg-数据库-east", "RG-MixedCase-Weird.._"];

const VERSIONS = [["11", 2], ["12", 5], ["13", 9], ["14", 18], ["15", 24], ["16", 28], ["17", 14]] as const;
const SKUS: readonly (readonly [readonly [string, FleetServer["skuTier"]], number])[] = [
  [["Standard_B1ms", "Burstable"], 2], [["Standard_B2s", "Burstable"], 2], [["Standard_D2ds_v5", "GeneralPurpose"], 6],
  [["Standard_D4ds_v5", "GeneralPurpose"], 5], [["Standard_D8ds_v5", "GeneralPurpose"], 2], [["Standard_E4ds_v5", "MemoryOptimized"], 2],
  [["Standard_E8ds_v5", "MemoryOptimized"], 1],
];
const STATES = [["Ready", 900], ["Stopped", 50], ["Updating", 15], ["Disabled", 10], ["Starting", 10], ["Provisioning", 5], ["Inaccessible", 5], ["Restarting", 5]] as const;
const POLICIES = [["pg-weekly-3m", "P3M"], ["pg-weekly-1y", "P1Y"], ["pg-weekly-10y", "P10Y"]] as const;
const ROLE_WRITER_ROLES = [ROLE.owner, ROLE.userAccessAdministrator, ROLE.rbacAdministrator] as const;

export function generateFleet(options: GenerateOptions): FleetDescription {
  const rng = new SeededRandom(`flexguard-fleet:${options.seed}`);
  const flexguard = (options.flexguardPrincipalId ?? FLEXGUARD_PRINCIPAL_ID).toLowerCase();
  const tenantId = nameGuid("tenant", options.seed);
  const subscriptionCount = Math.max(1, options.subscriptions);
  const fleet: FleetDescription = {
    tenantId,
    principals: [
      { id: flexguard, displayName: "Flexguard", type: "ServicePrincipal" },
      { id: DBA_PRINCIPAL_ID, displayName: "Dana Admin (DBA)", type: "User" },
      { id: AUDITOR_PRINCIPAL_ID, displayName: "Audit Reader", type: "User" },
    ],
    subscriptions: [],
    servers: [],
    vaults: [],
    policies: [],
    backupInstances: [],
    roleAssignments: [],
  };
  const assign = (scope: string, principalId: string, role: string, principalType: FleetRoleAssignment["principalType"]) => {
    fleet.roleAssignments.push({ scope, name: nameGuid(scope.toLowerCase(), principalId, role), principalId, principalType, roleDefinitionId: role });
  };
  // The auditor reads the whole tenant through the root management group.
  assign(`/providers/Microsoft.Management/managementGroups/${tenantId}`, AUDITOR_PRINCIPAL_ID, ROLE.reader, "User");

  let serverIndex = 0;
  for (let s = 0; s < subscriptionCount; s++) {
    const subscriptionId = nameGuid("subscription", options.seed, s);
    const subscriptionScope = `/subscriptions/${subscriptionId}`;
    const env = rng.weighted(ENVIRONMENTS);
    const serverCount = Math.floor(options.servers / subscriptionCount) + (s < options.servers % subscriptionCount ? 1 : 0);
    const regionCount = Math.min(REGIONS.length, rng.int(1, 4));
    const regions: (typeof REGIONS)[number][] = [];
    while (regions.length < regionCount) {
      const region = rng.pick(REGIONS);
      if (!regions.includes(region)) regions.push(region);
    }
    const resourceGroups: FleetDescription["subscriptions"][number]["resourceGroups"] = [];
    fleet.subscriptions.push({ subscriptionId, displayName: `contoso-${env}-${String(s + 1).padStart(3, "0")}`, resourceGroups });

    assign(subscriptionScope, flexguard, ROLE.reader, "ServicePrincipal");
    assign(subscriptionScope, flexguard, ROLE.backupContributor, "ServicePrincipal");
    assign(subscriptionScope, DBA_PRINCIPAL_ID, ROLE.contributor, "User");
    // One subscription in eight lets Flexguard assign roles anywhere inside it.
    const flexguardWritesWholeSubscription = s % 8 === 3;
    if (flexguardWritesWholeSubscription) assign(subscriptionScope, flexguard, ROLE.userAccessAdministrator, "ServicePrincipal");

    // Vaults: most regions of a subscription have one, some do not.
    const vaultByRegion = new Map<string, { vault: FleetVault; policies: FleetPolicy[] }>();
    for (const [region, short] of regions) {
      if (regions.length > 1 && !rng.chance(0.8)) continue;
      const groupName = `rg-backup-${short}`;
      resourceGroups.push({ name: groupName, location: region });
      const id = `${subscriptionScope}/resourceGroups/${groupName}/providers/Microsoft.DataProtection/backupVaults/bv-${env}-${short}-${String(s + 1).padStart(3, "0")}`;
      const vault: FleetVault = {
        id,
        location: region,
        principalId: rng.chance(0.04) ? null : nameGuid("vault-identity", id),
        storageRedundancy: rng.chance(0.3) ? "GeoRedundant" : "LocallyRedundant",
        tags: { environment: env, purpose: "backup" },
      };
      const policies = POLICIES.map(([name, retention]): FleetPolicy => ({
        id: `${id}/backupPolicies/${name}`,
        retention,
        schedule: `R/2024-01-0${rng.int(1, 7)}T${String(rng.int(0, 23)).padStart(2, "0")}:00:00+00:00/P1W`,
      }));
      fleet.vaults.push(vault);
      fleet.policies.push(...policies);
      vaultByRegion.set(region, { vault, policies });
    }

    const groupCount = Math.max(1, Math.ceil(serverCount / 6));
    const groups: { name: string; region: string; short: string; app: string; scope: string }[] = [];
    for (let g = 0; g < groupCount; g++) {
      const [region, short] = rng.pick(regions);
      const app = rng.pick(APPS);
      const hostile = rng.chance(0.02);
      const name = hostile ? `${rng.pick(HOSTILE_GROUP_NAMES)}-${g}` : `rg-${app}-${env}-${short}-${String(g + 1).padStart(3, "0")}`;
      resourceGroups.push({ name, location: region, tags: { environment: env } });
      const scope = `${subscriptionScope}/resourceGroups/${name}`;
      groups.push({ name, region, short, app, scope });
      // Flexguard may assign roles in a little over half of the resource groups.
      if (!flexguardWritesWholeSubscription && rng.chance(0.55)) assign(scope, flexguard, ROLE_WRITER_ROLES[g % 3]!, "ServicePrincipal");
      if (rng.chance(0.9)) assign(scope, DBA_PRINCIPAL_ID, ROLE.owner, "User");
    }

    const groupHasReader = new Set<string>();
    for (let i = 0; i < serverCount; i++) {
      const group = groups[i % groups.length]!;
      serverIndex++;
      const name = `psql-${group.app}-${env}-${group.short}-${serverIndex.toString(36).padStart(4, "0")}`;
      const id = `${group.scope}/providers/Microsoft.DBforPostgreSQL/flexibleServers/${name}`;
      const [skuName, skuTier] = rng.weighted(SKUS);
      const tags: Record<string, string> = {
        environment: env,
        owner: rng.pick(OWNERS),
        costCenter: `CC-${rng.int(1000, 9999)}`,
        dataClassification: rng.weighted(CLASSIFICATIONS),
        application: group.app,
      };
      if (rng.chance(0.04)) tags[rng.pick(["owner", "costCenter", "notes", "application"])] = rng.pick(HOSTILE_VALUES);
      if (rng.chance(0.05)) delete tags.dataClassification;
      const server: FleetServer = {
        id,
        location: group.region,
        version: rng.weighted(VERSIONS),
        state: rng.weighted(STATES),
        skuName,
        skuTier,
        storageSizeGB: rng.pick([32, 64, 128, 256, 512, 1024, 2048]),
        storageType: rng.chance(0.03) ? "PremiumV2_LRS" : "Premium_LRS",
        tags,
      };
      if (rng.chance(0.005)) server.protectionFailureCode = "UserErrorPostgreSQLFlexServerUnreachable";
      fleet.servers.push(server);

      const local = vaultByRegion.get(group.region);
      const roll = rng.next();
      let protectingVault: { vault: FleetVault; policies: FleetPolicy[] } | undefined;
      let policy: FleetPolicy | undefined;
      let protectionState: FleetBackupInstance["protectionState"] = "ProtectionConfigured";
      if (local && roll < 0.34) {
        protectingVault = local;
        policy = local.policies[0];
      } else if (local && roll < 0.37) {
        protectingVault = local; // protected with the wrong policy
        policy = local.policies[2];
      } else if (roll < 0.4 && vaultByRegion.size > 0) {
        protectingVault = [...vaultByRegion.values()].find((v) => v !== local) ?? local; // the wrong vault (another region)
        policy = protectingVault?.policies[0];
      } else if (local && roll < 0.42) {
        protectingVault = local;
        policy = local.policies[0];
        protectionState = "ProtectionError";
      } else if (local && roll < 0.43) {
        protectingVault = local;
        policy = local.policies[1];
        protectionState = "ProtectionStopped";
      }
      const vaultPrincipal = (protectingVault ?? local)?.vault.principalId;
      if (protectingVault && policy) {
        fleet.backupInstances.push({
          id: `${protectingVault.vault.id}/backupInstances/${name}-${name}-${nameGuid(protectingVault.vault.id.toLowerCase(), id.toLowerCase())}`,
          serverId: id,
          policyId: policy.id,
          protectionState,
          errorCode: protectionState === "ProtectionError" ? "UserErrorPostgreSQLFlexServerUnreachable" : undefined,
        });
      }
      // The vault identity's roles: protected servers mostly have them, unprotected ones sometimes.
      if (vaultPrincipal) {
        const hasLtr = protectingVault ? rng.chance(0.92) : rng.chance(0.15);
        if (hasLtr) assign(id, vaultPrincipal, ROLE.postgresLtrBackup, "ServicePrincipal");
        const readerKey = `${group.scope}|${vaultPrincipal}`;
        if (!groupHasReader.has(readerKey) && (protectingVault ? rng.chance(0.95) : rng.chance(0.3))) {
          groupHasReader.add(readerKey);
          assign(group.scope, vaultPrincipal, ROLE.reader, "ServicePrincipal");
        }
      }
    }
  }
  return fleet;
}
