// The template for one server: deployed at the server's resource group, it grants the vault's identity only the
// roles it lacks there (none when it lacks none), under names derived from scope, principal and role, so a
// second deployment changes nothing.
import { BACKUP_ROLES, CONTENT_VERSION, FLEXIBLE_SERVER_TYPE, GENERATOR, RESOURCE_GROUP_TEMPLATE_SCHEMA, armLiteral, quoted, serializeTemplate, type BackupRole } from "./arm";
import { normalizeGrant, type NormalizedGrant } from "./normalize-grant";
import { safeFileName } from "./safe-file-name";
import { principalParameter, roleAssignmentResource, roleDefinitionVariables, serverMetadata, assignmentNameExpression } from "./template-parts";
import type { ArmTemplate, BuiltTemplate, Json, ServerRoleGrant, TemplateOptions } from "./types";

const PRINCIPAL = "vaultPrincipalId";

/** The role-assignment template for one server and its vault. */
export function buildServerTemplate(grant: ServerRoleGrant, options: TemplateOptions): BuiltTemplate {
  const normalized = normalizeGrant(grant);
  const { template, roleAssignmentCount } = serverTemplate(normalized, options);
  return {
    fileName: safeFileName(`flexguard-roles-${normalized.server.name}.json`),
    json: serializeTemplate(template),
    template,
    roleAssignmentCount,
  };
}

/** The template for an already validated grant (the zip pack validates each grant once, then builds from it). */
export function serverTemplate(normalized: NormalizedGrant, options: TemplateOptions): { template: ArmTemplate; roleAssignmentCount: number } {
  const { server, vault } = normalized;
  const backupRoleOnGroup = options.backupRoleScope === "resourceGroup";

  const grants: { role: BackupRole; onServer: boolean; output: string }[] = [];
  if (normalized.needsLtrBackup) grants.push({ role: BACKUP_ROLES.ltrBackup, onServer: !backupRoleOnGroup, output: "ltrBackupRoleAssignmentId" });
  if (normalized.needsReader) grants.push({ role: BACKUP_ROLES.reader, onServer: false, output: "readerRoleAssignmentId" });

  const variables: { [name: string]: Json } = {};
  if (grants.some((g) => g.onServer)) {
    variables.serverName = armLiteral(server.name);
    variables.serverId = `[resourceId(${quoted(FLEXIBLE_SERVER_TYPE)}, variables('serverName'))]`;
  }
  Object.assign(variables, roleDefinitionVariables(grants.map((g) => g.role)));

  const resources: { [key: string]: Json }[] = [];
  const outputs: ArmTemplate["outputs"] = {};
  for (const { role, onServer, output } of grants) {
    const scopeIdExpression = onServer ? "variables('serverId')" : "resourceGroup().id";
    const where = onServer ? `server '${server.name}'` : `resource group '${server.resourceGroup}'`;
    resources.push(
      roleAssignmentResource({
        role,
        vault,
        principalParameter: PRINCIPAL,
        scopeIdExpression,
        // A relative name: the server in the resource group deployed to. Absent: the resource group itself.
        scope: onServer ? `[format('${FLEXIBLE_SERVER_TYPE}/{0}', variables('serverName'))]` : undefined,
        comments: `${role.name} for the identity of Backup vault '${vault.name}' on ${where}.`,
      }),
    );
    outputs[output] = {
      type: "string",
      value: `[extensionResourceId(${scopeIdExpression}, 'Microsoft.Authorization/roleAssignments', ${assignmentNameExpression({ scopeIdExpression, principalParameter: PRINCIPAL, role })})]`,
    };
  }

  const template: ArmTemplate = {
    $schema: RESOURCE_GROUP_TEMPLATE_SCHEMA,
    contentVersion: CONTENT_VERSION,
    metadata: {
      _generator: { ...GENERATOR },
      description:
        grants.length === 0
          ? `Nothing to grant: the identity of Backup vault '${vault.name}' already holds the roles it needs to back up PostgreSQL flexible server '${server.name}'.`
          : `Grants the identity of Backup vault '${vault.name}' the roles it lacks to back up PostgreSQL flexible server '${server.name}'. Deploy to resource group '${server.resourceGroup}' of subscription '${server.subscriptionId}'.`,
      flexguard: {
        kind: "server",
        subscriptionId: server.subscriptionId,
        resourceGroup: server.resourceGroup,
        backupRoleScope: options.backupRoleScope,
        server: serverMetadata(normalized),
        vault: { id: vault.armId, principalId: vault.principalId },
      },
    },
    parameters: { [PRINCIPAL]: principalParameter(vault) },
    variables,
    resources,
    outputs,
  };
  return { template, roleAssignmentCount: resources.length };
}
