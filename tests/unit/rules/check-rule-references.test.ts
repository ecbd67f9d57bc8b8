import { describe, expect, it } from "vitest";
import { checkRuleReferences } from "@/core/rules/check-rule-references";
import { buildPolicy, buildVault } from "@/tests/factories/inventory";
import { buildRule } from "./builders";

describe("checking a rule's explicit vaults and policies against the inventory", () => {
  const vault = buildVault({ name: "bv-we", location: "westeurope" });
  const north = buildVault({ name: "bv-ne", location: "North Europe" });
  const policy = buildPolicy(vault, { name: "weekly" });
  const northPolicy = buildPolicy(north, { name: "weekly" });
  const diskPolicy = buildPolicy(north, { name: "disks", datasourceTypes: ["Microsoft.Compute/disks"] });
  const inventory = { vaults: [vault, north], backupPolicies: [policy, northPolicy, diskPolicy] };

  it("finds nothing wrong with vaults and policies that exist where the rule says, in any case", () => {
    const rule = buildRule({
      requirement: {
        vault: { kind: "perRegion", vaults: [{ region: "westeurope", vaultArmId: vault.armId.toUpperCase() }, { region: "northeurope", vaultArmId: north.armId }] },
        policy: { kind: "explicit", policyArmIds: [policy.armId.toLowerCase(), northPolicy.armId] },
      },
    });
    expect(checkRuleReferences(rule, inventory)).toEqual([]);
  });

  it("names the field of an unknown vault, a vault in another region, an unknown policy and a policy for other resources", () => {
    const ghost = buildVault({ name: "bv-ghost" });
    const rule = buildRule({
      requirement: {
        vault: {
          kind: "perRegion",
          vaults: [
            { region: "westeurope", vaultArmId: ghost.armId },
            { region: "eastus", vaultArmId: north.armId },
          ],
        },
        policy: { kind: "explicit", policyArmIds: [`${ghost.armId}/backupPolicies/weekly`, diskPolicy.armId] },
      },
    });
    expect(checkRuleReferences(rule, inventory)).toEqual([
      { field: "requirement.vault.vaults.0.vaultArmId", reason: expect.stringContaining("no Backup vault with this id is in the inventory") },
      { field: "requirement.vault.vaults.1.vaultArmId", reason: "vault 'bv-ne' is in region northeurope, not eastus; Azure Backup needs a vault in the server's region" },
      { field: "requirement.policy.policyArmIds.0", reason: expect.stringContaining("no backup policy with this id is in the inventory") },
      { field: "requirement.policy.policyArmIds.1", reason: "policy 'disks' backs up Microsoft.Compute/disks, not Microsoft.DBforPostgreSQL/flexibleServers" },
    ]);
  });

  it("has nothing to check for vaults chosen by name or tags and policies chosen by constraints", () => {
    expect(checkRuleReferences(buildRule(), { vaults: [], backupPolicies: [] })).toEqual([]);
  });
});
