import { describe, expect, it } from "vitest";
import { planDeployment } from "@/emulator/template/deploy";
import { buildResourceGroupTemplate } from "@/core/templates/build-resource-group-template";
import { buildSubscriptionTemplate, resourceGroupDeploymentName } from "@/core/templates/build-subscription-template";
import { roleAssignmentName } from "@/core/templates/role-assignment-name";
import type { ArmTemplate } from "@/core/templates/types";
import { ROLE_GUID } from "../../factories/fleet";
import { SUBSCRIPTION, VAULT_PRINCIPAL, buildGrant, buildGrants, otherVault } from "../../factories/templates";
import { templateSchemaErrors } from "./arm-template-schema";

const server = { backupRoleScope: "server" } as const;
const group = { backupRoleScope: "resourceGroup" } as const;

function plan(template: unknown, resourceGroup: string, parameters: Record<string, unknown> = {}) {
  return planDeployment(template, parameters, {
    subscriptionId: SUBSCRIPTION,
    tenantId: "00000000-0000-4000-8000-0000000000e1",
    subscriptionDisplayName: "prod",
    resourceGroup: { name: resourceGroup, location: "westeurope", tags: {} },
    deploymentName: "test",
  });
}

const rgId = (rg: string) => `/subscriptions/${SUBSCRIPTION}/resourceGroups/${rg}`;
const roleOf = (assignment: { roleDefinitionId: string }) => assignment.roleDefinitionId.split("/").pop();

describe("a resource-group pack", () => {
  it("grants Reader once per vault and the backup role on each server through one copy loop, and validates", () => {
    const grants = [buildGrant({ name: "pg-a" }), buildGrant({ name: "pg-b", missing: ["ltr"] }), buildGrant({ name: "pg-c", missing: ["reader"] })];
    const built = buildResourceGroupTemplate(grants, server);
    expect(templateSchemaErrors(built.template)).toEqual([]);
    expect(built.template.variables!.serverNames).toEqual(["pg-a", "pg-b"]);
    expect(built.template.resources).toHaveLength(2);
    const assignments = plan(built.template, "rg-data");
    expect(assignments.map((a) => [a.scope, roleOf(a)])).toEqual([
      [rgId("rg-data"), ROLE_GUID.reader],
      [`${rgId("rg-data")}/providers/Microsoft.DBforPostgreSQL/flexibleServers/pg-a`, ROLE_GUID.ltr],
      [`${rgId("rg-data")}/providers/Microsoft.DBforPostgreSQL/flexibleServers/pg-b`, ROLE_GUID.ltr],
    ]);
    expect(built.roleAssignmentCount).toBe(3);
    for (const a of assignments) {
      expect(a.name).toBe(roleAssignmentName({ scope: a.scope, principalId: VAULT_PRINCIPAL, subscriptionId: SUBSCRIPTION, roleDefinitionGuid: roleOf(a)! }));
    }
    expect(Object.keys(built.template.outputs)).toEqual(["readerRoleAssignmentId", "ltrBackupRoleAssignmentIds"]);
    expect(built.template.outputs.ltrBackupRoleAssignmentIds).toMatchObject({ type: "array", copy: { count: "[length(variables('serverNames'))]" } });
    expect(built.template.metadata.flexguard).toMatchObject({ kind: "resourceGroup", resourceGroup: "rg-data", servers: [{ name: "pg-a" }, { name: "pg-b" }, { name: "pg-c" }] });
  });

  it("gives each vault its own principal parameter when the group's servers go to several vaults", () => {
    const second = otherVault();
    const built = buildResourceGroupTemplate([buildGrant({ name: "pg-a" }), buildGrant({ name: "pg-n", vault: second })], server);
    expect(templateSchemaErrors(built.template)).toEqual([]);
    // Numbered in vault-id order: bv-neu's group sorts before bv-weu's.
    expect(Object.keys(built.template.parameters)).toEqual(["vaultPrincipalId1", "vaultPrincipalId2"]);
    expect(built.template.parameters.vaultPrincipalId1!.defaultValue).toBe(second.principalId);
    const assignments = plan(built.template, "rg-data");
    expect(assignments.map((a) => [a.principalId, roleOf(a), a.scope.split("/").pop()])).toEqual([
      [second.principalId, ROLE_GUID.reader, "rg-data"],
      [second.principalId, ROLE_GUID.ltr, "pg-n"],
      [VAULT_PRINCIPAL, ROLE_GUID.reader, "rg-data"],
      [VAULT_PRINCIPAL, ROLE_GUID.ltr, "pg-a"],
    ]);
    expect(new Set(assignments.map((a) => a.name)).size).toBe(4);
  });

  it("with the backup role at resource-group scope, grants two assignments per vault however many servers", () => {
    const built = buildResourceGroupTemplate(buildGrants(900), group);
    expect(templateSchemaErrors(built.template)).toEqual([]);
    expect(built.roleAssignmentCount).toBe(2);
    expect(plan(built.template, "rg-000").map((a) => [a.scope, roleOf(a)])).toEqual([
      [rgId("rg-000"), ROLE_GUID.reader],
      [rgId("rg-000"), ROLE_GUID.ltr],
    ]);
    expect(built.template.metadata.description).toMatch(/4,000 role assignments per subscription/);
  });

  it("refuses more role assignments than one ARM template may hold, pointing to the alternatives", () => {
    expect(() => buildResourceGroupTemplate(buildGrants(800), server)).toThrow(/at most 800.*resource-group scope.*zip/);
    expect(buildResourceGroupTemplate(buildGrants(799), server).roleAssignmentCount).toBe(800);
  });

  it("refuses servers of another resource group, an empty list, and a server listed twice", () => {
    expect(() => buildResourceGroupTemplate([buildGrant(), buildGrant({ resourceGroup: "rg-other" })], server)).toThrow(/not in resource group/);
    expect(() => buildResourceGroupTemplate([], server)).toThrow(/at least one server/);
    const grant = buildGrant();
    expect(() => buildResourceGroupTemplate([grant, grant], server)).toThrow(/listed twice/);
  });

  it("grants nothing when nothing is missing, and still validates", () => {
    const built = buildResourceGroupTemplate([buildGrant({ missing: [] }), buildGrant({ missing: [] })], server);
    expect(built.roleAssignmentCount).toBe(0);
    expect(built.template.resources).toEqual([]);
    expect(templateSchemaErrors(built.template)).toEqual([]);
  });
});

describe("a subscription pack", () => {
  const grants = [
    buildGrant({ name: "pg-a", resourceGroup: "rg-data" }),
    buildGrant({ name: "pg-b", resourceGroup: "rg-data", missing: ["ltr"] }),
    buildGrant({ name: "pg-w", resourceGroup: "RG-Web", missing: ["reader"] }),
    buildGrant({ name: "pg-n", resourceGroup: "rg-o'neil (ü)", vault: otherVault() }),
  ];

  it("is a subscription-scope template with one nested deployment per resource group, and validates with its inner templates", () => {
    const built = buildSubscriptionTemplate(grants, server);
    expect(templateSchemaErrors(built.template)).toEqual([]);
    expect(built.template.$schema).toBe("https://schema.management.azure.com/schemas/2018-05-01/subscriptionDeploymentTemplate.json#");
    expect(built.template.resources.map((r) => [r.type, r.resourceGroup])).toEqual([
      ["Microsoft.Resources/deployments", "rg-data"],
      ["Microsoft.Resources/deployments", "rg-o'neil (ü)"],
      ["Microsoft.Resources/deployments", "RG-Web"],
    ]);
    for (const resource of built.template.resources) {
      expect(resource.name).toMatch(/^flexguard-roles-[\w.()-]+$/);
      expect((resource.name as string).length).toBeLessThanOrEqual(64);
      expect(resource.properties).toMatchObject({ mode: "Incremental", expressionEvaluationOptions: { scope: "inner" } });
    }
    expect(built.roleAssignmentCount).toBe(3 + 2 + 1);
  });

  it("nests exactly the resource-group pack of each group, with the outer parameters passed through", () => {
    const built = buildSubscriptionTemplate(grants, server);
    expect(Object.keys(built.template.parameters)).toEqual(["vaultPrincipalId1", "vaultPrincipalId2"]);
    for (const resource of built.template.resources) {
      const properties = resource.properties as unknown as { template: ArmTemplate; parameters: Record<string, { value: string }> };
      const rg = resource.resourceGroup as string;
      const alone = buildResourceGroupTemplate(grants.filter((g) => g.server.resourceGroup === rg), server).template;
      // Same resources as the stand-alone pack, parameter names aside (the subscription numbers its vaults once for all groups).
      expect(properties.template.resources.length).toBe(alone.resources.length);
      expect(templateSchemaErrors(properties.template)).toEqual([]);
      for (const [name, passed] of Object.entries(properties.parameters)) {
        expect(built.template.parameters).toHaveProperty(name);
        expect(passed).toEqual({ value: `[parameters('${name}')]` });
      }
      // Each inner template deploys to its group as a resource-group pack would.
      const assignments = plan(properties.template, rg);
      expect(assignments.every((a) => a.scope.startsWith(rgId(rg)))).toBe(true);
    }
  });

  it("names nested deployments uniquely even when group names differ only in what a deployment name cannot hold", () => {
    const names = ["rg-é", "rg-e", "rg-è", "RG-E (1)", "a".repeat(90)].map(resourceGroupDeploymentName);
    expect(new Set(names).size).toBe(5);
    for (const name of names) expect(name).toMatch(/^[\w.()-]{1,64}$/);
    expect(resourceGroupDeploymentName("rg-data")).toBe(resourceGroupDeploymentName("RG-DATA"));
  });

  it("with the backup role at resource-group scope, grants two assignments per group and vault", () => {
    const built = buildSubscriptionTemplate(buildGrants(2000, 10), group);
    expect(templateSchemaErrors(built.template)).toEqual([]);
    expect(built.roleAssignmentCount).toBe(20);
    expect(built.template.resources).toHaveLength(10);
  });

  it("refuses servers of another subscription", () => {
    expect(() => buildSubscriptionTemplate([buildGrant(), buildGrant({ subscriptionId: "0f0f0f0f-0000-4000-8000-000000000000" })], server)).toThrow(/not in subscription/);
  });
});
