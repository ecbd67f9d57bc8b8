import type { AccessToken, TokenCredential } from "@azure/core-auth";
import {
  AzureCliCredential,
  DefaultAzureCredential,
  EnvironmentCredential,
  ManagedIdentityCredential,
  WorkloadIdentityCredential,
} from "@azure/identity";
import { env, type Env } from "../config/env";

/** The tenant the emulator's tokens claim; the emulator accepts any. */
export const EMULATOR_TENANT_ID = "00000000-0000-4000-8000-0000000000e1";

/** The ARM scope every client asks tokens for, in both modes (a custom endpoint would otherwise change it). */
export const ARM_SCOPE = "https://management.azure.com/.default";

const base64url = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");

/**
 * A credential for the emulator: an unsigned JWT naming the principal (its `oid`), the same claim Azure
 * tokens carry, so that the emulator can apply that principal's permissions.
 */
export function emulatorCredential(principalId: string, name = "flexguard"): TokenCredential {
  return {
    async getToken(): Promise<AccessToken> {
      const now = Math.floor(Date.now() / 1000);
      const payload = { oid: principalId, tid: EMULATOR_TENANT_ID, name, iat: now, exp: now + 3600 };
      return {
        token: `${base64url({ alg: "none", typ: "JWT" })}.${base64url(payload)}.`,
        expiresOnTimestamp: (now + 3600) * 1000,
      };
    },
  };
}

/** The credential of the configured mode: the emulator's principal, or an @azure/identity credential. */
export function azureCredential(config: Env = env()): TokenCredential {
  if (config.AZURE_MODE === "emulator") return emulatorCredential(config.EMULATOR_PRINCIPAL_ID);
  switch (config.AZURE_CREDENTIAL) {
    case "environment":
      return new EnvironmentCredential();
    case "workload-identity":
      return new WorkloadIdentityCredential();
    case "managed-identity":
      return process.env.AZURE_CLIENT_ID
        ? new ManagedIdentityCredential({ clientId: process.env.AZURE_CLIENT_ID })
        : new ManagedIdentityCredential();
    case "cli":
      return new AzureCliCredential();
    case "default":
      return new DefaultAzureCredential();
  }
}
