import { readFileSync } from "node:fs";
import type { CommonClientOptions } from "@azure/core-client";
import { env, type Env } from "../config/env";
import { AppError } from "../errors";
import { ARM_SCOPE } from "./credential";
import { FLEXGUARD_VERSION } from "../version";
import { azureCallRecorderPolicy, resourceGraphQuotaPolicy, ResourceGraphQuota } from "./policies";
import { armBudgetPolicy, ArmBudgets } from "./arm-budget";

/** One quota tracker per process: Resource Graph's quota belongs to the principal, whichever client asks. */
export const resourceGraphQuota = new ResourceGraphQuota();
/** One set of ARM budgets per process, per subscription and kind: the buckets belong to the principal. */
export const armBudgets = new ArmBudgets();

export interface ArmClientOptions extends CommonClientOptions {
  endpoint: string;
  credentialScopes: string[];
}

/**
 * The options every Azure client is built with: the one endpoint, scope, TLS trust, user agent and retry policy.
 * The SDK's default pipeline already retries 429 and 503 after Retry-After and backs off on other 5xx and network
 * errors; these options only bound it.
 */
export function armClientOptions(config: Env = env()): ArmClientOptions {
  return {
    endpoint: config.AZURE_ENDPOINT,
    credentialScopes: [ARM_SCOPE],
    userAgentOptions: { userAgentPrefix: `flexguard/${FLEXGUARD_VERSION}` },
    retryOptions: { maxRetries: 4, retryDelayInMs: 500, maxRetryDelayInMs: 30_000 },
    additionalPolicies: [
      // perRetry: every attempt spends quota and is a call worth recording.
      { policy: resourceGraphQuotaPolicy(resourceGraphQuota), position: "perRetry" },
      { policy: armBudgetPolicy(armBudgets), position: "perRetry" },
      { policy: azureCallRecorderPolicy(), position: "perRetry" },
    ],
    ...(config.AZURE_MODE === "emulator" ? { tlsOptions: { ca: emulatorCertificate(config) } } : {}),
  };
}

function emulatorCertificate(config: Env): string {
  try {
    return readFileSync(config.EMULATOR_CERT_FILE, "utf8");
  } catch (cause) {
    throw new AppError(
      "AZURE_UNREACHABLE",
      `The emulator's certificate ${config.EMULATOR_CERT_FILE} cannot be read: start the emulator first (npm start, or npm run emulator), or set AZURE_MODE=azure to use real Azure.`,
      { cause, retryable: true },
    );
  }
}
