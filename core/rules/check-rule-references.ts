// The save-time check that a rule's explicit vaults and policies exist, stand where the rule says and
// suit PostgreSQL flexible servers. The schema checks their shape; only the inventory knows whether
// they are real. Issues use the same { field, reason } form as the schema's, so a route answers both
// the same way.
import { armKey, type InventoryBackupPolicy, type InventoryVault } from "@/core/inventory/types";
import { PG_FLEX_DATASOURCE_TYPE } from "./evaluate";
import { normaliseRegion, type ProtectionRule } from "./schemas";

export interface RuleReferenceIssue {
  /** The path of the offending field, dot-separated, as in the schema's issues. */
  field: string;
  reason: string;
}

export interface RuleReferenceInventory {
  vaults: readonly InventoryVault[];
  backupPolicies: readonly InventoryBackupPolicy[];
}

/** Every explicit vault and policy of the rule that the inventory does not know, or knows elsewhere. */
export function checkRuleReferences(rule: ProtectionRule, inventory: RuleReferenceInventory): RuleReferenceIssue[] {
  const issues: RuleReferenceIssue[] = [];
  const vaults = new Map(inventory.vaults.map((vault) => [armKey(vault.armId), vault]));
  const policies = new Map(inventory.backupPolicies.map((policy) => [armKey(policy.armId), policy]));

  const vaultRequirement = rule.requirement.vault;
  if (vaultRequirement.kind === "perRegion") {
    vaultRequirement.vaults.forEach((entry, index) => {
      const field = `requirement.vault.vaults.${index}.vaultArmId`;
      const vault = vaults.get(armKey(entry.vaultArmId));
      if (!vault) issues.push({ field, reason: "no Backup vault with this id is in the inventory; check the id, or run a scan if the vault is new" });
      else if (normaliseRegion(vault.location) !== entry.region)
        issues.push({ field, reason: `vault '${vault.name}' is in region ${normaliseRegion(vault.location)}, not ${entry.region}; Azure Backup needs a vault in the server's region` });
    });
  }

  const policyRequirement = rule.requirement.policy;
  if (policyRequirement.kind === "explicit") {
    policyRequirement.policyArmIds.forEach((policyArmId, index) => {
      const field = `requirement.policy.policyArmIds.${index}`;
      const policy = policies.get(armKey(policyArmId));
      if (!policy) issues.push({ field, reason: "no backup policy with this id is in the inventory; check the id, or run a scan if the policy is new" });
      else if (!policy.datasourceTypes.some((type) => type.toLowerCase() === PG_FLEX_DATASOURCE_TYPE.toLowerCase()))
        issues.push({ field, reason: `policy '${policy.name}' backs up ${policy.datasourceTypes.join(", ") || "no datasource type"}, not ${PG_FLEX_DATASOURCE_TYPE}` });
    });
  }
  return issues;
}
