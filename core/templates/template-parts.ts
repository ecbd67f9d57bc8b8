// Pieces the template builders assemble: the principal parameter, a role-assignment resource and the
// metadata every template carries. Key order is fixed here, so serialised templates are byte-stable.
import { BACKUP_ROLES, ROLE_ASSIGNMENTS_API_VERSION, armLiteral, roleDefinitionVariable, type BackupRole } from "./arm";
import type { NormalizedGrant } from "./normalize-grant";
import type { BackupRoleScope, Json } from "./types";

type Vault = NormalizedGrant["vault"];

/** The parameter holding a vault identity's principal id, defaulting to the one Flexguard saw. */
export function principalParameter(vault: Vault): { [key: string]: Json } {
  return {
    type: "string",
    defaultValue: vault.principalId,
    metadata: {
      description: `Object (principal) id of the system-assigned managed identity of Backup vault '${vault.name}' (${vault.armId}). Change it only if that identity was re-created.`,
    },
  };
}

/** The parameter name for each vault: `vaultPrincipalId` when there is one, numbered in vault-id order when there are several. */
export function principalParameterNames(vaultKeys: readonly string[]): Map<string, string> {
  const sorted = [...new Set(vaultKeys)].sort();
  return new Map(sorted.map((key, i) => [key, sorted.length === 1 ? "vaultPrincipalId" : `vaultPrincipalId${i + 1}`]));
}

/** Variables for the role definitions a template uses (only those, so nothing unused is left for linters to flag). */
export function roleDefinitionVariables(roles: Iterable<BackupRole>): { [name: string]: Json } {
  const used = new Set(roles);
  const variables: { [name: string]: Json } = {};
  for (const role of [BACKUP_ROLES.ltrBackup, BACKUP_ROLES.reader]) if (used.has(role)) variables[role.variable] = roleDefinitionVariable(role);
  return variables;
}

export interface RoleAssignmentResourceInput {
  role: BackupRole;
  vault: Vault;
  principalParameter: string;
  /** An expression (without brackets) for the assignment's scope id, the first guid() argument. */
  scopeIdExpression: string;
  /** The root-level `scope` (an expression or relative name); absent: the resource group deployed to. */
  scope?: Json;
  copy?: { [key: string]: Json };
  comments: string;
}

/** The expression (without brackets) naming a role assignment: guid(scope, principal, role definition). */
export function assignmentNameExpression(input: Pick<RoleAssignmentResourceInput, "scopeIdExpression" | "principalParameter" | "role">): string {
  return `guid(${input.scopeIdExpression}, parameters('${input.principalParameter}'), variables('${input.role.variable}'))`;
}

/** A Microsoft.Authorization/roleAssignments resource for a vault identity. */
export function roleAssignmentResource(input: RoleAssignmentResourceInput): { [key: string]: Json } {
  const resource: { [key: string]: Json } = {};
  if (input.copy) resource.copy = input.copy;
  resource.type = "Microsoft.Authorization/roleAssignments";
  resource.apiVersion = ROLE_ASSIGNMENTS_API_VERSION;
  resource.name = `[${assignmentNameExpression(input)}]`;
  if (input.scope !== undefined) resource.scope = input.scope;
  resource.comments = input.comments;
  resource.properties = {
    roleDefinitionId: `[variables('${input.role.variable}')]`,
    principalId: `[parameters('${input.principalParameter}')]`,
    // Managed identities are service principals; saying so spares ARM the directory lookup that fails
    // with PrincipalNotFound while a new identity replicates.
    principalType: "ServicePrincipal",
    // The same text for every server of the vault: resource-group assignments are shared by the templates of
    // all its servers, and an assignment's properties must not differ between two deployments of it.
    description: armLiteral(`Lets Backup vault '${input.vault.name}' back up PostgreSQL flexible servers (granted from a Flexguard template).`),
  };
  return resource;
}

/** How a pack's README and metadata describe the backup role's scope. */
export function backupRoleScopeText(scope: BackupRoleScope): string {
  return scope === "server"
    ? `${BACKUP_ROLES.ltrBackup.name} on each server (one role assignment per server).`
    : `${BACKUP_ROLES.ltrBackup.name} on each server's resource group, which covers every flexible server in the group: one role assignment per resource group and vault instead of one per server, to stay under Azure's limit of 4,000 role assignments per subscription.`;
}

/** The metadata entry describing one server's grant. */
export function serverMetadata(grant: NormalizedGrant): { [key: string]: Json } {
  return {
    id: grant.server.armId,
    name: grant.server.name,
    vault: grant.vault.armId,
    rule: grant.rule === null ? null : { id: grant.rule.id, name: grant.rule.name, revision: grant.rule.revision },
    missingRoles: [...(grant.needsLtrBackup ? [BACKUP_ROLES.ltrBackup.name] : []), ...(grant.needsReader ? [BACKUP_ROLES.reader.name] : [])],
  };
}
