import { describe, expect, it } from "vitest";
import { TemplateError, armGuid, evaluateValue, type TemplateScope } from "@/emulator/template/expressions";
import { planDeployment } from "@/emulator/template/deploy";

const context = {
  subscriptionId: "11111111-2222-3333-4444-555555555555",
  tenantId: "99999999-2222-3333-4444-555555555555",
  subscriptionDisplayName: "contoso-prod-001",
  resourceGroup: { name: "rg-data", location: "westeurope", tags: {} },
  deploymentName: "grant-roles",
};

const scope = (parameters: Record<string, unknown> = {}, variables: Record<string, unknown> = {}): TemplateScope => ({
  ...context,
  parameters,
  variable: (name) => {
    if (!(name in variables)) throw new TemplateError(`no variable ${name}`);
    return variables[name];
  },
  copyIndexes: new Map(),
});

describe("template expressions", () => {
  it("evaluates resource ids for the deployment's subscription and resource group", () => {
    expect(evaluateValue("[resourceId('Microsoft.DBforPostgreSQL/flexibleServers', 'pg1')]", scope())).toBe(
      `/subscriptions/${context.subscriptionId}/resourceGroups/rg-data/providers/Microsoft.DBforPostgreSQL/flexibleServers/pg1`,
    );
    expect(evaluateValue("[resourceId('other-rg', 'Microsoft.DataProtection/backupVaults/backupPolicies', 'v1', 'p1')]", scope())).toBe(
      `/subscriptions/${context.subscriptionId}/resourceGroups/other-rg/providers/Microsoft.DataProtection/backupVaults/v1/backupPolicies/p1`,
    );
    expect(evaluateValue("[subscriptionResourceId('Microsoft.Authorization/roleDefinitions', 'acdd72a7-3385-48ef-bd42-f606fba81ae7')]", scope())).toBe(
      `/subscriptions/${context.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/acdd72a7-3385-48ef-bd42-f606fba81ae7`,
    );
    expect(evaluateValue("[resourceGroup().id]", scope())).toBe(`/subscriptions/${context.subscriptionId}/resourceGroups/rg-data`);
    expect(evaluateValue("[subscription().subscriptionId]", scope())).toBe(context.subscriptionId);
  });

  it("evaluates concat, format (with escaped braces), length, parameters and variables, and property/index access", () => {
    const s = scope({ names: ["a", "b", "c"], who: "O'Brien" }, { prefix: "pg-" });
    expect(evaluateValue("[concat(variables('prefix'), parameters('names')[1])]", s)).toBe("pg-b");
    expect(evaluateValue("[format('{0}/{1} {{literal}}', 'x', length(parameters('names')))]", s)).toBe("x/3 {literal}");
    expect(evaluateValue("[concat('it''s ', parameters('who'))]", s)).toBe("it's O'Brien");
    expect(evaluateValue("[[not an expression]", s)).toBe("[not an expression]");
    expect(evaluateValue({ nested: ["[toLower('ABC')]", 1] }, s)).toEqual({ nested: ["abc", 1] });
  });

  it("guid() is deterministic, argument-order sensitive and GUID-shaped", () => {
    const a = armGuid("scope", "principal", "role");
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(evaluateValue("[guid('scope', 'principal', 'role')]", scope())).toBe(a);
    expect(armGuid("principal", "scope", "role")).not.toBe(a);
  });

  it("names the function it does not know", () => {
    expect(() => evaluateValue("[reference('x').principalId]", scope())).toThrow(/'reference'/);
    expect(() => evaluateValue("[parameters('absent')]", scope())).toThrow(/'absent' is not found/);
  });
});

describe("deployment planning", () => {
  const template = {
    $schema: "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
    contentVersion: "1.0.0.0",
    parameters: { vaultPrincipalId: { type: "string" }, serverNames: { type: "array" } },
    variables: {
      ltrRoleId: "[subscriptionResourceId('Microsoft.Authorization/roleDefinitions', 'c088a766-074b-43ba-90d4-1fb21feae531')]",
      readerRoleId: "[subscriptionResourceId('Microsoft.Authorization/roleDefinitions', 'acdd72a7-3385-48ef-bd42-f606fba81ae7')]",
    },
    resources: [
      {
        type: "Microsoft.Authorization/roleAssignments",
        apiVersion: "2022-04-01",
        name: "[guid(resourceGroup().id, parameters('vaultPrincipalId'), variables('readerRoleId'))]",
        properties: { roleDefinitionId: "[variables('readerRoleId')]", principalId: "[parameters('vaultPrincipalId')]", principalType: "ServicePrincipal" },
      },
      {
        copy: { name: "ltr", count: "[length(parameters('serverNames'))]" },
        type: "Microsoft.Authorization/roleAssignments",
        apiVersion: "2022-04-01",
        scope: "[format('Microsoft.DBforPostgreSQL/flexibleServers/{0}', parameters('serverNames')[copyIndex()])]",
        name: "[guid(resourceId('Microsoft.DBforPostgreSQL/flexibleServers', parameters('serverNames')[copyIndex()]), parameters('vaultPrincipalId'), variables('ltrRoleId'))]",
        properties: { roleDefinitionId: "[variables('ltrRoleId')]", principalId: "[parameters('vaultPrincipalId')]", principalType: "ServicePrincipal" },
      },
    ],
  };
  const principal = "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee";

  it("expands CONTRACT §3's template into one Reader on the group and one LTR role per server", () => {
    const plan = planDeployment(template, { vaultPrincipalId: { value: principal }, serverNames: { value: ["pg1", "pg2"] } }, context);
    const rg = `/subscriptions/${context.subscriptionId}/resourceGroups/rg-data`;
    expect(plan.map((p) => p.scope)).toEqual([rg, `${rg}/providers/Microsoft.DBforPostgreSQL/flexibleServers/pg1`, `${rg}/providers/Microsoft.DBforPostgreSQL/flexibleServers/pg2`]);
    expect(plan[1]!.roleDefinitionId).toMatch(/c088a766-074b-43ba-90d4-1fb21feae531$/);
    expect(plan[1]!.name).toBe(armGuid(`${rg}/providers/Microsoft.DBforPostgreSQL/flexibleServers/pg1`, principal, plan[1]!.roleDefinitionId));
    expect(new Set(plan.map((p) => p.name)).size).toBe(3);
  });

  it("rejects a missing parameter, an unknown parameter, a wrongly typed one, and scope inside properties", () => {
    expect(() => planDeployment(template, { vaultPrincipalId: { value: principal } }, context)).toThrow(/'serverNames'.*not provided/);
    expect(() => planDeployment(template, { vaultPrincipalId: { value: principal }, serverNames: { value: [] }, extra: { value: 1 } }, context)).toThrow(/'extra'/);
    expect(() => planDeployment(template, { vaultPrincipalId: { value: 5 }, serverNames: { value: [] } }, context)).toThrow(/'vaultPrincipalId'.*type 'string'/);
    const buggy = { resources: [{ type: "Microsoft.Authorization/roleAssignments", name: "x", properties: { roleDefinitionId: "r", principalId: "p", scope: "/x" } }] };
    expect(() => planDeployment(buggy, {}, context)).toThrow(/root-level property/);
  });
});
