import { describe, expect, it } from "vitest";
import { planDeployment } from "@/emulator/template/deploy";
import { buildServerTemplate } from "@/core/templates/build-server-template";
import { roleAssignmentName } from "@/core/templates/role-assignment-name";
import { FLEXGUARD_VERSION } from "@/core/version";
import { ROLE_GUID } from "../../factories/fleet";
import { RULE, SUBSCRIPTION, VAULT_ID, VAULT_PRINCIPAL, buildGrant } from "../../factories/templates";
import { templateSchemaErrors } from "./arm-template-schema";

const server = { backupRoleScope: "server" } as const;
const group = { backupRoleScope: "resourceGroup" } as const;

/** What ARM would create: the template evaluated by the emulator's template engine, offline. */
function plan(template: unknown, resourceGroup = "rg-data", parameters: Record<string, unknown> = {}) {
  return planDeployment(template, parameters, {
    subscriptionId: SUBSCRIPTION,
    tenantId: "00000000-0000-4000-8000-0000000000e1",
    subscriptionDisplayName: "prod",
    resourceGroup: { name: resourceGroup, location: "westeurope", tags: {} },
    deploymentName: "test",
  });
}

const rgId = (rg = "rg-data") => `/subscriptions/${SUBSCRIPTION}/resourceGroups/${rg}`;

describe("a server's role-assignment template", () => {
  it("grants the vault identity the backup role on the server and Reader on its resource group, and validates against the ARM schema", () => {
    const grant = buildGrant({ name: "pg-orders" });
    const built = buildServerTemplate(grant, server);
    expect(templateSchemaErrors(built.template)).toEqual([]);
    expect(built.template.$schema).toBe("https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#");
    expect(built.roleAssignmentCount).toBe(2);
    const serverId = grant.server.armId;
    expect(plan(built.template)).toEqual([
      expect.objectContaining({
        scope: serverId,
        name: roleAssignmentName({ scope: serverId, principalId: VAULT_PRINCIPAL, subscriptionId: SUBSCRIPTION, roleDefinitionGuid: ROLE_GUID.ltr }),
        roleDefinitionId: `/subscriptions/${SUBSCRIPTION}/providers/Microsoft.Authorization/roleDefinitions/${ROLE_GUID.ltr}`,
        principalId: VAULT_PRINCIPAL,
        principalType: "ServicePrincipal",
      }),
      expect.objectContaining({
        scope: rgId(),
        name: roleAssignmentName({ scope: rgId(), principalId: VAULT_PRINCIPAL, subscriptionId: SUBSCRIPTION, roleDefinitionGuid: ROLE_GUID.reader }),
        roleDefinitionId: `/subscriptions/${SUBSCRIPTION}/providers/Microsoft.Authorization/roleDefinitions/${ROLE_GUID.reader}`,
        principalType: "ServicePrincipal",
      }),
    ]);
    // Root-level scope, never inside properties (the quickstart template's bug, CONTRACT.md §3).
    for (const resource of built.template.resources) expect(resource.properties).not.toHaveProperty("scope");
  });

  it("grants only what is missing", () => {
    const readerOnly = buildServerTemplate(buildGrant({ missing: ["reader"] }), server);
    expect(plan(readerOnly.template).map((a) => a.roleDefinitionId.split("/").pop())).toEqual([ROLE_GUID.reader]);
    expect(Object.keys(readerOnly.template.outputs)).toEqual(["readerRoleAssignmentId"]);
    const backupOnly = buildServerTemplate(buildGrant({ missing: ["ltr"] }), server);
    expect(plan(backupOnly.template).map((a) => a.roleDefinitionId.split("/").pop())).toEqual([ROLE_GUID.ltr]);
    expect(Object.keys(backupOnly.template.outputs)).toEqual(["ltrBackupRoleAssignmentId"]);
    for (const built of [readerOnly, backupOnly]) expect(templateSchemaErrors(built.template)).toEqual([]);
  });

  it("grants nothing when nothing is missing, and still validates", () => {
    const built = buildServerTemplate(buildGrant({ missing: [] }), server);
    expect(built.roleAssignmentCount).toBe(0);
    expect(built.template.resources).toEqual([]);
    expect(built.template.outputs).toEqual({});
    expect(built.template.metadata.description).toMatch(/^Nothing to grant/);
    expect(templateSchemaErrors(built.template)).toEqual([]);
    expect(plan(built.template)).toEqual([]);
  });

  it("can grant the backup role at resource-group scope instead", () => {
    const built = buildServerTemplate(buildGrant(), group);
    expect(templateSchemaErrors(built.template)).toEqual([]);
    const assignments = plan(built.template);
    expect(assignments.map((a) => [a.scope, a.roleDefinitionId.split("/").pop()])).toEqual([
      [rgId(), ROLE_GUID.ltr],
      [rgId(), ROLE_GUID.reader],
    ]);
    expect(new Set(assignments.map((a) => a.name)).size).toBe(2);
    expect(built.template.metadata.flexguard).toMatchObject({ backupRoleScope: "resourceGroup" });
  });

  it("takes the principal from a parameter defaulting to the vault's identity", () => {
    const built = buildServerTemplate(buildGrant({ vault: { armId: VAULT_ID, principalId: VAULT_PRINCIPAL.toUpperCase() } }), server);
    expect(built.template.parameters).toEqual({
      vaultPrincipalId: { type: "string", defaultValue: VAULT_PRINCIPAL, metadata: { description: expect.stringContaining(VAULT_ID) } },
    });
    const other = "7e6d5c4b-3a29-4817-9605-f4e3d2c1b0a9";
    const assignments = plan(built.template, "rg-data", { vaultPrincipalId: { value: other } });
    expect(assignments.map((a) => a.principalId)).toEqual([other, other]);
    // The names follow the principal: another identity's grants never land on this one's.
    expect(assignments[0]!.name).not.toBe(plan(built.template)[0]!.name);
  });

  it("names Flexguard, its version, the server, the vault and the rule in its metadata, and outputs the assignment ids", () => {
    const grant = buildGrant({ name: "pg-billing" });
    const { template } = buildServerTemplate(grant, server);
    expect(template.metadata._generator).toEqual({ name: "Flexguard", version: FLEXGUARD_VERSION });
    expect(template.metadata.flexguard).toEqual({
      kind: "server",
      subscriptionId: SUBSCRIPTION,
      resourceGroup: "rg-data",
      backupRoleScope: "server",
      server: {
        id: grant.server.armId,
        name: "pg-billing",
        vault: VAULT_ID,
        rule: { id: RULE.id, name: RULE.name, revision: RULE.revision },
        missingRoles: ["PostgreSQL Flexible Server Long Term Retention Backup Role", "Reader"],
      },
      vault: { id: VAULT_ID, principalId: VAULT_PRINCIPAL },
    });
    expect(template.outputs.ltrBackupRoleAssignmentId).toEqual({ type: "string", value: expect.stringMatching(/^\[extensionResourceId\(variables\('serverId'\), 'Microsoft\.Authorization\/roleAssignments', guid\(/) });
    expect(template.outputs.readerRoleAssignmentId!.value).toMatch(/^\[extensionResourceId\(resourceGroup\(\)\.id, /);
    expect(buildServerTemplate(buildGrant({ rule: null }), server).template.metadata.flexguard).toMatchObject({ server: { rule: null } });
  });

  it("refuses inputs that do not say exactly what to grant", () => {
    const grant = buildGrant({ name: "pg-x" });
    const refuse = (changed: unknown) => expect(() => buildServerTemplate(changed as typeof grant, server)).toThrow(expect.objectContaining({ code: "VALIDATION_FAILED" }));
    refuse({ ...grant, vault: { ...grant.vault, principalId: "not-a-guid" } });
    refuse({ ...grant, vault: { ...grant.vault, armId: "/subscriptions/x/resourceGroups/y/providers/Microsoft.Storage/storageAccounts/z" } });
    refuse({ ...grant, server: { ...grant.server, name: "pg-y" } });
    refuse({ ...grant, server: { ...grant.server, name: "a/b", armId: `${rgId()}/providers/Microsoft.DBforPostgreSQL/flexibleServers/a/b` } });
    refuse({ ...grant, missingRoles: [{ roleDefinitionGuid: "8e3af657-a8ff-443c-a75c-2fe8c4bcb635", scope: grant.server.armId }] });
    refuse({ ...grant, missingRoles: [{ roleDefinitionGuid: ROLE_GUID.reader, scope: `/subscriptions/${SUBSCRIPTION}` }] });
    refuse({ ...grant, missingRoles: [{ roleDefinitionGuid: ROLE_GUID.ltr, scope: rgId("rg-other") }] });
  });

  it("accepts ids and role GUIDs in any case, as Azure compares them", () => {
    const grant = buildGrant({ name: "pg-case" });
    const shouted = {
      ...grant,
      server: { ...grant.server, armId: grant.server.armId.toUpperCase() },
      missingRoles: grant.missingRoles.map((r) => ({ roleDefinitionGuid: r.roleDefinitionGuid.toUpperCase(), scope: `${r.scope.toLowerCase()}/` })),
    };
    expect(buildServerTemplate(shouted, server).roleAssignmentCount).toBe(2);
  });
});
