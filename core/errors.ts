/** Every error code Flexguard answers with, and its HTTP status. */
export const HTTP_STATUS = {
  /** The request's body or parameters failed validation. */
  VALIDATION_FAILED: 400,
  /** The request body is not JSON. */
  INVALID_JSON: 400,
  /** No signed-in user or token. */
  UNAUTHENTICATED: 401,
  /** Signed in, but the role or subscription scope does not allow it. */
  FORBIDDEN: 403,
  /** The thing named does not exist (or is outside the caller's scope). */
  NOT_FOUND: 404,
  /** The request conflicts with the current state (e.g. a scan already running). */
  CONFLICT: 409,
  /** The request body is larger than MAX_BODY_BYTES. */
  PAYLOAD_TOO_LARGE: 413,
  /** Too many failed sign-ins for this name and address; try again later. */
  TOO_MANY_REQUESTS: 429,
  /** Postgres or Redis cannot be reached. */
  SERVICE_UNAVAILABLE: 503,
  /** Azure kept throttling after the retries the pipeline allows. */
  AZURE_THROTTLED: 503,
  /** Azure (or the emulator) answered with an error; its code and message are kept. */
  AZURE_REQUEST_FAILED: 502,
  /** Azure (or the emulator) could not be reached at all. */
  AZURE_UNREACHABLE: 502,
  /** The credential could not produce a token. */
  AZURE_AUTHENTICATION_FAILED: 502,
} as const;

export type ErrorCode = keyof typeof HTTP_STATUS;

/** One problem with one field of the input, as the route answers zod's issues: the field's dotted path and the reason. */
export interface FieldIssue {
  field: string;
  reason: string;
}

/** An error a user is meant to read: a stable code, a message in plain words, and whether a retry may help. */
export class AppError extends Error {
  override name = "AppError";
  constructor(
    readonly code: ErrorCode,
    message: string,
    // issues: field-level problems found outside zod (e.g. a rule naming a vault the inventory lacks); the route
    // answers them in the same { field, reason } list as schema issues.
    readonly opts: { retryable?: boolean; cause?: unknown; details?: Record<string, unknown>; issues?: readonly FieldIssue[] } = {},
  ) {
    super(message, { cause: opts.cause });
  }
  get httpStatus(): number {
    return HTTP_STATUS[this.code];
  }
  get retryable(): boolean {
    return this.opts.retryable ?? false;
  }
}

/** A 400 listing field-level problems, its message naming each field and reason as the route's zod answer does. */
export function fieldIssuesError(issues: readonly FieldIssue[]): AppError {
  return new AppError("VALIDATION_FAILED", issues.map((i) => `${i.field}: ${i.reason}`).join("; "), { issues });
}
