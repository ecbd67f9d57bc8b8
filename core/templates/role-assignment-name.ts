// The name a Flexguard template gives a role assignment, computed outside ARM: the same
// guid(scope, principal, role definition) the templates evaluate, so Flexguard can name the assignments it
// makes itself identically (a template deployed afterwards then lands on them instead of colliding) and tests
// can check what a deployment created.
import { createHash } from "node:crypto";

/** ARM's guid(): a version-5 UUID, in ARM's namespace, of the arguments joined by "-" and encoded as UTF-16LE. */
export function armGuid(...parts: string[]): string {
  const namespace = Buffer.from("11fb06fb712d4ddd98c7e71bbd588830", "hex");
  const hash = createHash("sha1").update(namespace).update(Buffer.from(parts.join("-"), "utf16le")).digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

export interface RoleAssignmentNameInput {
  /** The scope's ARM id, spelled as ARM's resourceId()/resourceGroup().id spell it (the names as Azure has them). */
  scope: string;
  principalId: string;
  subscriptionId: string;
  roleDefinitionGuid: string;
}

/**
 * The deterministic role-assignment name Flexguard's templates use:
 * guid(scope, principalId, subscriptionResourceId('Microsoft.Authorization/roleDefinitions', role)).
 */
export function roleAssignmentName(input: RoleAssignmentNameInput): string {
  const roleDefinitionId = `/subscriptions/${input.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${input.roleDefinitionGuid}`;
  return armGuid(input.scope, input.principalId.toLowerCase(), roleDefinitionId);
}
