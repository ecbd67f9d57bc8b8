// One template for all servers of one subscription: a subscription-scope template with one nested deployment per
// resource group, each carrying that group's resource-group template (inner expression scope, so each is exactly
// what a resource-group pack for the group would be). Deployed with `az deployment sub create --location ...`.
import { AppError } from "@/core/errors";
import { ARM_LIMITS, CONTENT_VERSION, DEPLOYMENTS_API_VERSION, GENERATOR, SUBSCRIPTION_TEMPLATE_SCHEMA, armLiteral, fingerprint, serializeTemplate } from "./arm";
import { resourceGroupTemplate } from "./build-resource-group-template";
import { normalizeGrants, type NormalizedGrant } from "./normalize-grant";
import { safeFileName } from "./safe-file-name";
import { backupRoleScopeText, principalParameter, principalParameterNames } from "./template-parts";
import type { ArmTemplate, BuiltTemplate, Json, ServerRoleGrant, TemplateOptions } from "./types";

/**
 * A nested deployment's name (ARM compares them case-insensitively): Flexguard's prefix, what of the group's name is safe in one
 * (letters, digits, ".", "_", "-"), and a fingerprint of the whole name so two groups never share one. At most 64
 * characters, as ARM allows.
 */
export function resourceGroupDeploymentName(resourceGroup: string): string {
  const readable = safeFileName(resourceGroup, "rg").toLowerCase().slice(0, 30).replace(/[-.]+$/, "");
  return `flexguard-roles-${readable}-${fingerprint(resourceGroup.toLowerCase())}`;
}

/** The subscription-scope template for every server of one subscription (all grants must name servers of it). */
export function buildSubscriptionTemplate(grants: readonly ServerRoleGrant[], options: TemplateOptions): BuiltTemplate {
  const normalized = normalizeGrants(grants);
  if (normalized.length === 0) throw new AppError("VALIDATION_FAILED", "A subscription pack needs at least one server.");
  const subscriptionId = normalized[0]!.server.subscriptionId;
  const stray = normalized.find((g) => g.server.subscriptionId.toLowerCase() !== subscriptionId.toLowerCase());
  if (stray) throw new AppError("VALIDATION_FAILED", `Server ${JSON.stringify(stray.server.armId)} is not in subscription ${JSON.stringify(subscriptionId)}.`);

  const names = principalParameterNames(normalized.map((g) => g.vault.key));
  const byGroup = new Map<string, NormalizedGrant[]>();
  for (const grant of normalized) {
    const list = byGroup.get(grant.server.resourceGroupKey);
    if (list) list.push(grant);
    else byGroup.set(grant.server.resourceGroupKey, [grant]);
  }
  if (byGroup.size > ARM_LIMITS.resources) throw tooLarge(`${byGroup.size} resource groups`, `${ARM_LIMITS.resources}`);

  const resources: { [key: string]: Json }[] = [];
  let roleAssignmentCount = 0;
  const groups: Json[] = [];
  // normalizeGrants sorted by server id, so groups come in resource-group order.
  for (const groupGrants of byGroup.values()) {
    const inner = resourceGroupTemplate(groupGrants, options, names);
    const resourceGroup = groupGrants[0]!.server.resourceGroup;
    const deploymentName = resourceGroupDeploymentName(resourceGroup);
    roleAssignmentCount += inner.roleAssignmentCount;
    groups.push({ resourceGroup, deployment: deploymentName, roleAssignments: inner.roleAssignmentCount });
    const innerParameters: { [key: string]: Json } = {};
    for (const parameter of Object.keys(inner.template.parameters)) innerParameters[parameter] = { value: `[parameters('${parameter}')]` };
    resources.push({
      type: "Microsoft.Resources/deployments",
      apiVersion: DEPLOYMENTS_API_VERSION,
      name: deploymentName,
      resourceGroup: armLiteral(resourceGroup),
      properties: {
        mode: "Incremental",
        // The inner template resolves its own parameters and resourceGroup(): it is the resource-group pack as is.
        expressionEvaluationOptions: { scope: "inner" },
        parameters: innerParameters,
        template: inner.template as unknown as Json,
      },
    });
  }

  const parameters: ArmTemplate["parameters"] = {};
  for (const [vaultKey, parameter] of [...names].sort((a, b) => (a[1] < b[1] ? -1 : 1))) {
    parameters[parameter] = principalParameter(normalized.find((g) => g.vault.key === vaultKey)!.vault);
  }

  const template: ArmTemplate = {
    $schema: SUBSCRIPTION_TEMPLATE_SCHEMA,
    contentVersion: CONTENT_VERSION,
    metadata: {
      _generator: { ...GENERATOR },
      description: `Grants Backup vault identities the roles they lack to back up the PostgreSQL flexible servers of subscription '${subscriptionId}', one nested deployment per resource group: Reader on each resource group and the ${backupRoleScopeText(options.backupRoleScope)} Deploy with: az deployment sub create --subscription ${subscriptionId} --location <region> --template-file <this file>.`,
      flexguard: {
        kind: "subscription",
        subscriptionId,
        backupRoleScope: options.backupRoleScope,
        roleAssignments: roleAssignmentCount,
        resourceGroups: groups,
      },
    },
    parameters,
    variables: {},
    resources,
    // Each nested deployment has the role-assignment ids among its own outputs; repeating them here would run
    // into ARM's 64-output limit for a subscription with many resource groups.
    outputs: {},
  };
  const json = serializeTemplate(template);
  if (Buffer.byteLength(json) > ARM_LIMITS.templateBytes) throw tooLarge(`${Buffer.byteLength(json)} bytes`, `${ARM_LIMITS.templateBytes} bytes`);
  return { fileName: safeFileName(`flexguard-roles-subscription-${subscriptionId}.json`), json, template, roleAssignmentCount };
}

function tooLarge(what: string, limit: string): AppError {
  return new AppError(
    "VALIDATION_FAILED",
    `This subscription pack would exceed Azure's template limit (${what}, at most ${limit}). Grant the backup role at resource-group scope, download one pack per resource group, or the zip of per-server templates.`,
  );
}
