// The fleet description: the JSON format a fleet is loaded from (a file at start-up or a POST to
// /_emulator/fleet) and the format the generator produces. Documented in docs/emulator.md.
// Everything refers to everything else by ARM id, exactly as a user would paste it from Azure.
import { z } from "zod";

const guid = z.string().regex(/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/, "must be a GUID");
const armId = z.string().startsWith("/", "must be an ARM id starting with '/'");
const tags = z.record(z.string(), z.string());

export const fleetPrincipalSchema = z.object({
  id: guid,
  displayName: z.string(),
  type: z.enum(["User", "Group", "ServicePrincipal"]).default("User"),
});

export const fleetSubscriptionSchema = z.object({
  subscriptionId: guid,
  displayName: z.string(),
  resourceGroups: z.array(z.object({ name: z.string().min(1), location: z.string(), tags: tags.optional() })),
});

export const serverStates = ["Ready", "Disabled", "Dropping", "Inaccessible", "Provisioning", "Restarting", "Starting", "Stopped", "Stopping", "Updating"] as const;

export const fleetServerSchema = z.object({
  id: armId,
  location: z.string(),
  version: z.string().default("16"),
  state: z.enum(serverStates).default("Ready"),
  skuName: z.string().default("Standard_D2ds_v5"),
  skuTier: z.enum(["Burstable", "GeneralPurpose", "MemoryOptimized"]).default("GeneralPurpose"),
  storageSizeGB: z.number().int().positive().default(128),
  storageType: z.enum(["Premium_LRS", "PremiumV2_LRS"]).default("Premium_LRS"),
  tags: tags.default({}),
  /** Fault: configure-protection of this server fails with this user-facing error code. */
  protectionFailureCode: z.string().optional(),
});

export const fleetVaultSchema = z.object({
  id: armId,
  location: z.string(),
  /** The system-assigned identity's principal id; null for a vault without a managed identity. */
  principalId: guid.nullable(),
  storageRedundancy: z.enum(["LocallyRedundant", "GeoRedundant", "ZoneRedundant"]).default("LocallyRedundant"),
  tags: tags.default({}),
});

export const fleetPolicySchema = z.object({
  id: armId,
  /** ISO 8601 duration of the default retention rule, e.g. P3M. */
  retention: z.string().default("P3M"),
  /** repeatingTimeIntervals[0] of the weekly backup rule. */
  schedule: z.string().default("R/2024-01-07T23:00:00+00:00/P1W"),
});

export const protectionStates = [
  "ProtectionConfigured",
  "ConfiguringProtection",
  "ProtectionError",
  "ConfiguringProtectionFailed",
  "ProtectionStopped",
  "BackupSchedulesSuspended",
] as const;

export const fleetBackupInstanceSchema = z.object({
  id: armId,
  serverId: armId,
  policyId: armId,
  protectionState: z.enum(protectionStates).default("ProtectionConfigured"),
  /** For ProtectionError / ConfiguringProtectionFailed: the user-facing error code. */
  errorCode: z.string().optional(),
});

export const fleetRoleAssignmentSchema = z.object({
  /** Full id `{scope}/providers/Microsoft.Authorization/roleAssignments/{guid}`; or give scope (+ name). */
  id: armId.optional(),
  scope: z.string().optional(),
  name: guid.optional(),
  principalId: guid,
  principalType: z.enum(["User", "Group", "ServicePrincipal", "ForeignGroup", "Device"]).default("ServicePrincipal"),
  /** A role definition GUID or full role definition id. */
  roleDefinitionId: z.string(),
  condition: z.string().optional(),
});

export const fleetSchema = z.object({
  tenantId: guid,
  principals: z.array(fleetPrincipalSchema).default([]),
  subscriptions: z.array(fleetSubscriptionSchema).min(1),
  servers: z.array(fleetServerSchema).default([]),
  vaults: z.array(fleetVaultSchema).default([]),
  policies: z.array(fleetPolicySchema).default([]),
  backupInstances: z.array(fleetBackupInstanceSchema).default([]),
  roleAssignments: z.array(fleetRoleAssignmentSchema).default([]),
});

export type FleetDescription = z.infer<typeof fleetSchema>;
export type FleetDescriptionInput = z.input<typeof fleetSchema>;
export type FleetServer = z.infer<typeof fleetServerSchema>;
export type FleetVault = z.infer<typeof fleetVaultSchema>;
export type FleetPolicy = z.infer<typeof fleetPolicySchema>;
export type FleetBackupInstance = z.infer<typeof fleetBackupInstanceSchema>;
export type FleetRoleAssignment = z.infer<typeof fleetRoleAssignmentSchema>;
