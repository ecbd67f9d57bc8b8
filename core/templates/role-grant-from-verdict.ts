// From what the evaluator concluded about a server to the input of the template builders: the roles its target
// vault's identity lacks, and the rule that asked for them.
import { AppError } from "@/core/errors";
import { armKey, type InventoryServer, type InventoryVault } from "@/core/inventory/types";
import type { Verdict } from "@/core/rules/verdict";
import type { ServerRoleGrant } from "./types";

export interface RoleGrantFromVerdictInput {
  server: Pick<InventoryServer, "armId" | "name" | "subscriptionId" | "resourceGroup">;
  /** The inventory's vault with the id of verdict.remediation.targetVaultArmId. */
  vault: Pick<InventoryVault, "armId" | "name" | "principalId">;
  verdict: Pick<Verdict, "serverArmId" | "governingRule" | "remediation">;
}

/**
 * The grant a server's template is built from: the verdict's assignRole actions (none when its vault identity
 * lacks nothing, which gives a template granting nothing). Throws VALIDATION_FAILED when the verdict is about
 * another server or vault, and CONFLICT when the vault has no managed identity to grant roles to yet.
 */
export function roleGrantFromVerdict({ server, vault, verdict }: RoleGrantFromVerdictInput): ServerRoleGrant {
  if (armKey(verdict.serverArmId) !== armKey(server.armId)) {
    throw new AppError("VALIDATION_FAILED", `The verdict is about ${verdict.serverArmId}, not ${server.armId}.`);
  }
  const target = verdict.remediation?.targetVaultArmId;
  if (target && armKey(target) !== armKey(vault.armId)) {
    throw new AppError("VALIDATION_FAILED", `The verdict's target vault is ${target}, not ${vault.armId}.`);
  }
  if (vault.principalId === null) {
    throw new AppError("CONFLICT", `Backup vault '${vault.name}' has no system-assigned managed identity: enable it first, then download the template.`);
  }
  const missingRoles = (verdict.remediation?.actions ?? []).flatMap((action) =>
    action.kind === "assignRole" ? [{ roleDefinitionGuid: action.roleDefinitionGuid, scope: action.scope }] : [],
  );
  const rule = verdict.governingRule;
  return {
    server: { armId: server.armId, name: server.name, subscriptionId: server.subscriptionId, resourceGroup: server.resourceGroup },
    vault: { armId: vault.armId, principalId: vault.principalId },
    missingRoles,
    rule: rule === null ? null : { id: rule.id, name: rule.name, revision: rule.revision },
  };
}
