// PUT/GET .../resourceGroups/{rg}/providers/Microsoft.Resources/deployments/{name}: resource-group
// deployments of templates that create role assignments (what an admin deploys from a downloaded
// template). The template is validated when it is submitted (400 InvalidTemplate); its role
// assignments are created when the long-running deployment runs, each with the deploying
// principal's own permissions, so a deployment by someone who may not assign roles there fails
// with AuthorizationFailed in its error details, as in Azure.
import { createHash } from "node:crypto";
import { z } from "zod";
import { ArmError, armErrors } from "../errors.ts";
import { idKey } from "../ids.ts";
import type { DeploymentEntity } from "../store/entities.ts";
import { TemplateError } from "../template/expressions.ts";
import { type PlannedRoleAssignment, planDeployment } from "../template/deploy.ts";
import { createRoleAssignment } from "./authorization.ts";
import { type Reply, type RequestContext, type Route, path } from "./types.ts";

export const DEPLOYMENT_API_VERSIONS = ["2025-04-01", "2024-11-01", "2024-07-01", "2024-03-01", "2023-07-01", "2022-09-01", "2021-04-01", "2020-10-01", "2020-06-01", "2019-10-01"] as const;

const DEPLOYMENT = "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.Resources/deployments/{deploymentName}";

const bodySchema = z.object({
  location: z.string().optional(),
  tags: z.record(z.string(), z.string()).optional(),
  properties: z.looseObject({
    mode: z.enum(["Incremental", "Complete"], { error: "properties.mode must be 'Incremental' or 'Complete'" }),
    template: z.unknown().optional(),
    templateLink: z.unknown().optional(),
    parameters: z.record(z.string(), z.unknown()).optional(),
    parametersLink: z.unknown().optional(),
  }),
});

function deploymentBody(deployment: DeploymentEntity, nowMs: number): Record<string, unknown> {
  const done = nowMs >= deployment.endMs;
  const provisioningState = done ? deployment.outcome.status : "Running";
  const properties: Record<string, unknown> = {
    templateHash: deployment.templateHash,
    parameters: Object.fromEntries(Object.entries(deployment.parameters).map(([k, v]) => [k, { type: typeOf(v), value: v }])),
    mode: "Incremental",
    provisioningState,
    timestamp: new Date(done ? deployment.endMs : deployment.startMs).toISOString(),
    duration: `PT${(((done ? deployment.endMs : nowMs) - deployment.startMs) / 1000).toFixed(3)}S`,
    correlationId: deployment.correlationId,
    providers: [{ namespace: "Microsoft.Authorization", resourceTypes: [{ resourceType: "roleAssignments", locations: [null] }] }],
    dependencies: [],
  };
  if (done) {
    properties.outputResources = deployment.outputResources;
    if (deployment.outcome.error) properties.error = deployment.outcome.error;
  }
  return { id: deployment.id, name: deployment.name, type: "Microsoft.Resources/deployments", properties };
}

function typeOf(value: unknown): string {
  if (typeof value === "string") return "String";
  if (typeof value === "number") return "Int";
  if (typeof value === "boolean") return "Bool";
  if (Array.isArray(value)) return "Array";
  return "Object";
}

function putDeployment(context: RequestContext): Reply {
  const { subscriptionId, resourceGroupName, deploymentName } = context.params;
  const { store, clock } = context.state;
  const callerId = context.caller.principalId;
  const rgId = `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroupName}`;
  const id = `${rgId}/providers/Microsoft.Resources/deployments/${deploymentName}`;
  if (!store.can(callerId, "write", rgId)) throw armErrors.authorizationFailed(callerId, "Microsoft.Resources/deployments/write", id);
  if (!store.subscriptions.has(subscriptionId!.toLowerCase())) throw armErrors.subscriptionNotFound(subscriptionId!);
  const group = store.resourceGroups.get(idKey(rgId));
  if (!group) throw armErrors.resourceGroupNotFound(resourceGroupName!);
  const parsed = bodySchema.safeParse(context.body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw armErrors.invalidRequestContent(`The request content is invalid: '${issue.path.join(".")}': ${issue.message}`);
  }
  const properties = parsed.data.properties;
  if (properties.templateLink !== undefined || properties.parametersLink !== undefined) {
    throw new ArmError(400, "InvalidTemplate", "The emulator cannot download linked templates; send the template inline in properties.template.");
  }
  const existing = store.deployments.get(idKey(id));
  if (existing && clock.now() < existing.endMs) {
    throw new ArmError(409, "DeploymentActive", `The deployment '${deploymentName}' cannot be saved, because this would overwrite an existing deployment which is still active.`);
  }
  let planned: PlannedRoleAssignment[];
  try {
    planned = planDeployment(properties.template, properties.parameters, {
      subscriptionId: store.subscriptions.get(subscriptionId!.toLowerCase())!.subscriptionId,
      tenantId: store.tenantId,
      subscriptionDisplayName: store.subscriptions.get(subscriptionId!.toLowerCase())!.displayName,
      resourceGroup: { name: group.name, location: group.location, tags: group.tags },
      deploymentName: deploymentName!,
    });
  } catch (error) {
    if (error instanceof TemplateError) throw new ArmError(400, "InvalidTemplate", `Deployment template validation failed: '${error.message}'`);
    throw error;
  }
  const now = clock.now();
  const operationId = store.newGuid("deployment-operation").replace(/-/g, "").toUpperCase();
  const parameters = Object.fromEntries(Object.entries(properties.parameters ?? {}).map(([k, v]) => [k, (v as { value?: unknown }).value]));
  const deployment: DeploymentEntity = {
    id,
    key: idKey(id),
    name: deploymentName!,
    subscriptionId: subscriptionId!,
    resourceGroup: group.name,
    startMs: now,
    endMs: now + store.timings.deploymentMs,
    template: properties.template,
    parameters,
    outcome: { status: "Succeeded" },
    outputResources: [],
    correlationId: String(context.headers["x-ms-correlation-request-id"] ?? store.newGuid("correlation")),
    templateHash: BigInt("0x" + createHash("sha256").update(JSON.stringify(properties.template)).digest("hex").slice(0, 15)).toString(),
    operationId,
  };
  store.deployments.set(deployment.key, deployment);
  store.schedule(deployment.endMs, () => {
    // Each role assignment is created with the deploying principal's own rights.
    const failures: { code: string; message: string }[] = [];
    for (const assignment of planned) {
      try {
        const { assignment: created } = createRoleAssignment(store, callerId, context.caller.name, assignment);
        deployment.outputResources.push({ id: created.id });
      } catch (error) {
        if (error instanceof ArmError) failures.push({ code: error.code, message: error.message });
        else failures.push({ code: "InternalServerError", message: String(error) });
      }
    }
    if (failures.length) {
      deployment.outcome = {
        status: "Failed",
        error: {
          code: "DeploymentFailed",
          message: "At least one resource deployment operation failed. Please list deployment operations for details. Please see https://aka.ms/arm-deployment-operations for usage details.",
          details: failures,
        },
      };
    }
  });
  // Names are decoded here; a URL built from them must encode them again, as ARM does (non-ASCII or spaces in a
  // resource group name would otherwise make a header clients cannot follow).
  const segment = encodeURIComponent;
  const statusUrl = `${context.baseUrl}/subscriptions/${segment(subscriptionId!)}/resourceGroups/${segment(resourceGroupName!)}/providers/Microsoft.Resources/deployments/${segment(deploymentName!)}/operationStatuses/${segment(operationId)}?api-version=${context.apiVersion}`;
  return {
    status: existing ? 200 : 201,
    body: deploymentBody(deployment, now),
    headers: { "azure-asyncoperation": statusUrl, "retry-after": String(clock.realSecondsUntil(deployment.endMs)) },
  };
}

function loadDeployment(context: RequestContext): DeploymentEntity {
  const { subscriptionId, resourceGroupName, deploymentName } = context.params;
  const { store } = context.state;
  const rgId = `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroupName}`;
  if (!store.can(context.caller.principalId, "read", rgId)) {
    throw armErrors.authorizationFailed(context.caller.principalId, "Microsoft.Resources/deployments/read", `${rgId}/providers/Microsoft.Resources/deployments/${deploymentName}`);
  }
  if (!store.resourceGroups.has(idKey(rgId))) throw armErrors.resourceGroupNotFound(resourceGroupName!);
  const deployment = store.deployments.get(idKey(`${rgId}/providers/Microsoft.Resources/deployments/${deploymentName}`));
  if (!deployment) throw new ArmError(404, "DeploymentNotFound", `Deployment '${deploymentName}' could not be found.`);
  return deployment;
}

function getDeployment(context: RequestContext): Reply {
  return { status: 200, body: deploymentBody(loadDeployment(context), context.state.clock.now()) };
}

function getOperationStatus(context: RequestContext): Reply {
  const deployment = loadDeployment(context);
  const now = context.state.clock.now();
  if (deployment.operationId !== context.params.operationId) throw new ArmError(404, "NotFound", `The operation '${context.params.operationId}' was not found.`);
  const done = now >= deployment.endMs;
  const body: Record<string, unknown> = { status: done ? deployment.outcome.status : "Running" };
  if (done && deployment.outcome.error) body.error = deployment.outcome.error;
  return { status: 200, body };
}

const route = (method: Route["method"], template: string, name: string, throttle: Route["throttle"], handle: Route["handle"]): Route => ({
  method,
  pattern: path(template),
  name,
  apiVersions: DEPLOYMENT_API_VERSIONS,
  resourceType: "deployments",
  throttle,
  handle,
});

export const deploymentRoutes: Route[] = [
  route("PUT", DEPLOYMENT, "Deployments_CreateOrUpdate", "writes", putDeployment),
  route("GET", DEPLOYMENT, "Deployments_Get", "reads", getDeployment),
  route("GET", `${DEPLOYMENT}/operationStatuses/{operationId}`, "Deployments_OperationStatus", "reads", getOperationStatus),
];
