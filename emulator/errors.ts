// One error factory for the whole emulator: every failure leaves as Azure Resource Manager's
// envelope {"error":{"code","message",...}} with the status code and headers the real service uses.

export interface ArmErrorBody {
  code: string;
  message: string;
  target?: string;
  details?: ArmErrorBody[];
  additionalInfo?: { type: string; info: unknown }[];
}

export class ArmError extends Error {
  override name = "ArmError";
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly extras: { details?: ArmErrorBody[]; target?: string; headers?: Record<string, string> } = {},
  ) {
    super(message);
  }

  toBody(): { error: ArmErrorBody } {
    const error: ArmErrorBody = { code: this.code, message: this.message };
    if (this.extras.target !== undefined) error.target = this.extras.target;
    if (this.extras.details) error.details = this.extras.details;
    return { error };
  }
}

export const armErrors = {
  missingToken: () =>
    new ArmError(401, "AuthenticationFailed", "Authentication failed. The 'Authorization' header is missing.", {
      headers: { "www-authenticate": wwwAuthenticate("invalid_token", "The access token is missing.") },
    }),
  invalidToken: (why: string) =>
    new ArmError(401, "InvalidAuthenticationToken", `The access token is invalid. ${why}`, {
      headers: { "www-authenticate": wwwAuthenticate("invalid_token", "The access token is invalid.") },
    }),
  authorizationFailed: (principalId: string, action: string, scope: string) =>
    new ArmError(
      403,
      "AuthorizationFailed",
      `The client '${principalId}' with object id '${principalId}' does not have authorization to perform action '${action}' over scope '${scope}' or the scope is invalid. If access was recently granted, please refresh your credentials.`,
    ),
  missingApiVersion: () =>
    new ArmError(400, "MissingApiVersionParameter", "The api-version query parameter (?api-version=) is required for all requests."),
  invalidApiVersion: (given: string, resourceType: string, supported: readonly string[]) =>
    new ArmError(
      400,
      "InvalidApiVersionParameter",
      `The api-version '${given}' is invalid. The supported versions for resource type '${resourceType}' are '${supported.join(",")}'.`,
    ),
  resourceNotFound: (type: string, name: string, resourceGroup?: string) =>
    new ArmError(
      404,
      "ResourceNotFound",
      resourceGroup === undefined
        ? `The Resource '${type}/${name}' was not found.`
        : `The Resource '${type}/${name}' under resource group '${resourceGroup}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`,
    ),
  resourceGroupNotFound: (resourceGroup: string) =>
    new ArmError(404, "ResourceGroupNotFound", `Resource group '${resourceGroup}' could not be found.`),
  subscriptionNotFound: (subscriptionId: string) =>
    new ArmError(404, "SubscriptionNotFound", `The subscription '${subscriptionId}' could not be found.`),
  noRoute: (method: string, path: string) =>
    new ArmError(
      404,
      "NoRegisteredProviderFound",
      `No registered resource provider found for the request '${method} ${path}'. The emulator implements only the operations Flexguard uses.`,
    ),
  badRequest: (message: string, code = "BadRequest") => new ArmError(400, code, message),
  invalidRequestContent: (message: string) => new ArmError(400, "InvalidRequestContent", message),
  throttled: (operationType: string, retryAfterSeconds: number) =>
    new ArmError(
      429,
      "TooManyRequests",
      `The request is being throttled as the limit has been reached for operation type - '${operationType}'. For more information, see - https://aka.ms/msdn-throttling`,
      { headers: { "retry-after": String(retryAfterSeconds) } },
    ),
  transient: (status: 500 | 503) =>
    status === 500
      ? new ArmError(500, "InternalServerError", "Encountered internal server error. Diagnostic information: the emulator injected a transient fault.")
      : new ArmError(503, "ServiceUnavailable", "The service is temporarily unavailable. Please retry the request.", {
          headers: { "retry-after": "1" },
        }),
};

function wwwAuthenticate(error: string, description: string): string {
  return `Bearer authorization_uri="https://login.microsoftonline.com/common", error="${error}", error_description="${description}"`;
}
