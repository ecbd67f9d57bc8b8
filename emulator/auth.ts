// Bearer authentication. Tokens are unsigned JWTs ({"alg":"none"}) whose payload names the caller:
// `oid` (principal object id), `tid` (tenant), optional `name`. The emulator trusts the payload
// because it has no directory; what it checks is what ARM checks first: a well-formed bearer token.
import { ArmError, armErrors } from "./errors.ts";

export interface Caller {
  principalId: string;
  tenantId: string;
  name?: string;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function authenticate(authorization: string | undefined): Caller {
  if (!authorization) throw armErrors.missingToken();
  const match = /^Bearer\s+(\S+)$/i.exec(authorization.trim());
  if (!match) throw armErrors.invalidToken("The authentication scheme must be 'Bearer'.");
  const parts = match[1]!.split(".");
  if (parts.length < 2) throw armErrors.invalidToken("The token is not a JSON Web Token.");
  let payload: unknown;
  try {
    payload = JSON.parse(Buffer.from(parts[1]!, "base64url").toString("utf8"));
  } catch {
    throw armErrors.invalidToken("The token payload is not valid base64url-encoded JSON.");
  }
  if (typeof payload !== "object" || payload === null) throw armErrors.invalidToken("The token payload is not a JSON object.");
  const claims = payload as Record<string, unknown>;
  const oid = claims.oid;
  const tid = claims.tid;
  if (typeof oid !== "string" || !GUID.test(oid)) throw armErrors.invalidToken("The token has no 'oid' claim holding a GUID.");
  if (typeof tid !== "string" || !GUID.test(tid)) throw armErrors.invalidToken("The token has no 'tid' claim holding a GUID.");
  if (typeof claims.exp === "number" && claims.exp * 1000 < Date.now()) {
    throw new ArmError(401, "ExpiredAuthenticationToken", "The access token expiry UTC time is earlier than current UTC time.");
  }
  return { principalId: oid.toLowerCase(), tenantId: tid.toLowerCase(), name: typeof claims.name === "string" ? claims.name : undefined };
}

/** Builds the unsigned token a client of the emulator sends; exported for tests and tools. */
export function makeEmulatorToken(claims: { oid: string; tid: string; name?: string }): string {
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
  return `${encode({ alg: "none", typ: "JWT" })}.${encode(claims)}.`;
}
