import { describe, expect, it } from "vitest";
import {
  ROLE,
  type InventoryBackupInstance,
  type InventoryBackupPolicy,
  type InventoryRoleAssignment,
  type InventoryServer,
  type InventoryVault,
} from "@/core/inventory/types";
import { buildEvaluationContext, evaluateServer, evaluateServers, type EvaluationSetup } from "@/core/rules/evaluate";
import type { StoredProtectionRule } from "@/core/rules/schemas";
import { VERDICT_STATES, type Verdict } from "@/core/rules/verdict";
import type { StoredExemption } from "@/core/exemptions/schemas";
import {
  DEFAULT_SUBSCRIPTION,
  buildBackupInstance,
  buildPolicy,
  buildRoleAssignment,
  buildServer,
  buildVault,
  guid,
  resourceGroupArmId,
  vaultRolesFor,
} from "@/tests/factories/inventory";
import { buildExemption, buildRule } from "./builders";

const NOW = new Date("2026-03-01T12:00:00Z");
const FLEXGUARD = guid(999, "f1e8f1e8");

interface World {
  server: InventoryServer;
  vault: InventoryVault;
  policy: InventoryBackupPolicy;
  vaults: InventoryVault[];
  policies: InventoryBackupPolicy[];
  instances: InventoryBackupInstance[];
  roles: InventoryRoleAssignment[];
  rules: StoredProtectionRule[];
  exemptions: StoredExemption[];
  gaps: EvaluationSetup["inventoryGaps"];
  flexguardPrincipalId: string | null;
}

/** One compliant server: protected in bv-we with a weekly, 3-month policy, its vault identity holding both roles. */
function world(serverOverrides: Partial<InventoryServer> = {}): World {
  const server = buildServer(serverOverrides);
  const vault = buildVault({ name: "bv-we" });
  const policy = buildPolicy(vault, { name: "weekly-3m" });
  return {
    server,
    vault,
    policy,
    vaults: [vault],
    policies: [policy],
    instances: [buildBackupInstance(server, vault, policy)],
    roles: vaultRolesFor(vault, server),
    rules: [buildRule({ name: "Default", order: 100 })],
    exemptions: [],
    gaps: [],
    flexguardPrincipalId: FLEXGUARD,
  };
}

function judge(w: World, now = NOW, server = w.server): Verdict {
  const ctx = buildEvaluationContext({
    vaults: w.vaults,
    backupPolicies: w.policies,
    backupInstances: w.instances,
    roleAssignments: w.roles,
    inventoryGaps: w.gaps,
    rules: w.rules,
    exemptions: w.exemptions,
    flexguardPrincipalId: w.flexguardPrincipalId,
  });
  const verdict = evaluateServer(ctx, server, now);
  // Every verdict must survive the trip to a JSON column unchanged.
  expect(JSON.parse(JSON.stringify(verdict))).toEqual(verdict);
  return verdict;
}

const actionKinds = (verdict: Verdict) => verdict.remediation?.actions.map((action) => action.kind) ?? [];

describe("the compliant baseline", () => {
  it("is compliant, names its rule and needs nothing", () => {
    const w = world();
    const verdict = judge(w);
    expect(verdict).toMatchObject({
      serverId: w.server.id,
      serverArmId: w.server.armId,
      state: "compliant",
      problems: [],
      governingRule: { id: w.rules[0]!.id, name: "Default", revision: 1, order: 100, mode: "audit" },
      alsoMatchedRules: [],
      remediation: null,
      exemption: null,
      exemptedState: null,
      expiredExemptions: [],
    });
    expect(verdict.reasons[0]).toBe("The server is protected as rule 'Default' requires.");
  });

  it("gives the same verdict for the same input, whatever the input order", () => {
    const w = world();
    const extraVault = buildVault({ name: "bv-we-2" });
    w.vaults.push(extraVault);
    w.instances.push(buildBackupInstance(w.server, extraVault, null, { currentProtectionState: "ProtectionError" }));
    const first = judge(w);
    w.vaults.reverse();
    w.instances.reverse();
    w.roles.reverse();
    expect(JSON.stringify(judge(w))).toBe(JSON.stringify(first));
  });
});

describe("protection states", () => {
  it("unprotected: no backup instance at all", () => {
    const w = world();
    w.instances = [];
    const verdict = judge(w);
    expect(verdict.state).toBe("unprotected");
    expect(verdict.reasons[0]).toBe("No backup instance protects the server.");
    expect(verdict.remediation).toMatchObject({
      targetVaultArmId: w.vault.armId,
      targetPolicyArmId: w.policy.armId,
      actions: [{ kind: "protect", vaultArmId: w.vault.armId, policyArmId: w.policy.armId }],
      roleAssignmentBy: null,
      needsRolesFlexguardCannotAssign: false,
    });
  });

  it.each(["SoftDeleted", "SoftDeleting"])("unprotected: an instance that is %s protects nothing", (state) => {
    const w = world();
    w.instances = [buildBackupInstance(w.server, w.vault, w.policy, { currentProtectionState: state })];
    const verdict = judge(w);
    expect(verdict.state).toBe("unprotected");
    expect(verdict.reasons.join(" ")).toContain(`is ${state} and protects nothing`);
  });

  it.each(["ProtectionError", "ConfiguringProtectionFailed", "ProtectionStopped", "BackupSchedulesSuspended", "RetentionSchedulesSuspended", "NotProtected", "Invalid"])(
    "protection_error: %s",
    (state) => {
      const w = world();
      w.instances = [buildBackupInstance(w.server, w.vault, w.policy, { currentProtectionState: state, errorCode: "UserErrorMissingRequiredPermissions", errorMessage: "Vault lacks permissions" })];
      const verdict = judge(w);
      expect(verdict.state).toBe("protection_error");
      expect(verdict.reasons[0]).toContain(`is in state ${state} (UserErrorMissingRequiredPermissions: Vault lacks permissions)`);
      expect(verdict.remediation?.actions).toEqual([
        { kind: "resolveProtectionError", backupInstanceArmId: w.instances[0]!.armId, protectionState: state, errorCode: "UserErrorMissingRequiredPermissions", errorMessage: "Vault lacks permissions" },
      ]);
    },
  );

  it.each(["ConfiguringProtection", "UpdatingProtection"])("protection_pending: %s needs no action", (state) => {
    const w = world();
    w.instances = [buildBackupInstance(w.server, w.vault, w.policy, { currentProtectionState: state })];
    const verdict = judge(w);
    expect(verdict.state).toBe("protection_pending");
    expect(verdict.remediation).toBeNull();
    expect(verdict.reasons[0]).toContain("the next scan will show whether protection succeeded");
  });

  it("reads protectionStatus.status when currentProtectionState is missing", () => {
    const w = world();
    w.instances = [buildBackupInstance(w.server, w.vault, w.policy, { currentProtectionState: null, protectionStatus: "ProtectionConfigured" })];
    expect(judge(w).state).toBe("compliant");
  });

  it("not_evaluable: a protection state Flexguard does not know, or none at all", () => {
    const w = world();
    w.instances = [buildBackupInstance(w.server, w.vault, w.policy, { currentProtectionState: "Hibernating", protectionStatus: "Hibernating" })];
    expect(judge(w)).toMatchObject({ state: "not_evaluable", remediation: null });
    w.instances = [buildBackupInstance(w.server, w.vault, w.policy, { currentProtectionState: null, protectionStatus: null })];
    expect(judge(w).state).toBe("not_evaluable");
  });

  it("prefers the healthiest of several instances in accepted vaults", () => {
    const w = world();
    const second = buildVault({ name: "bv-we-b" });
    w.vaults.push(second);
    w.roles.push(...vaultRolesFor(second, w.server));
    w.instances.unshift(buildBackupInstance(w.server, second, null, { currentProtectionState: "ProtectionError" }));
    const verdict = judge(w);
    expect(verdict.state).toBe("compliant");
    expect(verdict.reasons.join(" ")).toContain("also has a backup instance");
  });
});

describe("vault requirement", () => {
  it("wrong_vault: protected only in a vault the rule does not accept", () => {
    const w = world();
    const other = buildVault({ name: "legacy-vault" });
    const otherPolicy = buildPolicy(other);
    w.vaults.push(other);
    w.policies.push(otherPolicy);
    w.instances = [buildBackupInstance(w.server, other, otherPolicy)];
    const verdict = judge(w);
    expect(verdict.state).toBe("wrong_vault");
    expect(verdict.reasons[0]).toContain("vault 'legacy-vault'");
    expect(verdict.reasons[0]).toContain("it requires vault 'bv-we'");
    expect(verdict.remediation).toMatchObject({
      targetVaultArmId: w.vault.armId,
      actions: [
        { kind: "protect", vaultArmId: w.vault.armId, policyArmId: w.policy.armId },
        { kind: "retireBackupInstance", backupInstanceArmId: w.instances[0]!.armId, vaultArmId: other.armId },
      ],
    });
  });

  it("accepts an explicit vault for the server's region", () => {
    const w = world();
    w.rules = [buildRule({ requirement: { vault: { kind: "perRegion", vaults: [{ region: "West Europe", vaultArmId: w.vault.armId.toUpperCase() }] } } })];
    expect(judge(w).state).toBe("compliant");
  });

  it("no_vault_in_region: the rule names no vault for the server's region", () => {
    const w = world({ location: "northeurope" });
    w.rules = [buildRule({ name: "Explicit", requirement: { vault: { kind: "perRegion", vaults: [{ region: "westeurope", vaultArmId: w.vault.armId }] } } })];
    w.instances = [];
    const verdict = judge(w);
    expect(verdict.state).toBe("no_vault_in_region");
    expect(verdict.problems).toEqual(["no_vault_in_region", "unprotected"]);
    expect(verdict.reasons[0]).toBe("rule 'Explicit' names no vault for region northeurope.");
    expect(verdict.remediation).toMatchObject({ targetVaultArmId: null, actions: [{ kind: "createVault", region: "northeurope" }] });
  });

  it("no_vault_in_region: the named vault is gone from the inventory", () => {
    const w = world();
    w.rules = [buildRule({ requirement: { vault: { kind: "perRegion", vaults: [{ region: "westeurope", vaultArmId: w.vault.armId }] } } })];
    w.vaults = [];
    const verdict = judge(w);
    expect(verdict.state).toBe("no_vault_in_region");
    expect(verdict.reasons[0]).toContain("is not in the inventory");
  });

  it("no_vault_in_region: the named vault stands in another region", () => {
    const w = world();
    const north = buildVault({ name: "bv-ne", location: "northeurope" });
    w.vaults.push(north);
    w.rules = [buildRule({ requirement: { vault: { kind: "perRegion", vaults: [{ region: "westeurope", vaultArmId: north.armId }] } } })];
    const verdict = judge(w);
    expect(verdict.state).toBe("no_vault_in_region");
    expect(verdict.reasons[0]).toContain("is in region northeurope; Azure Backup needs a vault in the server's region");
  });

  it("no_vault_in_region: no vault in the region matches the selector, and a matching vault elsewhere does not count", () => {
    const w = world({ location: "northeurope" });
    w.instances = [];
    const verdict = judge(w);
    expect(verdict.state).toBe("no_vault_in_region");
    expect(verdict.reasons[0]).toContain("No Backup vault in region northeurope whose name matches 'bv-*'");
  });

  it("chooses vaults by tags, with keys compared in any case and values exactly", () => {
    const w = world();
    w.rules = [buildRule({ requirement: { vault: { kind: "matchInRegion", tags: [{ key: "Purpose", operator: "equals", value: "pg-backup" }] } } })];
    w.vault.tags = { purpose: "pg-backup" };
    expect(judge(w).state).toBe("compliant");
    w.vault.tags = { purpose: "PG-BACKUP" };
    expect(judge(w).state).toBe("no_vault_in_region");
  });

  it("with several matching vaults accepts any, and targets the first by id", () => {
    const w = world();
    const earlier = buildVault({ name: "bv-aaa" });
    w.vaults.push(earlier);
    expect(judge(w).state).toBe("compliant");
    w.instances = [];
    expect(judge(w).remediation?.targetVaultArmId).toBe(earlier.armId);
  });
});

describe("policy requirement", () => {
  it("wrong_policy: an explicit policy is required and another is bound", () => {
    const w = world();
    const required = buildPolicy(w.vault, { name: "gold" });
    w.policies.push(required);
    w.rules = [buildRule({ name: "Gold", requirement: { policy: { kind: "explicit", policyArmIds: [required.armId] } } })];
    const verdict = judge(w);
    expect(verdict.state).toBe("wrong_policy");
    expect(verdict.reasons[0]).toBe("The backup instance uses policy 'weekly-3m'; rule 'Gold' requires policy 'gold'.");
    expect(verdict.remediation?.actions).toEqual([{ kind: "changePolicy", backupInstanceArmId: w.instances[0]!.armId, policyArmId: required.armId }]);
  });

  it("matches the explicit policy whatever the case of its id", () => {
    const w = world();
    w.rules = [buildRule({ requirement: { policy: { kind: "explicit", policyArmIds: [w.policy.armId.toUpperCase()] } } })];
    expect(judge(w).state).toBe("compliant");
  });

  it("with explicit policies and a vault selector, accepts only vaults whose policy the rule names", () => {
    const w = world();
    const other = buildVault({ name: "bv-other" });
    w.vaults.push(other);
    w.rules = [buildRule({ requirement: { policy: { kind: "explicit", policyArmIds: [`${other.armId}/backupPolicies/gold`] } } })];
    const verdict = judge(w);
    expect(verdict.state).toBe("wrong_vault");
    w.vaults = [w.vault];
    expect(judge(w).reasons[0]).toContain("but the rule names no policy for it");
  });

  it.each([
    ["P1M", "P1W", "keeps backups for P1M, less than the P3M"],
    ["P12W", "P1W", "keeps backups for P12W, less than the P3M"],
    ["P3M", "P1M", "backs up every P1M, less often than the every P1W"],
    ["P3M", "R/2024-01-07T23:00:00+00:00/P2W", "backs up every P2W, less often than the every P1W"],
  ])("policy_weaker: retention %s, interval %s", (retention, interval, reason) => {
    const w = world();
    w.policy.defaultRetention = retention;
    w.policy.backupInterval = interval;
    const verdict = judge(w);
    expect(verdict.state).toBe("policy_weaker");
    expect(verdict.reasons[0]).toContain(reason);
  });

  it.each([
    ["P13W", "P1W"],
    ["P90D", "P7D"],
    ["P1Y", "P1D"],
    ["P3M", "R/2024-01-07T23:00:00+00:00/P1W"],
    ["P3M", "PT4H"],
  ])("meets the constraints: retention %s, interval %s", (retention, interval) => {
    const w = world();
    w.policy.defaultRetention = retention;
    w.policy.backupInterval = interval;
    expect(judge(w).state).toBe("compliant");
  });

  it("policy_weaker: a policy without retention or schedule cannot meet a minimum", () => {
    const w = world();
    w.policy.defaultRetention = null;
    w.policy.backupInterval = null;
    const verdict = judge(w);
    expect(verdict.state).toBe("policy_weaker");
    expect(verdict.reasons).toEqual(expect.arrayContaining([expect.stringContaining("has no default retention rule"), expect.stringContaining("has no backup schedule")]));
  });

  it("points a weaker policy at one in the same vault that qualifies, or asks for one to be created", () => {
    const w = world();
    w.policy.defaultRetention = "P1M";
    const good = buildPolicy(w.vault, { name: "zz-good", defaultRetention: "P6M" });
    w.policies.push(good);
    expect(judge(w).remediation?.actions).toEqual([{ kind: "changePolicy", backupInstanceArmId: w.instances[0]!.armId, policyArmId: good.armId }]);

    w.policies = [w.policy];
    const verdict = judge(w);
    expect(actionKinds(verdict)).toEqual(["createPolicy", "changePolicy"]);
    expect(verdict.remediation?.actions[0]).toEqual({ kind: "createPolicy", vaultArmId: w.vault.armId, minRetention: "P3M", maxBackupInterval: "P1W" });
    expect(verdict.reasons.join(" ")).toContain("has no PostgreSQL flexible server policy that meets rule");
  });

  it("ignores policies for other datasource types when choosing a target", () => {
    const w = world();
    w.instances = [];
    w.policy.datasourceTypes = ["Microsoft.Compute/disks"];
    expect(judge(w).remediation?.targetPolicyArmId).toBeNull();
  });

  it("not_evaluable: the bound policy is unknown or unreadable", () => {
    const w = world();
    w.policies = [];
    expect(judge(w).reasons[0]).toContain("is not in the inventory");
    expect(judge(w).state).toBe("not_evaluable");
    w.policies = [w.policy];
    w.policy.defaultRetention = "three months";
    expect(judge(w).state).toBe("not_evaluable");
    w.policy.defaultRetention = "P3M";
    w.instances[0]!.policyArmId = null;
    expect(judge(w).state).toBe("not_evaluable");
  });
});

describe("vault identity roles", () => {
  const rgScope = (server: InventoryServer) => resourceGroupArmId(server.subscriptionId, server.resourceGroup);

  it("missing_roles: names the role and the scope, and assigns when Flexguard may", () => {
    const w = world();
    w.roles = [buildRoleAssignment({ principalId: FLEXGUARD, roleDefinitionGuid: ROLE.owner, scope: `/subscriptions/${DEFAULT_SUBSCRIPTION}` })];
    const verdict = judge(w);
    expect(verdict.state).toBe("missing_roles");
    expect(verdict.reasons).toEqual([
      "The identity of vault 'bv-we' lacks PostgreSQL Flexible Server Long Term Retention Backup Role on the server.",
      "The identity of vault 'bv-we' lacks Reader on resource group 'rg-data'.",
    ]);
    expect(verdict.remediation).toMatchObject({
      roleAssignmentBy: "flexguard",
      needsRolesFlexguardCannotAssign: false,
      actions: [
        { kind: "assignRole", roleDefinitionGuid: ROLE.pgFlexLtrBackup, principalId: w.vault.principalId, scope: w.server.armId, flexguardCanAssign: true },
        { kind: "assignRole", roleDefinitionGuid: ROLE.reader, principalId: w.vault.principalId, scope: rgScope(w.server), flexguardCanAssign: true },
      ],
    });
  });

  it("counts roles held at a scope above the one required, and at the tenant root", () => {
    const w = world();
    const principal = w.vault.principalId!;
    w.roles = [
      buildRoleAssignment({ principalId: principal, roleDefinitionGuid: ROLE.pgFlexLtrBackup, scope: rgScope(w.server) }),
      buildRoleAssignment({ principalId: principal, roleDefinitionGuid: ROLE.reader, scope: `/subscriptions/${DEFAULT_SUBSCRIPTION}/` }),
    ];
    expect(judge(w).state).toBe("compliant");
    w.roles = [
      buildRoleAssignment({ principalId: principal, roleDefinitionGuid: ROLE.pgFlexLtrBackup, scope: "/" }),
      buildRoleAssignment({ principalId: principal, roleDefinitionGuid: ROLE.reader, scope: "/" }),
    ];
    expect(judge(w).state).toBe("compliant");
  });

  it("does not count a role on a sibling server, a lower scope, or the wrong role", () => {
    const w = world();
    const principal = w.vault.principalId!;
    const sibling = buildServer({ name: `${w.server.name}-replica` });
    w.roles = [
      buildRoleAssignment({ principalId: principal, roleDefinitionGuid: ROLE.pgFlexLtrBackup, scope: sibling.armId }),
      buildRoleAssignment({ principalId: principal, roleDefinitionGuid: ROLE.reader, scope: w.server.armId }),
      buildRoleAssignment({ principalId: principal, roleDefinitionGuid: ROLE.owner, scope: `/subscriptions/${guid(77)}` }),
    ];
    const verdict = judge(w);
    expect(verdict.remediation?.actions.map((action) => (action.kind === "assignRole" ? action.roleName : action.kind))).toEqual([
      "PostgreSQL Flexible Server Long Term Retention Backup Role",
      "Reader",
    ]);
  });

  it("does not count the backup role assigned below the server", () => {
    const w = world();
    w.roles = [
      buildRoleAssignment({ principalId: w.vault.principalId!, roleDefinitionGuid: ROLE.pgFlexLtrBackup, scope: `${w.server.armId}/databases/app` }),
      buildRoleAssignment({ principalId: w.vault.principalId!, roleDefinitionGuid: ROLE.reader, scope: rgScope(w.server) }),
    ];
    expect(judge(w).problems).toEqual(["missing_roles"]);
  });

  it("counts the backup role at the server's scope written with a trailing slash", () => {
    const w = world();
    w.roles = [
      buildRoleAssignment({ principalId: w.vault.principalId!, roleDefinitionGuid: ROLE.pgFlexLtrBackup, scope: `${w.server.armId}/` }),
      buildRoleAssignment({ principalId: w.vault.principalId!, roleDefinitionGuid: ROLE.reader, scope: rgScope(w.server) }),
    ];
    expect(judge(w).state).toBe("compliant");
  });

  it("reports pending protection first, with the roles it still lacks", () => {
    const w = world();
    w.instances = [buildBackupInstance(w.server, w.vault, w.policy, { currentProtectionState: "ConfiguringProtection" })];
    w.roles = vaultRolesFor(w.vault, w.server).slice(1);
    const verdict = judge(w);
    expect(verdict.state).toBe("protection_pending");
    expect(verdict.problems).toEqual(["protection_pending", "missing_roles"]);
    expect(actionKinds(verdict)).toEqual(["assignRole"]);
  });

  it("does not let one vault's roles stand in for another's", () => {
    const w = world();
    const other = buildVault({ name: "unrelated" });
    w.roles = vaultRolesFor(other, w.server);
    expect(judge(w).problems).toEqual(["missing_roles"]);
  });

  it("compares principals, role GUIDs and scopes in any case", () => {
    const w = world();
    w.roles = [
      buildRoleAssignment({ principalId: w.vault.principalId!.toUpperCase(), roleDefinitionGuid: ROLE.pgFlexLtrBackup.toUpperCase(), scope: w.server.armId.toUpperCase() }),
      buildRoleAssignment({ principalId: w.vault.principalId!, roleDefinitionGuid: ROLE.reader, scope: rgScope(w.server).toLowerCase() }),
    ];
    expect(judge(w).state).toBe("compliant");
  });

  it.each([
    ["Owner", ROLE.owner],
    ["User Access Administrator", ROLE.userAccessAdministrator],
    ["Role Based Access Control Administrator", ROLE.rbacAdministrator],
  ])("lets Flexguard assign where it holds %s at the scope or above", (_name, role) => {
    const w = world();
    w.roles = [buildRoleAssignment({ principalId: FLEXGUARD, roleDefinitionGuid: role, scope: rgScope(w.server) })];
    expect(judge(w).remediation).toMatchObject({ roleAssignmentBy: "flexguard", needsRolesFlexguardCannotAssign: false });
  });

  it("hands out a template when Flexguard cannot assign at a needed scope", () => {
    const w = world();
    // Owner on the server only: enough for the server-level role, not for Reader on the resource group.
    w.roles = [buildRoleAssignment({ principalId: FLEXGUARD, roleDefinitionGuid: ROLE.owner, scope: w.server.armId })];
    const verdict = judge(w);
    expect(verdict.remediation).toMatchObject({ roleAssignmentBy: "template", needsRolesFlexguardCannotAssign: true });
    expect(verdict.remediation?.actions).toMatchObject([{ flexguardCanAssign: true }, { flexguardCanAssign: false }]);
  });

  it("does not count Contributor or Reader as able to assign roles", () => {
    const w = world();
    w.roles = [
      buildRoleAssignment({ principalId: FLEXGUARD, roleDefinitionGuid: "b24988ac-6180-42a0-ab88-20f7382dd24c", scope: "/" }),
      buildRoleAssignment({ principalId: FLEXGUARD, roleDefinitionGuid: ROLE.reader, scope: "/" }),
    ];
    expect(judge(w).remediation?.needsRolesFlexguardCannotAssign).toBe(true);
  });

  it("hands out a template when the rule says so, even where Flexguard could assign", () => {
    const w = world();
    w.rules = [buildRule({ requirement: { roleAssignment: "templateOnly" } })];
    w.roles = [buildRoleAssignment({ principalId: FLEXGUARD, roleDefinitionGuid: ROLE.owner, scope: "/" })];
    expect(judge(w).remediation).toMatchObject({ roleAssignmentBy: "template", needsRolesFlexguardCannotAssign: false });
  });

  it("hands out a template when Flexguard's own principal is unknown", () => {
    const w = world();
    w.roles = [];
    w.flexguardPrincipalId = null;
    expect(judge(w).remediation).toMatchObject({ roleAssignmentBy: "template", needsRolesFlexguardCannotAssign: true });
  });

  it("missing_roles: a vault without a managed identity must get one first", () => {
    const w = world();
    w.vault.principalId = null;
    const verdict = judge(w);
    expect(verdict.state).toBe("missing_roles");
    expect(verdict.reasons[0]).toContain("has no system-assigned managed identity");
    expect(actionKinds(verdict)).toEqual(["enableVaultIdentity", "assignRole", "assignRole"]);
    expect(verdict.remediation?.actions[1]).toMatchObject({ principalId: null });
  });

  it("checks the roles of the vault that should protect the server, even before it does", () => {
    const w = world();
    w.instances = [];
    w.roles = [];
    const verdict = judge(w);
    expect(verdict.problems).toEqual(["unprotected", "missing_roles"]);
    expect(actionKinds(verdict)).toEqual(["assignRole", "assignRole", "protect"]);
  });
});

describe("server readiness and inventory gaps", () => {
  it.each(["Stopped", "Starting", "Updating", "Disabled", "Dropping"])("server_not_ready: a server that is %s", (state) => {
    const w = world({ state });
    const verdict = judge(w);
    expect(verdict.state).toBe("server_not_ready");
    expect(verdict.reasons[0]).toBe(`The server is ${state}, not Ready; Azure Backup only backs up servers that are Ready.`);
    expect(verdict.remediation?.actions[0]).toEqual({ kind: "makeServerReady", currentState: state });
  });

  it("takes Ready in any case", () => {
    expect(judge(world({ state: "READY" })).state).toBe("compliant");
  });

  it("server_not_ready comes before the protection problems, which stay listed", () => {
    const w = world({ state: "Stopped" });
    w.instances = [];
    const verdict = judge(w);
    expect(verdict.problems).toEqual(["server_not_ready", "unprotected"]);
    expect(actionKinds(verdict)).toEqual(["makeServerReady", "protect"]);
  });

  it("not_evaluable: the scan recorded no state", () => {
    expect(judge(world({ state: null })).state).toBe("not_evaluable");
  });

  it("not_evaluable: the server's subscription could not be fully read", () => {
    const w = world();
    w.instances = [];
    w.gaps = [{ subscriptionId: DEFAULT_SUBSCRIPTION.toUpperCase(), reason: "AuthorizationFailed on backup instances" }];
    const verdict = judge(w);
    expect(verdict).toMatchObject({ state: "not_evaluable", remediation: null });
    expect(verdict.reasons[0]).toContain("AuthorizationFailed on backup instances");
  });

  it("not_evaluable: no instance was found, but the target vault's subscription could not be fully read", () => {
    const w = world();
    const vault = buildVault({ name: "bv-central", subscriptionId: guid(42) });
    w.vaults = [vault];
    w.instances = [];
    w.gaps = [{ subscriptionId: guid(42), reason: "throttled" }];
    expect(judge(w).state).toBe("not_evaluable");
  });

  it("not_evaluable: no vault matched, but a subscription that could hold one was not fully read", () => {
    const w = world({ location: "northeurope" });
    w.gaps = [{ subscriptionId: guid(42), reason: "throttled" }];
    expect(judge(w).state).toBe("not_evaluable");
  });

  it("not_evaluable: the explicit vault is missing and its subscription was not fully read", () => {
    const w = world();
    const vault = buildVault({ name: "bv-central", subscriptionId: guid(43) });
    w.rules = [buildRule({ requirement: { vault: { kind: "perRegion", vaults: [{ region: "westeurope", vaultArmId: vault.armId }] } } })];
    w.gaps = [{ subscriptionId: guid(43), reason: "denied" }];
    expect(judge(w).state).toBe("not_evaluable");
  });
});

describe("precedence", () => {
  it("not_in_scope: no rule, or only disabled rules", () => {
    const w = world();
    w.rules = [];
    expect(judge(w)).toMatchObject({ state: "not_in_scope", governingRule: null, remediation: null, reasons: ["No enabled rule's scope includes the server."] });
    w.rules = [buildRule({ enabled: false })];
    expect(judge(w).state).toBe("not_in_scope");
  });

  it("the lowest order governs; the others that match are listed in precedence order", () => {
    const w = world();
    const strict = buildRule({ name: "Strict", order: 5, requirement: { policy: { kind: "constraints", minRetention: "P1Y" } } });
    const lenient = buildRule({ name: "Lenient", order: 50 });
    const disabled = buildRule({ name: "Disabled", order: 1, enabled: false });
    const elsewhere = buildRule({ name: "Elsewhere", order: 2, scope: { regions: ["eastus"] } });
    w.rules = [lenient, disabled, w.rules[0]!, strict, elsewhere];
    const verdict = judge(w);
    expect(verdict.governingRule?.name).toBe("Strict");
    expect(verdict.alsoMatchedRules.map((rule) => rule.name)).toEqual(["Lenient", "Default"]);
    expect(verdict.state).toBe("policy_weaker");
  });

  it("breaks ties of order by name, then by id", () => {
    const w = world();
    w.rules = [buildRule({ name: "Beta", order: 7, id: "r-1" }), buildRule({ name: "Alpha", order: 7, id: "r-2" })];
    expect(judge(w).governingRule?.name).toBe("Alpha");
    w.rules = [buildRule({ name: "Same", order: 7, id: "r-b" }), buildRule({ name: "Same", order: 7, id: "r-a" })];
    expect(judge(w).governingRule?.id).toBe("r-a");
  });

  it("an excluded server falls to the next rule that matches", () => {
    const w = world({ resourceGroup: "rg-sandbox" });
    w.roles = vaultRolesFor(w.vault, w.server);
    w.rules = [
      buildRule({ name: "First", order: 1, exclusions: [{ resourceGroups: ["RG-SAND*"] }] }),
      buildRule({ name: "Second", order: 2, requirement: { roleAssignment: "templateOnly" } }),
    ];
    const verdict = judge(w);
    expect(verdict.governingRule?.name).toBe("Second");
    expect(verdict.alsoMatchedRules).toEqual([]);
  });

  it("records the rule's mode and revision", () => {
    const w = world();
    w.rules = [buildRule({ name: "Enforced", mode: "enforce", revision: 7 })];
    expect(judge(w).governingRule).toMatchObject({ mode: "enforce", revision: 7 });
  });
});

describe("scope criteria", () => {
  const SUB_A = guid(10, "aaaaaaaa");
  const inScope = (scope: Record<string, unknown>, server: Partial<InventoryServer>, exclusions: Record<string, unknown>[] = []) => {
    const w = world(server);
    w.rules = [buildRule({ scope, exclusions })];
    return judge(w).state !== "not_in_scope";
  };

  it("subscriptions, in any case", () => {
    expect(inScope({ subscriptions: [SUB_A] }, { subscriptionId: SUB_A.toUpperCase() })).toBe(true);
    expect(inScope({ subscriptions: [SUB_A] }, {})).toBe(false);
  });

  it("resource groups, exact or glob, in any case", () => {
    expect(inScope({ resourceGroups: ["rg-prod"] }, { resourceGroup: "RG-Prod" })).toBe(true);
    expect(inScope({ resourceGroups: ["rg-prod"] }, { resourceGroup: "rg-prod-2" })).toBe(false);
    expect(inScope({ resourceGroups: ["rg-prod-*", "rg-(legacy)"] }, { resourceGroup: "rg-(Legacy)" })).toBe(true);
    expect(inScope({ resourceGroups: ["rg-prod-*"] }, { resourceGroup: "rg-prod-eu" })).toBe(true);
  });

  it("regions, by name or display name", () => {
    expect(inScope({ regions: ["West Europe"] }, { location: "westeurope" })).toBe(true);
    expect(inScope({ regions: ["westeurope"] }, { location: "West Europe" })).toBe(true);
    expect(inScope({ regions: ["northeurope"] }, { location: "westeurope" })).toBe(false);
  });

  it("server names by glob", () => {
    expect(inScope({ serverNames: ["pg-prod-*"] }, { name: "pg-prod-001" })).toBe(true);
    expect(inScope({ serverNames: ["pg-prod-*"] }, { name: "pg-dev-001" })).toBe(false);
  });

  it("PostgreSQL versions, a major version covering its minors", () => {
    expect(inScope({ postgresVersions: ["16"] }, { version: "16" })).toBe(true);
    expect(inScope({ postgresVersions: ["16"] }, { version: "16.4" })).toBe(true);
    expect(inScope({ postgresVersions: ["1"] }, { version: "16" })).toBe(false);
    expect(inScope({ postgresVersions: ["16"] }, { version: null })).toBe(false);
  });

  it.each([
    [{ key: "env", operator: "equals", value: "prod" }, { env: "prod" }, true],
    [{ key: "ENV", operator: "equals", value: "prod" }, { Env: "prod" }, true],
    [{ key: "env", operator: "equals", value: "prod" }, { env: "Prod" }, false],
    [{ key: "env", operator: "equals", value: "prod" }, {}, false],
    [{ key: "env", operator: "equals", value: "" }, { env: "" }, true],
    [{ key: "env", operator: "notEquals", value: "dev" }, { env: "prod" }, true],
    [{ key: "env", operator: "notEquals", value: "dev" }, { env: "dev" }, false],
    [{ key: "env", operator: "notEquals", value: "dev" }, {}, true],
    [{ key: "owner", operator: "exists" }, { Owner: "" }, true],
    [{ key: "owner", operator: "exists" }, {}, false],
    [{ key: "legacy", operator: "notExists" }, {}, true],
    [{ key: "legacy", operator: "notExists" }, { LEGACY: "yes" }, false],
    [{ key: "cc", operator: "in", values: ["42", "43"] }, { cc: "43" }, true],
    [{ key: "cc", operator: "in", values: ["42", "43"] }, { cc: "44" }, false],
    [{ key: "cc", operator: "in", values: ["42", "43"] }, {}, false],
  ])("tag condition %j on tags %j: %s", (condition, tags, expected) => {
    expect(inScope({ tags: [condition] }, { tags: tags as Record<string, string> })).toBe(expected);
  });

  it("combines criteria and tag conditions with AND", () => {
    const scope = {
      regions: ["westeurope"],
      resourceGroups: ["rg-*"],
      tags: [
        { key: "env", operator: "equals", value: "prod" },
        { key: "tier", operator: "in", values: ["gold", "silver"] },
      ],
    };
    expect(inScope(scope, { resourceGroup: "rg-a", tags: { env: "prod", tier: "gold" } })).toBe(true);
    expect(inScope(scope, { resourceGroup: "rg-a", tags: { env: "prod", tier: "bronze" } })).toBe(false);
    expect(inScope(scope, { resourceGroup: "other", tags: { env: "prod", tier: "gold" } })).toBe(false);
    expect(inScope(scope, { location: "eastus", resourceGroup: "rg-a", tags: { env: "prod", tier: "gold" } })).toBe(false);
  });

  it("excludes when every criterion of any one exclusion matches", () => {
    const exclusions = [{ regions: ["westeurope"], tags: [{ key: "backup", operator: "equals", value: "off" }] }, { serverNames: ["tmp-*"] }];
    expect(inScope({}, { tags: { backup: "off" } }, exclusions)).toBe(false);
    expect(inScope({}, { tags: { backup: "off" }, location: "eastus" }, exclusions)).toBe(true);
    expect(inScope({}, { name: "tmp-42" }, exclusions)).toBe(false);
    expect(inScope({}, { name: "pg-42" }, exclusions)).toBe(true);
  });
});

describe("exemptions", () => {
  const protectedButUnprotected = () => {
    const w = world();
    w.instances = [];
    return w;
  };

  it.each([
    ["server", (w: World) => ({ kind: "server" as const, serverArmId: w.server.armId.toUpperCase() })],
    ["subscription", (w: World) => ({ kind: "subscription" as const, subscriptionId: w.server.subscriptionId.toUpperCase() })],
    ["resource group", (w: World) => ({ kind: "resourceGroup" as const, subscriptionId: w.server.subscriptionId, resourceGroup: "RG-DATA" })],
    ["tag", (w: World) => { w.server.tags = { Backup: "exempt" }; return { kind: "tag" as const, key: "backup" }; }],
    ["tag with value", (w: World) => { w.server.tags = { backup: "exempt" }; return { kind: "tag" as const, key: "BACKUP", value: "exempt" }; }],
  ])("exempt: by %s, with the expiry and the state it hides", (_kind, target) => {
    const w = protectedButUnprotected();
    w.exemptions = [buildExemption({ id: "ex-1", target: target(w), expiresAt: "2026-06-30T00:00:00Z", category: "mitigated" })];
    const verdict = judge(w);
    expect(verdict).toMatchObject({
      state: "exempt",
      exemptedState: "unprotected",
      problems: ["unprotected"],
      remediation: null,
      exemption: { id: "ex-1", category: "mitigated", ruleId: null, expiresAt: "2026-06-30T00:00:00.000Z" },
    });
    expect(verdict.reasons[0]).toBe("Exempt from every rule until 2026-06-30T00:00:00.000Z (mitigated, exemption ex-1); without it the server would be unprotected.");
  });

  it("does not exempt on a tag with another value, another server, or another resource group", () => {
    const w = protectedButUnprotected();
    w.server.tags = { backup: "Exempt" };
    w.exemptions = [
      buildExemption({ target: { kind: "tag", key: "backup", value: "exempt" } }),
      buildExemption({ target: { kind: "server", serverArmId: `${w.server.armId}-2` } }),
      buildExemption({ target: { kind: "resourceGroup", subscriptionId: w.server.subscriptionId, resourceGroup: "rg-data-2" } }),
      buildExemption({ target: { kind: "subscription", subscriptionId: guid(5) } }),
    ];
    expect(judge(w).state).toBe("unprotected");
  });

  it("an exemption for one rule applies only while that rule governs", () => {
    const w = protectedButUnprotected();
    const governing = w.rules[0]!;
    w.exemptions = [buildExemption({ ruleId: "some-other-rule", target: { kind: "server", serverArmId: w.server.armId } })];
    expect(judge(w).state).toBe("unprotected");
    w.exemptions = [buildExemption({ ruleId: governing.id, target: { kind: "server", serverArmId: w.server.armId } })];
    const verdict = judge(w);
    expect(verdict.state).toBe("exempt");
    expect(verdict.reasons[0]).toContain("Exempt from rule 'Default' until");
  });

  it("an exemption from a rule that also matches, but does not govern, does not apply", () => {
    const w = protectedButUnprotected();
    const secondary = buildRule({ name: "Secondary", order: 500 });
    w.rules.push(secondary);
    w.exemptions = [buildExemption({ ruleId: secondary.id, target: { kind: "server", serverArmId: w.server.armId } })];
    const verdict = judge(w);
    expect(verdict.alsoMatchedRules.map((rule) => rule.name)).toEqual(["Secondary"]);
    expect(verdict.state).toBe("unprotected");
  });

  it("a compliant server can be exempt too, and says what it would be", () => {
    const w = world();
    w.exemptions = [buildExemption({ target: { kind: "server", serverArmId: w.server.armId } })];
    expect(judge(w)).toMatchObject({ state: "exempt", exemptedState: "compliant" });
  });

  it("an exemption does not bring an out-of-scope server into scope", () => {
    const w = world();
    w.rules = [];
    w.exemptions = [buildExemption({ target: { kind: "server", serverArmId: w.server.armId } })];
    expect(judge(w).state).toBe("not_in_scope");
  });

  describe("expiry", () => {
    const expiresAt = "2026-03-01T12:00:00.000Z";
    const setup = () => {
      const w = protectedButUnprotected();
      w.exemptions = [buildExemption({ id: "ex-edge", target: { kind: "server", serverArmId: w.server.armId }, expiresAt })];
      return w;
    };

    it("applies up to the millisecond before its expiry", () => {
      expect(judge(setup(), new Date(Date.parse(expiresAt) - 1)).state).toBe("exempt");
    });

    it("stops applying at its expiry instant, and the verdict says so", () => {
      const verdict = judge(setup(), new Date(expiresAt));
      expect(verdict.state).toBe("unprotected");
      expect(verdict.expiredExemptions).toEqual([{ id: "ex-edge", category: "waiver", ruleId: null, expiresAt }]);
      expect(verdict.reasons).toContain(`Exemption ex-edge (waiver) expired at ${expiresAt} and no longer applies.`);
      expect(verdict.remediation?.actions[0]?.kind).toBe("protect");
    });

    it("stays expired afterwards, with a reason that does not change from day to day", () => {
      const w = setup();
      const later = judge(w, new Date("2026-04-01T00:00:00Z"));
      const muchLater = judge(w, new Date("2027-04-01T00:00:00Z"));
      expect(later).toEqual(muchLater);
    });

    it("of several exemptions, the one running longest applies and expired ones are listed", () => {
      const w = setup();
      w.exemptions.push(
        buildExemption({ id: "ex-short", target: { kind: "subscription", subscriptionId: w.server.subscriptionId }, expiresAt: "2026-03-10T00:00:00Z" }),
        buildExemption({ id: "ex-long", target: { kind: "resourceGroup", subscriptionId: w.server.subscriptionId, resourceGroup: w.server.resourceGroup }, expiresAt: "2026-09-01T00:00:00Z" }),
      );
      const verdict = judge(w, new Date("2026-03-05T00:00:00Z"));
      expect(verdict.exemption?.id).toBe("ex-long");
      expect(verdict.expiredExemptions.map((exemption) => exemption.id)).toEqual(["ex-edge"]);
    });
  });
});

describe("case differences in ARM ids", () => {
  it("matches instances, vaults and policies to the server whatever the case of their ids", () => {
    const w = world();
    const instance = w.instances[0]!;
    instance.dataSourceArmId = w.server.armId.toUpperCase();
    instance.vaultArmId = w.vault.armId.toLowerCase();
    instance.policyArmId = w.policy.armId.toUpperCase();
    expect(judge(w).state).toBe("compliant");
  });

  it("matches a server whose own id is spelt in another case than its instance's", () => {
    const w = world();
    const shouted = { ...w.server, armId: w.server.armId.replace("Microsoft.DBforPostgreSQL/flexibleServers", "MICROSOFT.DBFORPOSTGRESQL/FLEXIBLESERVERS") };
    expect(judge(w, NOW, shouted).state).toBe("compliant");
  });
});

describe("hostile names and tag values", () => {
  const hostile = [
    `pg'; DROP TABLE "Server"; --`,
    `x" | where true | project id`,
    "<img src=x onerror=alert(1)>",
    "Ｐｇ-ünïcødé-🐘",
    "line\nbreak\ttab",
    "${process.env.SECRET}",
    "\u202Eevil\u202C",
  ];

  it.each(hostile)("evaluates a server called %j as plain data and keeps the name verbatim", (name) => {
    const w = world({ name });
    w.roles = vaultRolesFor(w.vault, w.server);
    expect(judge(w).state).toBe("compliant");
    w.vault.name = name;
    w.rules = [buildRule({ requirement: { vault: { kind: "matchInRegion", tags: [{ key: "purpose", operator: "exists" }] } } })];
    w.vault.tags = { purpose: name };
    w.roles = [];
    const verdict = judge(w);
    expect(verdict.state).toBe("missing_roles");
    expect(verdict.reasons[0]).toBe(`The identity of vault '${name}' lacks PostgreSQL Flexible Server Long Term Retention Backup Role on the server.`);
  });

  it.each(hostile)("matches the tag value %j exactly, never as a pattern", (value) => {
    const w = world();
    w.server.tags = { [value]: value };
    w.rules = [buildRule({ scope: { tags: [{ key: value.replace(/[<>%&\\?/]/g, "_"), operator: "notExists" }, { key: "owner", operator: "in", values: [value] }] } })];
    expect(judge(w).state).toBe("not_in_scope");
    w.server.tags = { owner: value };
    expect(judge(w).state).toBe("compliant");
    w.server.tags = { owner: `${value} ` };
    expect(judge(w).state).toBe("not_in_scope");
  });

  it("takes glob-looking tag values literally", () => {
    const w = world({ tags: { env: "prod" } });
    w.rules = [buildRule({ scope: { tags: [{ key: "env", operator: "equals", value: "*" }] } })];
    expect(judge(w).state).toBe("not_in_scope");
    w.server.tags = { env: "*" };
    expect(judge(w).state).toBe("compliant");
  });

  it("does not let a lookalike resource group name match", () => {
    const w = world({ resourceGroup: "rg-prod" });
    w.rules = [buildRule({ scope: { resourceGroups: ["rg-prοd"] } })]; // Greek omicron
    expect(judge(w).state).toBe("not_in_scope");
  });
});

describe("bulk evaluation", () => {
  it("evaluates many servers in the order given, every state from one context", () => {
    const w = world();
    const stopped = buildServer({ state: "Stopped" });
    const orphan = buildServer({ location: "southindia" });
    const bare = buildServer();
    const ctx = buildEvaluationContext({
      vaults: w.vaults,
      backupPolicies: w.policies,
      backupInstances: w.instances,
      roleAssignments: [...w.roles, ...vaultRolesFor(w.vault, stopped), ...vaultRolesFor(w.vault, bare)],
      rules: w.rules,
      exemptions: [],
      flexguardPrincipalId: null,
    });
    const verdicts = evaluateServers(ctx, [w.server, stopped, orphan, bare], NOW);
    expect(verdicts.map((verdict) => verdict.state)).toEqual(["compliant", "server_not_ready", "no_vault_in_region", "unprotected"]);
  });

  it("every verdict state is one the model knows", () => {
    expect(new Set(VERDICT_STATES).size).toBe(VERDICT_STATES.length);
    expect(VERDICT_STATES).toEqual(
      expect.arrayContaining(["compliant", "unprotected", "wrong_vault", "wrong_policy", "policy_weaker", "protection_error", "missing_roles", "no_vault_in_region", "server_not_ready", "not_evaluable", "exempt", "not_in_scope"]),
    );
  });
});

describe("rule matching shortcuts", () => {
  // The evaluator sorts rules into buckets per subscription, region and version and caches them;
  // judged one by one, every server must still get the rule a plain scan of the rule list gives.
  it("agree with checking every rule against every server", async () => {
    const { compileRuleReach, placeMatches, reachesServer } = await import("@/core/rules/compile-selector");
    const { serverFacts } = await import("@/core/rules/server-facts");
    let seed = 7;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    const pick = <T,>(items: readonly T[]): T => items[Math.floor(rand() * items.length)]!;
    const subscriptions = [guid(1, "aaaaaaaa"), guid(2, "aaaaaaaa"), guid(3, "aaaaaaaa")];
    const regions = ["westeurope", "northeurope", "eastus"];
    const versions = ["14", "15", "16", "16.2", null];
    const servers = Array.from({ length: 400 }, () =>
      buildServer({
        subscriptionId: pick(subscriptions),
        location: pick([...regions, "West Europe"]),
        version: pick(versions),
        resourceGroup: pick(["rg-a", "RG-B", "rg-prod-1", "rg(x)"]),
        name: pick(["pg-prod-1", "pg-dev-2", "PG-TEST-3", "other"]),
        tags: pick<Record<string, string>>([{}, { env: "prod" }, { Env: "dev", team: "ml" }, { team: "ops", backup: "off" }]),
      }),
    );
    const rules = Array.from({ length: 30 }, (_, n) => {
      const scope: Record<string, unknown> = {};
      if (rand() < 0.4) scope.subscriptions = [pick(subscriptions)];
      if (rand() < 0.4) scope.regions = [pick(regions), pick(regions)];
      if (rand() < 0.3) scope.postgresVersions = [pick(["14", "15", "16"])];
      if (rand() < 0.3) scope.resourceGroups = [pick(["rg-*", "rg-a", "rg(x)", "*-1"])];
      if (rand() < 0.3) scope.serverNames = [pick(["pg-*", "*-3", "pg-???-1"])];
      if (rand() < 0.3) scope.tags = [pick([{ key: "env", operator: "equals", value: "prod" }, { key: "team", operator: "in", values: ["ml", "ops"] }, { key: "env", operator: "notExists" }])];
      if (Object.keys(scope).length < 2) scope.serverNames = [pick(["pg-prod-*", "*-2", "pg-???-3", "other"])];
      const exclusions = rand() < 0.3 ? [{ tags: [{ key: "backup", operator: "equals" as const, value: "off" }] }] : [];
      return buildRule({ name: `r${n}`, order: Math.floor(rand() * 10), enabled: rand() < 0.9, scope, exclusions });
    });
    const ctx = buildEvaluationContext({ vaults: [], backupPolicies: [], backupInstances: [], roleAssignments: [], rules, exemptions: [], flexguardPrincipalId: null });
    const ordered = rules
      .filter((rule) => rule.enabled)
      .sort((a, b) => a.order - b.order || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
      .map((rule) => ({ rule, reach: compileRuleReach(rule.scope, rule.exclusions) }));
    const governingSeen = new Set<string | undefined>();
    for (const server of servers) {
      const facts = serverFacts(server);
      const expected = ordered.filter(({ reach }) => placeMatches(reach.scope, facts.subscriptionKey, facts.region, server.version) && reachesServer(reach, facts)).map(({ rule }) => rule.id);
      const verdict = evaluateServer(ctx, server, NOW);
      expect([verdict.governingRule?.id, ...verdict.alsoMatchedRules.map((rule) => rule.id)].filter(Boolean)).toEqual(expected);
      governingSeen.add(verdict.governingRule?.id);
    }
    // The generated mix must exercise the shortcuts: many different governing rules, and servers in no scope.
    expect(governingSeen.size).toBeGreaterThan(5);
    expect(governingSeen.has(undefined)).toBe(true);
  });
});
