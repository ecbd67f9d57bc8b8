import { describe, expect, it } from "vitest";
import { roleGrantFromVerdict } from "@/core/templates/role-grant-from-verdict";
import { buildServerTemplate } from "@/core/templates/build-server-template";
import type { Verdict } from "@/core/rules/verdict";
import { ROLE_GUID } from "../../factories/fleet";
import { SUBSCRIPTION, VAULT_ID, VAULT_PRINCIPAL, serverArmId } from "../../factories/templates";

const serverId = serverArmId(SUBSCRIPTION, "rg-data", "pg-orders");
const server = { armId: serverId, name: "pg-orders", subscriptionId: SUBSCRIPTION, resourceGroup: "rg-data" };
const vault = { armId: VAULT_ID, name: "bv-weu", principalId: VAULT_PRINCIPAL };
const rule = { id: "rule-1", name: "Production", revision: 7, order: 1, mode: "enforce" as const };

function verdict(assignRoles: { guid: string; scope: string }[]): Pick<Verdict, "serverArmId" | "governingRule" | "remediation"> {
  return {
    serverArmId: serverId.toLowerCase(),
    governingRule: rule,
    remediation: {
      targetVaultArmId: VAULT_ID,
      targetPolicyArmId: null,
      actions: [
        ...assignRoles.map((r) => ({ kind: "assignRole" as const, roleDefinitionGuid: r.guid, roleName: "x", principalId: VAULT_PRINCIPAL, scope: r.scope, flexguardCanAssign: false })),
        { kind: "protect" as const, vaultArmId: VAULT_ID, policyArmId: null },
      ],
      roleAssignmentBy: "template",
      needsRolesFlexguardCannotAssign: true,
    },
  };
}

describe("the grant a verdict asks for", () => {
  it("takes the verdict's missing roles and governing rule", () => {
    const grant = roleGrantFromVerdict({ server, vault, verdict: verdict([{ guid: ROLE_GUID.ltr, scope: serverId }, { guid: ROLE_GUID.reader, scope: `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-data` }]) });
    expect(grant).toEqual({
      server,
      vault: { armId: VAULT_ID, principalId: VAULT_PRINCIPAL },
      missingRoles: [
        { roleDefinitionGuid: ROLE_GUID.ltr, scope: serverId },
        { roleDefinitionGuid: ROLE_GUID.reader, scope: `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-data` },
      ],
      rule: { id: "rule-1", name: "Production", revision: 7 },
    });
    expect(buildServerTemplate(grant, { backupRoleScope: "server" }).roleAssignmentCount).toBe(2);
  });

  it("asks for nothing when the verdict has no remediation", () => {
    const grant = roleGrantFromVerdict({ server, vault, verdict: { serverArmId: serverId, governingRule: null, remediation: null } });
    expect(grant.missingRoles).toEqual([]);
    expect(grant.rule).toBeNull();
  });

  it("refuses another server's verdict, another vault, and a vault without identity", () => {
    expect(() => roleGrantFromVerdict({ server: { ...server, armId: `${serverId}x` }, vault, verdict: verdict([]) })).toThrow(expect.objectContaining({ code: "VALIDATION_FAILED" }));
    expect(() => roleGrantFromVerdict({ server, vault: { ...vault, armId: `${VAULT_ID}x` }, verdict: verdict([]) })).toThrow(expect.objectContaining({ code: "VALIDATION_FAILED" }));
    expect(() => roleGrantFromVerdict({ server, vault: { ...vault, principalId: null }, verdict: verdict([]) })).toThrow(expect.objectContaining({ code: "CONFLICT" }));
  });
});
