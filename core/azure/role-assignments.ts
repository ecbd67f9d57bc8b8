import { env } from "../config/env";
import { authorizationClient } from "./clients";
import { toAzureError } from "./errors";

/** The subscription an ARM scope belongs to (lower-case), or undefined for scopes above subscriptions. */
export const subscriptionOf = (scope: string) => scope.match(/^\/?subscriptions\/([^/]+)/i)?.[1]?.toLowerCase();

export interface RoleAssignmentInput {
  /** The ARM id the role is granted at: a server, a resource group, a subscription. */
  scope: string;
  /** The assignment's name, a GUID: deterministic names make a retry land on the same assignment. */
  name: string;
  roleDefinitionGuid: string;
  principalId: string;
  principalType?: "ServicePrincipal" | "User" | "Group";
}

export type RoleAssignmentOutcome = "created" | "exists";

/**
 * Grants a role, treating Azure's 409 RoleAssignmentExists (the same grant under any name) as done: granting is
 * idempotent. Other failures keep Azure's code and message (AuthorizationFailed when Flexguard may not grant there).
 */
export async function createRoleAssignment(input: RoleAssignmentInput): Promise<RoleAssignmentOutcome> {
  const subscriptionId = subscriptionOf(input.scope);
  if (!subscriptionId) throw new Error(`Role assignments are only made at or below a subscription, not at ${input.scope}`);
  // The SDK's {scope} path parameter is relative ("subscriptions/..."): a leading slash would double it.
  const scope = input.scope.replace(/^\/+/, "");
  try {
    await authorizationClient(subscriptionId).roleAssignments.create(scope, input.name, {
      roleDefinitionId: `/subscriptions/${subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${input.roleDefinitionGuid}`,
      principalId: input.principalId,
      principalType: input.principalType ?? "ServicePrincipal",
    });
    return "created";
  } catch (err) {
    const error = toAzureError(err, env().AZURE_ENDPOINT);
    if (error.opts.details?.azureCode === "RoleAssignmentExists") return "exists";
    throw error;
  }
}
