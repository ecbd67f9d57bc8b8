// One template for all servers of one resource group: per vault, Reader on the group once, and the backup role
// either on each server (one copy loop over the server names) or once on the group. Deployed at that resource
// group; also the inner template of each nested deployment in a subscription pack.
import { AppError } from "@/core/errors";
import { ARM_LIMITS, BACKUP_ROLES, CONTENT_VERSION, FLEXIBLE_SERVER_TYPE, GENERATOR, RESOURCE_GROUP_TEMPLATE_SCHEMA, armLiteral, quoted, serializeTemplate, type BackupRole } from "./arm";
import { normalizeGrants, type NormalizedGrant } from "./normalize-grant";
import { safeFileName } from "./safe-file-name";
import {
  assignmentNameExpression,
  backupRoleScopeText,
  principalParameter,
  principalParameterNames,
  roleAssignmentResource,
  roleDefinitionVariables,
  serverMetadata,
} from "./template-parts";
import type { ArmTemplate, BuiltTemplate, Json, ServerRoleGrant, TemplateOptions } from "./types";

/** The template for every server of one resource group (all grants must name servers of the same group). */
export function buildResourceGroupTemplate(grants: readonly ServerRoleGrant[], options: TemplateOptions): BuiltTemplate {
  const normalized = normalizeGrants(grants);
  if (normalized.length === 0) throw new AppError("VALIDATION_FAILED", "A resource-group pack needs at least one server.");
  const groupKey = normalized[0]!.server.resourceGroupKey;
  const stray = normalized.find((g) => g.server.resourceGroupKey !== groupKey);
  if (stray) throw new AppError("VALIDATION_FAILED", `Server ${JSON.stringify(stray.server.armId)} is not in resource group ${JSON.stringify(normalized[0]!.server.resourceGroupId)}.`);

  const names = principalParameterNames(normalized.map((g) => g.vault.key));
  const { template, roleAssignmentCount } = resourceGroupTemplate(normalized, options, names);
  const json = serializeTemplate(template);
  if (Buffer.byteLength(json) > ARM_LIMITS.templateBytes) throw tooLarge(`${Buffer.byteLength(json)} bytes`, `${ARM_LIMITS.templateBytes} bytes`);
  const { subscriptionId, resourceGroup } = normalized[0]!.server;
  return { fileName: safeFileName(`flexguard-roles-${subscriptionId.slice(0, 8)}-${resourceGroup}.json`), json, template, roleAssignmentCount };
}

function tooLarge(what: string, limit: string): AppError {
  return new AppError(
    "VALIDATION_FAILED",
    `This pack would exceed Azure's template limit (${what}, at most ${limit}). Grant the backup role at resource-group scope, or download the zip of per-server templates.`,
  );
}

interface VaultGroup {
  vault: NormalizedGrant["vault"];
  parameter: string;
  /** Suffix that keeps variable and output names apart when the group has several vaults. */
  suffix: string;
  needsReader: boolean;
  /** Servers lacking the backup role, by name, in server-id order. */
  ltrServers: string[];
}

/**
 * The resource-group template for normalised grants of one group. `parameterNames` maps vault keys to the
 * principal parameter names to use (a subscription pack passes its own, so inner and outer names agree).
 */
export function resourceGroupTemplate(
  grants: readonly NormalizedGrant[],
  options: TemplateOptions,
  parameterNames: ReadonlyMap<string, string>,
): { template: ArmTemplate; roleAssignmentCount: number } {
  const first = grants[0]!.server;
  const byVault = new Map<string, VaultGroup>();
  for (const grant of grants) {
    let group = byVault.get(grant.vault.key);
    if (!group) {
      const parameter = parameterNames.get(grant.vault.key)!;
      byVault.set(grant.vault.key, (group = { vault: grant.vault, parameter, suffix: parameter.replace(/^vaultPrincipalId/, ""), needsReader: false, ltrServers: [] }));
    }
    group.needsReader ||= grant.needsReader;
    if (grant.needsLtrBackup) group.ltrServers.push(grant.server.name);
  }
  const vaults = [...byVault.values()].sort((a, b) => (a.vault.key < b.vault.key ? -1 : 1));
  const backupRoleOnGroup = options.backupRoleScope === "resourceGroup";

  const usedRoles: BackupRole[] = [];
  const serverNameVariables: { [name: string]: Json } = {};
  const resources: { [key: string]: Json }[] = [];
  const outputs: ArmTemplate["outputs"] = {};
  let roleAssignmentCount = 0;

  for (const group of vaults) {
    const { vault, parameter, suffix } = group;
    const groupAssignment = (role: BackupRole, output: string) => {
      usedRoles.push(role);
      roleAssignmentCount++;
      resources.push(
        roleAssignmentResource({
          role,
          vault,
          principalParameter: parameter,
          scopeIdExpression: "resourceGroup().id",
          comments: `${role.name} for the identity of Backup vault '${vault.name}' on resource group '${first.resourceGroup}'.`,
        }),
      );
      outputs[`${output}${suffix}`] = {
        type: "string",
        value: `[extensionResourceId(resourceGroup().id, 'Microsoft.Authorization/roleAssignments', ${assignmentNameExpression({ scopeIdExpression: "resourceGroup().id", principalParameter: parameter, role })})]`,
      };
    };

    if (group.needsReader) groupAssignment(BACKUP_ROLES.reader, "readerRoleAssignmentId");
    if (group.ltrServers.length === 0) continue;
    if (backupRoleOnGroup) {
      groupAssignment(BACKUP_ROLES.ltrBackup, "ltrBackupRoleAssignmentId");
      continue;
    }
    // A copy loop over the server names: one resource definition however many servers, and one array output.
    usedRoles.push(BACKUP_ROLES.ltrBackup);
    roleAssignmentCount += group.ltrServers.length;
    const namesVariable = `serverNames${suffix}`;
    serverNameVariables[namesVariable] = group.ltrServers.map(armLiteral);
    const serverName = `variables('${namesVariable}')[copyIndex()]`;
    const scopeIdExpression = `resourceId(${quoted(FLEXIBLE_SERVER_TYPE)}, ${serverName})`;
    const count = `[length(variables('${namesVariable}'))]`;
    resources.push(
      roleAssignmentResource({
        role: BACKUP_ROLES.ltrBackup,
        vault,
        principalParameter: parameter,
        scopeIdExpression,
        scope: `[format('${FLEXIBLE_SERVER_TYPE}/{0}', ${serverName})]`,
        copy: { name: `ltrBackupAssignments${suffix}`, count },
        comments: `${BACKUP_ROLES.ltrBackup.name} for the identity of Backup vault '${vault.name}' on each server in ${namesVariable}.`,
      }),
    );
    outputs[`ltrBackupRoleAssignmentIds${suffix}`] = {
      type: "array",
      copy: {
        count,
        input: `[extensionResourceId(${scopeIdExpression}, 'Microsoft.Authorization/roleAssignments', ${assignmentNameExpression({ scopeIdExpression, principalParameter: parameter, role: BACKUP_ROLES.ltrBackup })})]`,
      },
    };
  }

  if (roleAssignmentCount > ARM_LIMITS.resources) throw tooLarge(`${roleAssignmentCount} role assignments in resource group '${first.resourceGroup}'`, `${ARM_LIMITS.resources}`);
  if (Object.keys(outputs).length > ARM_LIMITS.outputs) throw tooLarge(`${Object.keys(outputs).length} outputs`, `${ARM_LIMITS.outputs}`);

  const parameters: ArmTemplate["parameters"] = {};
  for (const group of vaults) parameters[group.parameter] = principalParameter(group.vault);

  const template: ArmTemplate = {
    $schema: RESOURCE_GROUP_TEMPLATE_SCHEMA,
    contentVersion: CONTENT_VERSION,
    metadata: {
      _generator: { ...GENERATOR },
      description:
        roleAssignmentCount === 0
          ? `Nothing to grant: the Backup vault identities already hold the roles they need for the servers of resource group '${first.resourceGroup}'.`
          : `Grants Backup vault identities the roles they lack to back up the PostgreSQL flexible servers of resource group '${first.resourceGroup}' (subscription '${first.subscriptionId}'): Reader on the resource group and the ${backupRoleScopeText(options.backupRoleScope)}`,
      flexguard: {
        kind: "resourceGroup",
        subscriptionId: first.subscriptionId,
        resourceGroup: first.resourceGroup,
        backupRoleScope: options.backupRoleScope,
        servers: grants.map(serverMetadata),
      },
    },
    parameters,
    variables: { ...roleDefinitionVariables(usedRoles), ...serverNameVariables },
    resources,
    outputs,
  };
  return { template, roleAssignmentCount };
}
