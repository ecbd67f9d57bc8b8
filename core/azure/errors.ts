import { isRestError } from "@azure/core-rest-pipeline";
import { AppError } from "../errors";

const NETWORK_CODES = new Set(["ECONNREFUSED", "ENOTFOUND", "ECONNRESET", "ETIMEDOUT", "EAI_AGAIN", "EHOSTUNREACH", "CERT_HAS_EXPIRED", "DEPTH_ZERO_SELF_SIGNED_CERT", "SELF_SIGNED_CERT_IN_CHAIN", "UNABLE_TO_VERIFY_LEAF_SIGNATURE"]);

interface ArmErrorBody {
  error?: { code?: string; message?: string };
}

/**
 * Turns whatever an Azure call threw into an AppError that keeps Azure's code and message
 * ("AuthorizationFailed: The client ..."), marks throttling, 5xx and network failures retryable,
 * and names the endpoint when it could not be reached.
 */
export function toAzureError(err: unknown, endpoint: string): AppError {
  if (err instanceof AppError) return err;
  // isRestError, not instanceof: SDK packages load core-rest-pipeline as CommonJS and we as ESM, two classes.
  if (isRestError(err)) {
    const body = err.details as ArmErrorBody | undefined;
    const code = body?.error?.code ?? (err.code && err.code !== "REQUEST_SEND_ERROR" ? err.code : undefined);
    const message = body?.error?.message ?? err.message;
    if (err.statusCode === undefined || err.code === "REQUEST_SEND_ERROR") return unreachable(err, endpoint);
    if (err.statusCode === 429)
      return new AppError("AZURE_THROTTLED", `${code ?? "TooManyRequests"}: ${message}`, { retryable: true, cause: err, details: { statusCode: 429, azureCode: code } });
    if (err.statusCode === 401)
      return new AppError("AZURE_AUTHENTICATION_FAILED", `Azure refused Flexguard's credentials (${code ?? "401"}: ${message}). Check the credential configured by AZURE_CREDENTIAL and that its token has not expired.`, { cause: err, details: { statusCode: 401, azureCode: code } });
    return new AppError("AZURE_REQUEST_FAILED", `${code ?? `HTTP ${err.statusCode}`}: ${message}`, {
      retryable: err.statusCode >= 500,
      cause: err,
      details: { statusCode: err.statusCode, azureCode: code, requestId: err.response?.headers.get("x-ms-request-id") },
    });
  }
  const errno = (err as { code?: string } | null)?.code;
  if (errno && NETWORK_CODES.has(errno)) return unreachable(err, endpoint);
  const name = (err as { name?: string } | null)?.name ?? "";
  if (name === "CredentialUnavailableError" || name === "AuthenticationError" || name === "AggregateAuthenticationError")
    return new AppError("AZURE_AUTHENTICATION_FAILED", `No Azure credential could be obtained: ${(err as Error).message}`, { cause: err });
  return new AppError("AZURE_REQUEST_FAILED", err instanceof Error ? err.message : String(err), { cause: err, retryable: true });
}

function unreachable(err: unknown, endpoint: string): AppError {
  const reason = err instanceof Error ? err.message : String(err);
  return new AppError("AZURE_UNREACHABLE", `Azure Resource Manager at ${endpoint} cannot be reached (${reason}). Is the emulator running (npm start), or is AZURE_ENDPOINT right?`, { cause: err, retryable: true });
}
