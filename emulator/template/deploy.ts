// Turns a resource-group deployment (template + parameters) into the role assignments it creates:
// parameters checked against their definitions, variables resolved lazily, resource-level copy
// loops expanded, and each assignment's root-level `scope` resolved (relative names are resources
// in the deployment's resource group; absent means the resource group itself).
import { TemplateError, type TemplateScope, evaluateValue, isExpression, evaluateExpression } from "./expressions.ts";

export interface PlannedRoleAssignment {
  scope: string;
  name: string;
  roleDefinitionId: string;
  principalId: string;
  principalType?: string;
  description?: string;
  condition?: string;
  conditionVersion?: string;
}

export interface DeploymentContext {
  subscriptionId: string;
  tenantId: string;
  subscriptionDisplayName: string;
  resourceGroup: { name: string; location: string; tags: Record<string, string> };
  deploymentName: string;
}

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => v !== null && typeof v === "object" && !Array.isArray(v);

function checkType(name: string, type: string, value: unknown): void {
  const t = type.toLowerCase();
  const ok =
    t === "string" || t === "securestring" ? typeof value === "string"
    : t === "int" ? typeof value === "number" && Number.isInteger(value)
    : t === "bool" ? typeof value === "boolean"
    : t === "array" ? Array.isArray(value)
    : t === "object" || t === "secureobject" ? isObject(value)
    : true;
  if (!ok) throw new TemplateError(`Template parameter '${name}' was provided an invalid value: expected a value of type '${type}'.`);
}

export function planDeployment(template: unknown, parameterValues: unknown, context: DeploymentContext): PlannedRoleAssignment[] {
  if (!isObject(template)) throw new TemplateError("The deployment 'template' must be a JSON object.");
  if (!Array.isArray(template.resources)) throw new TemplateError("The template must have a 'resources' array.");
  const definitions = isObject(template.parameters) ? template.parameters : {};
  const supplied = isObject(parameterValues) ? parameterValues : {};

  const unknown = Object.keys(supplied).filter((k) => !Object.keys(definitions).some((d) => d.toLowerCase() === k.toLowerCase()));
  if (unknown.length) {
    throw new TemplateError(`The template parameters '${unknown.join(", ")}' in the parameters file are not valid; they are not present in the original template and can therefore not be provided at deployment time.`);
  }

  const scope: TemplateScope = {
    subscriptionId: context.subscriptionId,
    tenantId: context.tenantId,
    subscriptionDisplayName: context.subscriptionDisplayName,
    resourceGroup: context.resourceGroup,
    deploymentName: context.deploymentName,
    parameters: {},
    variable: () => undefined,
    copyIndexes: new Map(),
  };

  for (const [name, definition] of Object.entries(definitions)) {
    if (!isObject(definition) || typeof definition.type !== "string") throw new TemplateError(`The template parameter '${name}' must have a 'type'.`);
    const entry = Object.entries(supplied).find(([k]) => k.toLowerCase() === name.toLowerCase());
    let value: unknown;
    if (entry) {
      if (!isObject(entry[1]) || !("value" in entry[1])) {
        if (isObject(entry[1]) && "reference" in entry[1]) throw new TemplateError(`The parameter '${name}' uses a Key Vault reference, which the emulator does not resolve.`);
        throw new TemplateError(`The parameter '${name}' must be given as {"value": ...}.`);
      }
      value = entry[1].value;
    } else if ("defaultValue" in definition) {
      value = evaluateValue(definition.defaultValue, scope);
    } else {
      throw new TemplateError(`Deployment template validation failed: 'The value for the template parameter '${name}' at line '1' and column '1' is not provided. Please see https://aka.ms/arm-create-parameter-file for usage details.'.`);
    }
    checkType(name, definition.type, value);
    if (Array.isArray(definition.allowedValues) && !definition.allowedValues.some((a) => JSON.stringify(a) === JSON.stringify(value))) {
      throw new TemplateError(`The provided value for the template parameter '${name}' is not valid. The parameter value is not part of the allowed value(s): '${definition.allowedValues.join(",")}'.`);
    }
    scope.parameters[name] = value;
  }

  const variableDefinitions = isObject(template.variables) ? template.variables : {};
  const resolved = new Map<string, unknown>();
  const resolving = new Set<string>();
  scope.variable = (name: string) => {
    const key = Object.keys(variableDefinitions).find((k) => k.toLowerCase() === name.toLowerCase());
    if (key === undefined) throw new TemplateError(`The template variable '${name}' is not found. Please see https://aka.ms/arm-syntax-variables for usage details.`);
    if (resolved.has(key)) return resolved.get(key);
    if (resolving.has(key)) throw new TemplateError(`The template variable '${key}' refers to itself.`);
    resolving.add(key);
    const value = evaluateValue(variableDefinitions[key], { ...scope, copyIndexes: new Map() });
    resolving.delete(key);
    resolved.set(key, value);
    return value;
  };

  const planned: PlannedRoleAssignment[] = [];
  for (const resource of template.resources) {
    if (!isObject(resource)) throw new TemplateError("Each template resource must be a JSON object.");
    const copy = resource.copy;
    if (copy === undefined) {
      planned.push(planResource(resource, scope));
      continue;
    }
    if (!isObject(copy) || typeof copy.name !== "string") throw new TemplateError("A resource 'copy' needs a 'name' and a 'count'.");
    const countValue = typeof copy.count === "string" && isExpression(copy.count) ? evaluateExpression(copy.count.slice(1, -1), scope) : copy.count;
    if (typeof countValue !== "number" || !Number.isInteger(countValue) || countValue < 0 || countValue > 800) {
      throw new TemplateError(`The copy count of loop '${copy.name}' must be an integer from 0 to 800.`);
    }
    for (let i = 0; i < countValue; i++) {
      const indexes = new Map(scope.copyIndexes);
      indexes.set("", i);
      indexes.set(copy.name.toLowerCase(), i);
      planned.push(planResource(resource, { ...scope, copyIndexes: indexes }));
    }
  }
  return planned;
}

function planResource(resource: Json, scope: TemplateScope): PlannedRoleAssignment {
  const type = evaluateValue(resource.type, scope);
  if (typeof type !== "string" || type.toLowerCase() !== "microsoft.authorization/roleassignments") {
    throw new TemplateError(`The resource type '${String(type)}' is not supported by the emulator's deployments, which create Microsoft.Authorization/roleAssignments only.`);
  }
  const name = evaluateValue(resource.name, scope);
  if (typeof name !== "string") throw new TemplateError("A role assignment resource needs a string 'name'.");
  const properties = evaluateValue(resource.properties, scope);
  if (!isObject(properties)) throw new TemplateError(`The role assignment '${name}' needs 'properties'.`);
  if ("scope" in properties) {
    throw new TemplateError(`The role assignment '${name}' has 'scope' inside 'properties'; 'scope' is a root-level property of extension resources.`);
  }
  const rgId = `/subscriptions/${scope.subscriptionId}/resourceGroups/${scope.resourceGroup.name}`;
  let target = rgId;
  if (resource.scope !== undefined) {
    const value = evaluateValue(resource.scope, scope);
    if (typeof value !== "string" || value === "") throw new TemplateError(`The role assignment '${name}' has an invalid 'scope'.`);
    // A relative scope names a resource of the deployment's resource group: "<namespace>/<type>/<name>".
    target = value.startsWith("/") ? value : `${rgId}/providers/${value}`;
  }
  const text = (key: string) => (typeof properties[key] === "string" ? (properties[key] as string) : undefined);
  const roleDefinitionId = text("roleDefinitionId");
  const principalId = text("principalId");
  if (!roleDefinitionId || !principalId) throw new TemplateError(`The role assignment '${name}' needs properties.roleDefinitionId and properties.principalId.`);
  return {
    scope: target,
    name,
    roleDefinitionId,
    principalId,
    principalType: text("principalType"),
    description: text("description"),
    condition: text("condition"),
    conditionVersion: text("conditionVersion"),
  };
}
