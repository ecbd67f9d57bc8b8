// From verdicts (made by the real evaluator over small inventories) to plan items: each kind of finding becomes the
// item the issue asks for, every action meets the contract the executor parses, and names are deterministic.
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { buildEvaluationContext, evaluateServer, type EvaluationSetup } from "@/core/rules/evaluate";
import { ROLE, type InventoryServer } from "@/core/inventory/types";
import { PlanBuilder, backupInstanceName, rolesForPrincipal, type CandidateServer, type PlanningSetup } from "@/core/remediation/build-items";
import { planActionSchema, planOptionsSchema, serverSituationSchema, type PlanAction } from "@/core/remediation/plan-types";
import { roleAssignmentName } from "@/core/templates/role-assignment-name";
import type { StoredProtectionRule } from "@/core/rules/schemas";
import { buildBackupInstance, buildPolicy, buildRoleAssignment, buildServer, buildVault, guid, resourceGroupArmId, vaultRolesFor } from "../../factories/inventory";
import { buildRule } from "../rules/builders";

const FLEXGUARD = guid(999, "f1e9f1e9");
const NOW = new Date("2026-01-01T00:00:00Z");

interface World {
  setup: Omit<EvaluationSetup, "flexguardPrincipalId" | "inventoryGaps" | "exemptions">;
  servers: InventoryServer[];
}

/** Evaluates the servers and plans them, as draft-plan.ts does with stored verdicts. */
function plan(world: World, options: Partial<ReturnType<typeof planOptionsSchema.parse>> = {}, planning: Partial<PlanningSetup> = {}) {
  const ctx = buildEvaluationContext({ ...world.setup, exemptions: [], flexguardPrincipalId: FLEXGUARD });
  const writerScopes = new Set(world.setup.roleAssignments.filter((a) => a.principalId === FLEXGUARD && a.roleDefinitionGuid === ROLE.owner).map((a) => a.scope.toLowerCase()));
  const builder = new PlanBuilder({
    vaults: world.setup.vaults.map((v) => ({ ...v, storageType: "GeoRedundant" })),
    policies: world.setup.backupPolicies,
    rules: world.setup.rules,
    flexguardWriterScopes: writerScopes,
    options: planOptionsSchema.parse(options),
    vaultStorageType: null,
    actorSubscriptions: null,
    ...planning,
  });
  for (const server of world.servers) {
    const verdict = evaluateServer(ctx, server, NOW);
    const instances = world.setup.backupInstances
      .filter((i) => i.dataSourceArmId.toLowerCase() === server.armId.toLowerCase())
      .map((i) => ({ armId: i.armId, vaultArmId: i.vaultArmId, policyArmId: i.policyArmId, protectionState: i.currentProtectionState }));
    builder.add({ ...server, verdict: JSON.parse(JSON.stringify(verdict)), instances } as CandidateServer);
  }
  const built = builder.finish();
  // Every item honours the contract the executor parses.
  for (const item of built.items) {
    planActionSchema.parse(item.action);
    if (item.serverId) {
      serverSituationSchema.parse(item.before);
      serverSituationSchema.parse(item.after);
    }
  }
  return built;
}

const enforce = (overrides: Parameters<typeof buildRule>[0] = {}): StoredProtectionRule => buildRule({ id: randomUUID(), mode: "enforce", ...overrides });
const byServer = (built: ReturnType<typeof plan>, server: InventoryServer) => built.items.find((i) => i.serverId === server.id)!;
const ownerOn = (scope: string) => buildRoleAssignment({ principalId: FLEXGUARD, roleDefinitionGuid: ROLE.owner, scope });

describe("items from verdicts", () => {
  it("protects an unprotected server with the roles its vault identity lacks, named as the templates name them", () => {
    const vault = buildVault({ name: "bv-weu" });
    const policy = buildPolicy(vault);
    const server = buildServer();
    const rule = enforce();
    const built = plan({
      setup: { vaults: [vault], backupPolicies: [policy], backupInstances: [], rules: [rule], roleAssignments: [ownerOn(resourceGroupArmId(server.subscriptionId, server.resourceGroup))] },
      servers: [server],
    });
    expect(built.items).toHaveLength(1);
    const item = built.items[0]!;
    expect(item).toMatchObject({ seq: 1, kind: "protectServer", status: "PENDING", dependsOn: [], canary: false, subscriptionId: server.subscriptionId, vaultArmIdKey: vault.armId.toLowerCase() });
    const action = item.action as Extract<PlanAction, { kind: "protectServer" }>;
    expect(action.rolesToAssign.map((r) => r.roleDefinitionGuid).sort()).toEqual([ROLE.pgFlexLtrBackup, ROLE.reader].sort());
    for (const role of action.rolesToAssign)
      expect(role.assignmentName).toBe(roleAssignmentName({ scope: role.scope, principalId: vault.principalId!, subscriptionId: server.subscriptionId, roleDefinitionGuid: role.roleDefinitionGuid }));
    expect(action).toMatchObject({ policy: { armId: policy.armId, fromItem: null }, firstBackup: true, ruleId: rule.id, ruleRevision: 1 });
    expect(action.backupInstanceName).toBe(backupInstanceName(server.name, server.armId, vault.armId));
    expect(item.after).toMatchObject({ verdictState: "compliant", backupInstanceArmId: `${vault.armId}/backupInstances/${action.backupInstanceName}`, rolesHeld: expect.arrayContaining([`${ROLE.reader}@${resourceGroupArmId(server.subscriptionId, server.resourceGroup).toLowerCase()}`]) });
  });

  it("gives the same backup instance name for the same server and vault, and another for another vault", () => {
    expect(backupInstanceName("pg1", "/subscriptions/a/x/pg1", "/subscriptions/a/v/BV1")).toBe(backupInstanceName("pg1", "/SUBSCRIPTIONS/A/X/PG1", "/subscriptions/a/v/bv1"));
    expect(backupInstanceName("pg1", "/subscriptions/a/x/pg1", "/subscriptions/a/v/bv1")).not.toBe(backupInstanceName("pg1", "/subscriptions/a/x/pg1", "/subscriptions/a/v/bv2"));
    expect(backupInstanceName("pg1", "/subscriptions/a/x/pg1", "/subscriptions/a/v/bv1")).toMatch(/^pg1-pg1-[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it("asks for a template when the rule says so or Flexguard's principal may not assign, and only assigns roles for a protected server", () => {
    const vault = buildVault({ name: "bv-weu" });
    const policy = buildPolicy(vault);
    const locked = buildServer({ resourceGroup: "rg-locked" });
    const protectedMissing = buildServer();
    const templateOnly = buildServer({ resourceGroup: "rg-template" });
    const rgData = resourceGroupArmId(protectedMissing.subscriptionId, "rg-data");
    const world: World = {
      setup: {
        vaults: [vault],
        backupPolicies: [policy],
        backupInstances: [buildBackupInstance(protectedMissing, vault, policy)],
        rules: [enforce({ scope: { resourceGroups: ["rg-data", "rg-locked"] } }), enforce({ scope: { resourceGroups: ["rg-template"] }, requirement: { roleAssignment: "templateOnly" } })],
        roleAssignments: [
          ownerOn(rgData),
          ownerOn(resourceGroupArmId(templateOnly.subscriptionId, "rg-template")),
          buildRoleAssignment({ principalId: vault.principalId!, roleDefinitionGuid: ROLE.reader, scope: rgData }),
        ],
      },
      servers: [locked, protectedMissing, templateOnly],
    };
    const built = plan(world);
    expect(byServer(built, locked)).toMatchObject({ kind: "needsTemplate", status: "NEEDS_ACTION" });
    expect((byServer(built, locked).action as { reason: string }).reason).toMatch(/may not assign/);
    expect((byServer(built, templateOnly).action as { reason: string }).reason).toMatch(/template, not by Flexguard/);
    const assign = byServer(built, protectedMissing);
    expect(assign.kind).toBe("assignRoles");
    expect((assign.action as Extract<PlanAction, { kind: "assignRoles" }>).rolesToAssign.map((r) => r.roleDefinitionGuid)).toEqual([ROLE.pgFlexLtrBackup]);
    expect(assign.before).toMatchObject({ backupInstanceArmId: expect.stringContaining(vault.armId), protectionState: "ProtectionConfigured", rolesHeld: [`${ROLE.reader}@${rgData.toLowerCase()}`] });
    expect(assign.after).toMatchObject({ verdictState: "compliant" });
  });

  it("never moves a server between vaults, and lists stopped servers and errors for a person", () => {
    const vault = buildVault({ name: "bv-weu" });
    const other = buildVault({ name: "other-vault" });
    const policy = buildPolicy(vault);
    const otherPolicy = buildPolicy(other);
    const wrong = buildServer();
    const stopped = buildServer({ state: "Stopped" });
    const failing = buildServer();
    const built = plan({
      setup: {
        vaults: [vault, other],
        backupPolicies: [policy, otherPolicy],
        backupInstances: [buildBackupInstance(wrong, other, otherPolicy), buildBackupInstance(failing, vault, policy, { currentProtectionState: "ProtectionError", errorCode: "UserErrorX" })],
        rules: [enforce()],
        roleAssignments: [...vaultRolesFor(vault, wrong), ...vaultRolesFor(vault, stopped), ...vaultRolesFor(vault, failing)],
      },
      servers: [wrong, stopped, failing],
    });
    const decision = byServer(built, wrong);
    expect(decision).toMatchObject({ kind: "needsDecision", status: "NEEDS_ACTION" });
    expect(decision.action).toMatchObject({ currentBackupInstanceArmId: expect.stringContaining("other-vault"), targetVault: { armId: vault.armId } });
    expect(byServer(built, stopped)).toMatchObject({ kind: "needsDecision" });
    expect((byServer(built, stopped).action as { reason: string }).reason).toMatch(/Stopped, not Ready/);
    expect((byServer(built, failing).action as { reason: string }).reason).toMatch(/ProtectionError \(UserErrorX\)/);
    expect(built.items.every((i) => i.kind === "needsDecision")).toBe(true);
  });

  it("creates a missing policy once per vault, with the rule's schedule and retention, before the items that need it", () => {
    const vault = buildVault({ name: "bv-weu" });
    const weak = buildPolicy(vault, { defaultRetention: "P1M" });
    const [a, b] = [buildServer(), buildServer()];
    const built = plan({
      setup: { vaults: [vault], backupPolicies: [weak], backupInstances: [], rules: [enforce({ requirement: { policy: { kind: "constraints", minRetention: "P6M", maxBackupInterval: "P1D" } } })], roleAssignments: [...vaultRolesFor(vault, a), ...vaultRolesFor(vault, b)] },
      servers: [a, b],
    });
    expect(built.items.map((i) => i.kind)).toEqual(["createPolicy", "protectServer", "protectServer"]);
    const create = built.items[0]!;
    expect(create.action).toMatchObject({ kind: "createPolicy", policyName: "flexguard-pgflex-p1d-p6m", backupInterval: "P1D", retention: "P6M", vault: { armId: vault.armId, fromItem: null } });
    for (const item of built.items.slice(1)) {
      expect(item.dependsOn).toEqual([1]);
      expect(item.action).toMatchObject({ policy: { armId: `${vault.armId}/backupPolicies/flexguard-pgflex-p1d-p6m`, fromItem: 1 }, rolesToAssign: [] });
    }
  });

  it("creates a vault only in regions the operator chose, with the vault the rule names there", () => {
    const sub = guid(7, "5ab5c41d");
    const neuVault = `/subscriptions/${sub}/resourceGroups/rg-backup/providers/Microsoft.DataProtection/backupVaults/bv-neu`;
    const server = buildServer({ subscriptionId: sub, location: "northeurope", armId: `/subscriptions/${sub}/resourceGroups/rg-data/providers/Microsoft.DBforPostgreSQL/flexibleServers/pg-n` });
    const rule = enforce({ requirement: { vault: { kind: "perRegion", vaults: [{ region: "northeurope", vaultArmId: neuVault }] } } });
    const world: World = { setup: { vaults: [], backupPolicies: [], backupInstances: [], rules: [rule], roleAssignments: [ownerOn(`/subscriptions/${sub}`)] }, servers: [server] };

    const without = plan(world);
    expect(without.items).toEqual([]);
    expect(without.skipped).toEqual({ "no vault in region northeurope (choose to create one)": 1 });
    expect(without.regionsWithoutVault).toEqual([{ region: "northeurope", servers: 1, creatable: true, planned: false }]);

    const built = plan(world, { createVaultsIn: ["northeurope"], canarySize: 1 }, { vaultStorageType: "ZoneRedundant" });
    expect(built.items.map((i) => [i.seq, i.kind, i.dependsOn])).toEqual([
      [1, "createVault", []],
      [2, "createPolicy", [1]],
      [3, "protectServer", [1, 2]],
    ]);
    expect(built.items[0]!.action).toEqual({ kind: "createVault", subscriptionId: sub, resourceGroup: "rg-backup", name: "bv-neu", location: "northeurope", storageType: "ZoneRedundant" });
    const protect = built.items[2]!.action as Extract<PlanAction, { kind: "protectServer" }>;
    expect(protect.vault).toMatchObject({ armId: neuVault, principalId: null, fromItem: 1 });
    expect(protect.policy).toMatchObject({ name: "flexguard-pgflex-p1w-p3m", fromItem: 2 });
    expect(built.items[2]!.canary).toBe(true);
    // Assignment names for a vault the plan creates are made once its identity exists.
    const principal = guid(5, "abcdef00");
    for (const role of rolesForPrincipal(protect.rolesToAssign, principal, sub))
      expect(role.assignmentName).toBe(roleAssignmentName({ scope: role.scope, principalId: principal, subscriptionId: sub, roleDefinitionGuid: role.roleDefinitionGuid }));
  });

  it("leaves out servers of audit-mode rules and outside the actor's subscriptions' vault writes", () => {
    const vault = buildVault({ name: "bv-weu", subscriptionId: guid(3, "5ab5c41d") });
    const weak = buildPolicy(vault, { defaultRetention: "P1M" });
    const audited = buildServer({ resourceGroup: "rg-audit" });
    const needsPolicy = buildServer();
    const built = plan(
      {
        setup: {
          vaults: [vault],
          backupPolicies: [weak],
          backupInstances: [],
          rules: [buildRule({ id: randomUUID(), mode: "audit", order: 1, scope: { resourceGroups: ["rg-audit"] } }), enforce({ order: 2 })],
          roleAssignments: [...vaultRolesFor(vault, audited), ...vaultRolesFor(vault, needsPolicy)],
        },
        servers: [audited, needsPolicy],
      },
      {},
      { actorSubscriptions: [needsPolicy.subscriptionId] },
    );
    expect(built.items).toEqual([]);
    expect(built.skipped).toEqual({ "governed by an audit-mode rule": 1, "a backup policy must be created in a vault outside your subscriptions": 1 });
  });
});
