// Microsoft.Authorization role assignments (2022-04-01) at any scope: create (201; 409
// RoleAssignmentExists; 403 AuthorizationFailed when the caller may not write role assignments
// there), get, delete, and list with $filter (atScope(), principalId eq '...', assignedTo('...')).
import { z } from "zod";
import { ArmError, armErrors } from "../errors.ts";
import { idKey, parseResourceId, scopeContains } from "../ids.ts";
import { roleGuidOf } from "../roles.ts";
import type { RoleAssignmentEntity } from "../store/entities.ts";
import type { EmulatorStore } from "../store/store.ts";
import { roleAssignmentArm } from "../store/views.ts";
import { type Reply, type RequestContext, type Route } from "./types.ts";

export const AUTHORIZATION_API_VERSIONS = ["2022-04-01"] as const;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const createSchema = z.object({
  properties: z.looseObject({
    roleDefinitionId: z.string({ error: "properties.roleDefinitionId is required" }),
    principalId: z.string({ error: "properties.principalId is required" }),
    principalType: z.enum(["User", "Group", "ServicePrincipal", "ForeignGroup", "Device"]).optional(),
    description: z.string().optional(),
    condition: z.string().optional(),
    conditionVersion: z.string().optional(),
  }),
});

function scopeOf(context: RequestContext): string {
  const raw = context.params.scope ?? "";
  return raw === "" ? "/" : raw;
}

function isTenantLevel(scope: string): boolean {
  const key = idKey(scope);
  return key === "" || key === "/" || key.startsWith("/providers/microsoft.management/managementgroups/");
}

/** 404s as ARM gives them when the scope names a subscription, group or known resource that does not exist. */
export function requireScopeExists(store: EmulatorStore, scope: string): void {
  if (isTenantLevel(scope)) return;
  const parsed = parseResourceId(scope);
  if (!parsed.subscriptionId || !store.subscriptions.has(parsed.subscriptionId.toLowerCase())) throw armErrors.subscriptionNotFound(parsed.subscriptionId ?? scope);
  if (parsed.resourceGroup === undefined) return;
  if (!store.resourceGroups.has(idKey(`/subscriptions/${parsed.subscriptionId}/resourceGroups/${parsed.resourceGroup}`))) throw armErrors.resourceGroupNotFound(parsed.resourceGroup);
  if (parsed.types.length === 0) return;
  const key = idKey(scope);
  const type = `${parsed.provider}/${parsed.types.join("/")}`.toLowerCase();
  const known = type === "microsoft.dbforpostgresql/flexibleservers" ? store.servers.has(key) : type === "microsoft.dataprotection/backupvaults" ? store.vaults.has(key) : true;
  if (!known) throw armErrors.resourceNotFound(`${parsed.provider}/${parsed.types.join("/")}`, parsed.names.join("/"), parsed.resourceGroup);
}

function knownPrincipal(store: EmulatorStore, principalId: string): boolean {
  const key = principalId.toLowerCase();
  if (store.principals.has(key) || store.roleAssignmentsByPrincipal.get(key)?.size) return true;
  for (const vault of store.vaults.values()) if (vault.principalId === key) return true;
  return false;
}

export interface CreateAssignmentInput {
  scope: string;
  name: string;
  roleDefinitionId: string;
  principalId: string;
  principalType?: string;
  description?: string;
  condition?: string;
  conditionVersion?: string;
}

/**
 * Creates a role assignment on behalf of the caller with ARM's checks, in ARM's order. Shared with
 * deployments, which apply the deploying principal's permissions to each assignment.
 */
export function createRoleAssignment(store: EmulatorStore, callerId: string, callerName: string | undefined, input: CreateAssignmentInput): { status: 200 | 201; assignment: RoleAssignmentEntity } {
  const scope = input.scope.replace(/\/+$/, "") || "/";
  const assignmentId = `${scope === "/" ? "" : scope}/providers/Microsoft.Authorization/roleAssignments/${input.name}`;
  if (!store.can(callerId, "roleAssignmentsWrite", scope)) throw armErrors.authorizationFailed(callerId, "Microsoft.Authorization/roleAssignments/write", assignmentId);
  requireScopeExists(store, scope);
  if (!GUID.test(input.name)) throw new ArmError(400, "InvalidRoleAssignmentId", `The role assignment ID '${input.name}' is not valid. The role assignment ID must be a GUID.`);
  const roleGuid = roleGuidOf(input.roleDefinitionId);
  // Any GUID-shaped role definition is accepted (the emulator cannot know every built-in or custom
  // role); those it does not know grant nothing.
  if (roleGuid === "") {
    throw new ArmError(400, "RoleDefinitionDoesNotExist", `The specified role definition with ID '${roleGuid || input.roleDefinitionId}' does not exist.`);
  }
  if (!GUID.test(input.principalId)) throw new ArmError(400, "InvalidPrincipalId", `The principal ID '${input.principalId}' is not valid. The principal ID must be a GUID.`);
  if (!knownPrincipal(store, input.principalId)) {
    throw new ArmError(400, "PrincipalNotFound", `Principal ${input.principalId.replace(/-/g, "")} does not exist in the directory ${store.tenantId}. Check that you have the correct principal ID. If you are creating this principal and then immediately assigning a role, this error might be related to a replication delay.`);
  }
  const existing = store.roleAssignments.get(idKey(assignmentId));
  if (existing) {
    if (existing.principalId === input.principalId.toLowerCase() && existing.roleGuid === roleGuid) return { status: 200, assignment: existing };
    throw new ArmError(400, "RoleAssignmentUpdateNotPermitted", "Tenant ID, application ID, principal ID, and scope are not allowed to be updated.");
  }
  const equivalent = store.findEquivalentAssignment(scope, input.principalId, roleGuid);
  if (equivalent) {
    throw new ArmError(409, "RoleAssignmentExists", `The role assignment already exists. The ID of the existing role assignment is ${equivalent.name.replace(/-/g, "")}.`);
  }
  const assignment = store.addRoleAssignment({
    scope,
    name: input.name.toLowerCase(),
    principalId: input.principalId,
    principalType: input.principalType ?? "User",
    roleDefinitionId: store.fullRoleDefinitionId(input.roleDefinitionId.startsWith("/") ? input.roleDefinitionId : roleGuid, scope),
    condition: input.condition,
    conditionVersion: input.conditionVersion,
    description: input.description,
    createdBy: callerName ? callerId : callerId,
    // Azure's RBAC propagation: services see the assignment only after a while.
    effectiveAt: store.clock.now() + store.timings.rbacPropagationMs,
  });
  return { status: 201, assignment };
}

function putAssignment(context: RequestContext): Reply {
  const parsed = createSchema.safeParse(context.body);
  const scope = scopeOf(context);
  const { store } = context.state;
  const callerId = context.caller.principalId;
  if (!parsed.success) {
    // ARM authorizes before it reads the body.
    if (!store.can(callerId, "roleAssignmentsWrite", scope)) {
      throw armErrors.authorizationFailed(callerId, "Microsoft.Authorization/roleAssignments/write", `${scope === "/" ? "" : scope}/providers/Microsoft.Authorization/roleAssignments/${context.params.name}`);
    }
    const issue = parsed.error.issues[0]!;
    throw armErrors.invalidRequestContent(`The request content is invalid: '${issue.path.join(".")}': ${issue.message}`);
  }
  const { status, assignment } = createRoleAssignment(store, callerId, context.caller.name, { scope, name: context.params.name!, ...parsed.data.properties });
  return { status, body: roleAssignmentArm(assignment) };
}

function getAssignment(context: RequestContext): Reply {
  const scope = scopeOf(context);
  const { store } = context.state;
  const callerId = context.caller.principalId;
  if (!store.can(callerId, "read", scope)) throw armErrors.authorizationFailed(callerId, "Microsoft.Authorization/roleAssignments/read", scope);
  const id = `${scope === "/" ? "" : scope}/providers/Microsoft.Authorization/roleAssignments/${context.params.name}`;
  const assignment = store.roleAssignments.get(idKey(id));
  if (!assignment) throw new ArmError(404, "RoleAssignmentNotFound", `The role assignment '${context.params.name}' is not found.`);
  return { status: 200, body: roleAssignmentArm(assignment) };
}

function deleteAssignment(context: RequestContext): Reply {
  const scope = scopeOf(context);
  const { store } = context.state;
  const callerId = context.caller.principalId;
  const id = `${scope === "/" ? "" : scope}/providers/Microsoft.Authorization/roleAssignments/${context.params.name}`;
  if (!store.can(callerId, "roleAssignmentsWrite", scope)) throw armErrors.authorizationFailed(callerId, "Microsoft.Authorization/roleAssignments/delete", id);
  const assignment = store.roleAssignments.get(idKey(id));
  if (!assignment) return { status: 204 };
  store.deleteRoleAssignment(assignment);
  return { status: 200, body: roleAssignmentArm(assignment) };
}

interface ListFilter {
  atScope: boolean;
  principalId?: string;
}

function parseFilter(text: string | null): ListFilter {
  const filter: ListFilter = { atScope: false };
  if (!text || text.trim() === "") return filter;
  for (const clause of text.split(/\s+and\s+/i)) {
    const trimmed = clause.trim();
    let match: RegExpExecArray | null;
    if (/^atScope\(\)$/i.test(trimmed)) filter.atScope = true;
    else if ((match = /^principalId\s+eq\s+'([^']+)'$/i.exec(trimmed))) filter.principalId = match[1]!.toLowerCase();
    else if ((match = /^assignedTo\('([^']+)'\)$/i.exec(trimmed))) filter.principalId = match[1]!.toLowerCase();
    else throw new ArmError(400, "UnsupportedQuery", `The filter '${text}' is not supported. Supported filters are either 'atScope()', 'principalId eq {id}' or 'assignedTo('{id}')'.`);
  }
  return filter;
}

function listAssignments(context: RequestContext): Reply {
  const scope = scopeOf(context);
  const { store } = context.state;
  const callerId = context.caller.principalId;
  if (!store.can(callerId, "read", scope)) throw armErrors.authorizationFailed(callerId, "Microsoft.Authorization/roleAssignments/read", scope);
  requireScopeExists(store, scope);
  const filter = parseFilter(context.query.get("$filter"));
  const candidates = filter.principalId ? [...(store.roleAssignmentsByPrincipal.get(filter.principalId) ?? [])] : [...store.roleAssignments.values()];
  const matches = candidates.filter((a) => {
    const aboveOrAt = isTenantLevel(a.scope) || scopeContains(a.scope, scope);
    if (filter.atScope) return aboveOrAt;
    return aboveOrAt || scopeContains(scope, a.scope);
  });
  matches.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const offset = Number(context.query.get("$skipToken") ?? "0") || 0;
  const pageSize = 1000;
  const body: { value: unknown[]; nextLink?: string } = { value: matches.slice(offset, offset + pageSize).map(roleAssignmentArm) };
  if (offset + pageSize < matches.length) {
    const next = new URL(context.path, context.baseUrl);
    for (const [k, v] of context.query) next.searchParams.set(k, v);
    next.searchParams.set("$skipToken", String(offset + pageSize));
    body.nextLink = next.toString();
  }
  return { status: 200, body };
}

const ASSIGNMENT = /^(?<scope>(?:\/.*?)?)\/providers\/Microsoft\.Authorization\/roleAssignments\/(?<name>[^/]+)\/?$/i;
const ASSIGNMENTS = /^(?<scope>(?:\/.*?)?)\/providers\/Microsoft\.Authorization\/roleAssignments\/?$/i;

const route = (method: Route["method"], pattern: RegExp, name: string, throttle: Route["throttle"], handle: Route["handle"]): Route => ({
  method,
  pattern,
  name,
  apiVersions: AUTHORIZATION_API_VERSIONS,
  resourceType: "roleAssignments",
  throttle,
  handle,
});

export const authorizationRoutes: Route[] = [
  route("PUT", ASSIGNMENT, "RoleAssignments_Create", "writes", putAssignment),
  route("GET", ASSIGNMENT, "RoleAssignments_Get", "reads", getAssignment),
  route("DELETE", ASSIGNMENT, "RoleAssignments_Delete", "deletes", deleteAssignment),
  route("GET", ASSIGNMENTS, "RoleAssignments_ListForScope", "reads", listAssignments),
];
