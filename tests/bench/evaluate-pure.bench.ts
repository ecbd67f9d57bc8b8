// evaluate-pure: the pure evaluation of 100,000 servers against 50 rules, on one core, under 3 s.
// One sample = buildEvaluationContext (index vaults, policies, backup instances, role assignments,
// exemptions; compile the rules) + evaluateServers over the whole fleet. The fleet is generated once,
// deterministically, with a realistic mix: most servers protected and compliant, and every verdict
// state represented.
import { ROLE, type InventoryBackupInstance, type InventoryBackupPolicy, type InventoryRoleAssignment, type InventoryServer, type InventoryVault } from "@/core/inventory/types";
import type { StoredExemption } from "@/core/exemptions/schemas";
import { exemptionSchema } from "@/core/exemptions/schemas";
import { buildEvaluationContext, evaluateServers, type EvaluationSetup } from "@/core/rules/evaluate";
import { protectionRuleSchema, type ProtectionRuleInput, type StoredProtectionRule } from "@/core/rules/schemas";
import type { VerdictState } from "@/core/rules/verdict";
import { buildBackupInstance, buildPolicy, buildRoleAssignment, buildServer, buildVault, guid, resourceGroupArmId } from "@/tests/factories/inventory";
import { runBench } from "./harness";

const SERVERS = 100_000;
const RULES = 50;
const SUBSCRIPTIONS = 40;
const RESOURCE_GROUPS_PER_SUBSCRIPTION = 25;
const REGIONS = ["westeurope", "northeurope", "eastus", "eastus2", "westus2", "uksouth", "francecentral", "germanywestcentral", "swedencentral", "centralindia"];
const FLEXGUARD = guid(1, "f1e8f1e8");
const NOW = new Date("2026-03-01T12:00:00Z");

// A small deterministic PRNG (mulberry32), so every run judges the same fleet.
function random(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rand = random(42);
const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)]!;

function generateFleet() {
  const subscriptions = Array.from({ length: SUBSCRIPTIONS }, (_, i) => guid(i + 1, "5ab5c41d"));
  const backupSubscription = guid(999, "bacc0000");

  const vaults: InventoryVault[] = [];
  const policies: InventoryBackupPolicy[] = [];
  const policyByVault = new Map<string, InventoryBackupPolicy[]>();
  for (const region of REGIONS) {
    for (const suffix of ["a", "b"]) {
      const vault = buildVault({ name: `bv-${region}-${suffix}`, subscriptionId: backupSubscription, resourceGroup: "rg-backup", location: region, tags: { purpose: "pg-backup", tier: suffix === "a" ? "gold" : "silver" } });
      const weekly = buildPolicy(vault, { name: "weekly-3m", backupInterval: "R/2024-01-07T23:00:00+00:00/P1W", defaultRetention: "P3M" });
      const short = buildPolicy(vault, { name: "weekly-1m", backupInterval: "R/2024-01-07T23:00:00+00:00/P1W", defaultRetention: "P1M" });
      const long = buildPolicy(vault, { name: "weekly-10y", backupInterval: "R/2024-01-07T23:00:00+00:00/P1W", defaultRetention: "P10Y" });
      vaults.push(vault);
      policies.push(weekly, short, long);
      policyByVault.set(vault.armId, [weekly, short, long]);
    }
  }
  // A stray vault that no rule accepts, for wrong_vault.
  const legacy = buildVault({ name: "legacy-vault", subscriptionId: backupSubscription, location: "westeurope" });
  const legacyPolicy = buildPolicy(legacy, { name: "legacy" });
  vaults.push(legacy);
  policies.push(legacyPolicy);

  const servers: InventoryServer[] = [];
  const instances: InventoryBackupInstance[] = [];
  const roles: InventoryRoleAssignment[] = [];
  // Reader for each vault identity at resource group scope, once per resource group it backs up.
  const readerGranted = new Set<string>();
  const envs = ["prod", "staging", "dev", "test"];
  const teams = ["payments", "search", "identity", "analytics", "platform", "mobile", "ml", "ops"];

  for (let i = 0; i < SERVERS; i++) {
    const subscriptionId = subscriptions[i % SUBSCRIPTIONS]!;
    const resourceGroup = `rg-${pick(teams)}-${Math.floor(rand() * RESOURCE_GROUPS_PER_SUBSCRIPTION)}`;
    const region = pick(REGIONS);
    const roll = rand();
    const server = buildServer({
      name: `pg-${pick(envs)}-${i.toString(36)}`,
      subscriptionId,
      resourceGroup,
      location: region,
      version: pick(["13", "14", "15", "16", "16", "17"]),
      state: roll < 0.02 ? "Stopped" : "Ready",
      tags: { env: pick(envs), team: pick(teams), costcenter: String(100 + Math.floor(rand() * 50)), ...(rand() < 0.05 ? { backup: "off" } : {}) },
    });
    servers.push(server);

    const vault = vaults[REGIONS.indexOf(region) * 2 + (rand() < 0.5 ? 0 : 1)]!;
    const protection = rand();
    if (protection < 0.1) continue; // unprotected
    const inVault = protection < 0.12 ? legacy : vault;
    const policy = inVault === legacy ? legacyPolicy : rand() < 0.04 ? policyByVault.get(vault.armId)![1]! : policyByVault.get(vault.armId)![0]!;
    const health = rand();
    const state = health < 0.03 ? "ProtectionError" : health < 0.04 ? "ConfiguringProtection" : "ProtectionConfigured";
    instances.push(buildBackupInstance(server, inVault, policy, { currentProtectionState: state, ...(i % 3 === 0 ? { dataSourceArmId: server.armId.toLowerCase() } : {}) }));
    if (rand() < 0.03) continue; // missing roles
    roles.push(buildRoleAssignment({ principalId: inVault.principalId!, roleDefinitionGuid: ROLE.pgFlexLtrBackup, scope: server.armId }));
    const rgKey = `${inVault.principalId}|${subscriptionId}|${resourceGroup}`;
    if (!readerGranted.has(rgKey)) {
      readerGranted.add(rgKey);
      roles.push(buildRoleAssignment({ principalId: inVault.principalId!, roleDefinitionGuid: ROLE.reader, scope: resourceGroupArmId(subscriptionId, resourceGroup) }));
    }
  }
  // Flexguard may assign roles in half the subscriptions.
  for (const subscriptionId of subscriptions.slice(0, SUBSCRIPTIONS / 2))
    roles.push(buildRoleAssignment({ principalId: FLEXGUARD, roleDefinitionGuid: ROLE.userAccessAdministrator, scope: `/subscriptions/${subscriptionId}` }));

  return { subscriptions, servers, vaults, policies, instances, roles };
}

function generateRules(subscriptions: string[]): StoredProtectionRule[] {
  const rules: StoredProtectionRule[] = [];
  const requirement = (n: number): ProtectionRuleInput["requirement"] => ({
    vault:
      n % 3 === 0
        ? { kind: "matchInRegion", tags: [{ key: "purpose", operator: "equals", value: "pg-backup" }] }
        : { kind: "matchInRegion", nameGlob: "bv-*" },
    policy: { kind: "constraints", minRetention: n % 4 === 0 ? "P12W" : "P3M", maxBackupInterval: "P1W" },
    roleAssignment: n % 2 === 0 ? "assign" : "templateOnly",
  });
  const scopes: ProtectionRuleInput["scope"][] = [];
  for (let n = 0; n < RULES - 1; n++) {
    switch (n % 7) {
      case 0: scopes.push({ subscriptions: subscriptions.slice(n % SUBSCRIPTIONS, (n % SUBSCRIPTIONS) + 3), tags: [{ key: "env", operator: "equals", value: "prod" }] }); break;
      case 1: scopes.push({ resourceGroups: [`rg-${["payments", "search", "identity"][n % 3]}-*`], regions: [REGIONS[n % REGIONS.length]!] }); break;
      case 2: scopes.push({ tags: [{ key: "team", operator: "in", values: ["ml", "analytics"] }, { key: "costcenter", operator: "notEquals", value: String(100 + n) }] }); break;
      case 3: scopes.push({ serverNames: [`pg-staging-${n.toString(36)}*`, "pg-test-?a*"], postgresVersions: ["15", "16"] }); break;
      case 4: scopes.push({ regions: [REGIONS[n % REGIONS.length]!, REGIONS[(n + 3) % REGIONS.length]!], tags: [{ key: "owner", operator: "notExists" }] }); break;
      case 5: scopes.push({ subscriptions: [subscriptions[n % SUBSCRIPTIONS]!], resourceGroups: ["rg-platform-1?", "rg-ops-*"] }); break;
      default: scopes.push({ postgresVersions: ["13"], tags: [{ key: "env", operator: "exists" }] });
    }
  }
  scopes.forEach((scope, n) => {
    rules.push({
      ...protectionRuleSchema.parse({ name: `rule ${n}`, order: n * 10, scope, exclusions: n % 5 === 0 ? [{ tags: [{ key: "backup", operator: "equals", value: "off" }] }] : [], requirement: requirement(n) }),
      id: `rule-${n}`,
      revision: 1,
    });
  });
  // The fleet-wide default comes last.
  rules.push({ ...protectionRuleSchema.parse({ name: "Default", order: 100_000, scope: {}, exclusions: [{ tags: [{ key: "backup", operator: "equals", value: "off" }] }], requirement: requirement(1) }), id: "rule-default", revision: 1 });
  return rules;
}

function generateExemptions(fleet: ReturnType<typeof generateFleet>): StoredExemption[] {
  const exemptions: StoredExemption[] = [];
  for (let i = 0; i < 200; i++) {
    const server = fleet.servers[i * 397]!;
    exemptions.push({
      ...exemptionSchema.parse({
        target: { kind: "server", serverArmId: server.armId },
        ruleId: null,
        category: i % 2 ? "waiver" : "mitigated",
        justification: "benchmark",
        expiresAt: i % 4 === 0 ? "2026-01-01T00:00:00Z" : "2026-12-31T00:00:00Z",
        requestedBy: "dba",
        grantedBy: "ciso",
      }),
      id: `exemption-${i}`,
    });
  }
  exemptions.push({
    ...exemptionSchema.parse({ target: { kind: "resourceGroup", subscriptionId: fleet.subscriptions[3]!, resourceGroup: "rg-ops-3" }, ruleId: null, category: "waiver", justification: "benchmark", expiresAt: "2026-12-31T00:00:00Z", requestedBy: "dba", grantedBy: "ciso" }),
    id: "exemption-rg",
  });
  return exemptions;
}

// Round-tripped through JSON so that every string is a flat one, as the database driver hands them
// over; strings built by template literals are ropes that V8 flattens on first use, a cost real
// inventory rows do not have.
const fleet = JSON.parse(JSON.stringify(generateFleet())) as ReturnType<typeof generateFleet>;
const setup: EvaluationSetup = {
  vaults: fleet.vaults,
  backupPolicies: fleet.policies,
  backupInstances: fleet.instances,
  roleAssignments: fleet.roles,
  inventoryGaps: [],
  rules: generateRules(fleet.subscriptions),
  exemptions: generateExemptions(fleet),
  flexguardPrincipalId: FLEXGUARD,
};
console.log(
  `fleet: ${fleet.servers.length} servers, ${setup.rules.length} rules, ${fleet.vaults.length} vaults, ${fleet.policies.length} policies, ${fleet.instances.length} backup instances, ${fleet.roles.length} role assignments, ${setup.exemptions.length} exemptions`,
);

const medianOf = (values: number[]) => Math.round([...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!);
const contextMs: number[] = [];
const cpuMs: number[] = [];
let counts: Partial<Record<VerdictState, number>> = {};
const result = await runBench({
  name: "evaluate-pure",
  metric: "duration",
  unit: "ms",
  bound: 3000,
  lowerIsBetter: true,
  repeats: 7,
  sample: async () => {
    (globalThis as { gc?: () => void }).gc?.();
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    const ctx = buildEvaluationContext(setup);
    const indexed = performance.now();
    const verdicts = evaluateServers(ctx, fleet.servers, NOW);
    const finished = performance.now();
    const cpu = process.cpuUsage(cpuBefore);
    contextMs.push(indexed - started);
    cpuMs.push((cpu.user + cpu.system) / 1000);
    counts = {};
    for (const verdict of verdicts) counts[verdict.state] = (counts[verdict.state] ?? 0) + 1;
    return finished - started;
  },
  extra: () => ({
    "context build, wall (median ms)": medianOf(contextMs),
    // CPU time of the whole process, GC helper threads included: on a shared, loaded machine the
    // wall time above also counts time spent waiting for a core.
    "cpu time (median ms)": medianOf(cpuMs),
    states: Object.entries(counts).sort(([, a], [, b]) => b - a).map(([state, n]) => `${state}=${n}`).join(" "),
    "heap used MiB": Math.round(process.memoryUsage().heapUsed / 2 ** 20),
  }),
});
process.exit(result.ok ? 0 : 1);
