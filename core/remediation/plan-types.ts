// The contract between planning (drafting, freezing, approving a plan) and execution (the worker that
// carries items out). Items are stored in remediation_item.action as these shapes; both sides parse them
// with these schemas, so a plan written by one version is read the same way by the other.
import { z } from "zod";

const armId = z.string().min(1).max(1024).startsWith("/subscriptions/");
const guid = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, "a lower-case GUID");
const isoDuration = z.string().regex(/^P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+S)?)?$/, "an ISO 8601 duration such as P30D");

/** Execution options, chosen when the plan is drafted; part of the hashed content, so changing them voids an approval. */
export const planOptionsSchema = z.object({
  /** Start an on-demand backup after protection is configured and follow it to its end (the portal's default is to wait for the schedule). */
  firstBackup: z.boolean().default(true),
  /** Items executing at once across the whole run. */
  concurrency: z.number().int().min(1).max(500).default(50),
  /** Items executing at once in one vault. */
  perVaultConcurrency: z.number().int().min(1).max(100).default(10),
  /** Items run first, alone; the rest start only when all of them succeed. 0: no canary. */
  canarySize: z.number().int().min(0).max(500).default(0),
  /** The run pauses when this share of finished items has failed (after at least `failureMinItems` finished). */
  failureThresholdPercent: z.number().min(0).max(100).default(20),
  failureMinItems: z.number().int().min(1).default(5),
  /** Regions (lower-case) where the operator chose to create a Backup vault because none exists. */
  createVaultsIn: z.array(z.string().min(1).max(64)).default([]),
});
export type PlanOptions = z.infer<typeof planOptionsSchema>;

export const serverRefSchema = z.object({
  id: z.string().uuid(),
  armId,
  name: z.string(),
  subscriptionId: guid,
  resourceGroup: z.string(),
  location: z.string(),
});
export type ServerRef = z.infer<typeof serverRefSchema>;

/** A vault that exists, or one that item `fromItem` of the same plan creates (its principal id is known only then). */
export const vaultRefSchema = z.object({
  armId,
  name: z.string(),
  subscriptionId: guid,
  resourceGroup: z.string(),
  location: z.string(),
  principalId: guid.nullable(),
  fromItem: z.number().int().nullable().default(null),
});
export type VaultRef = z.infer<typeof vaultRefSchema>;

export const policyRefSchema = z.object({
  armId,
  name: z.string(),
  /** Set when item `fromItem` of the same plan creates the policy. */
  fromItem: z.number().int().nullable().default(null),
});
export type PolicyRef = z.infer<typeof policyRefSchema>;

/** A role the vault identity needs at a scope (the LTR backup role on the server, Reader on its resource group). */
export const roleToAssignSchema = z.object({
  roleDefinitionGuid: guid,
  roleName: z.string(),
  scope: armId,
  /** Deterministic role assignment name (core/templates/role-assignment-name.ts), so a retry finds its own assignment. */
  assignmentName: guid,
});
export type RoleToAssign = z.infer<typeof roleToAssignSchema>;

export const planActionSchema = z.discriminatedUnion("kind", [
  z.object({
    kind: z.literal("protectServer"),
    server: serverRefSchema,
    vault: vaultRefSchema,
    policy: policyRefSchema,
    /** Roles Flexguard assigns before validating; empty when the identity holds them all. */
    rolesToAssign: z.array(roleToAssignSchema),
    /** Deterministic (same server and vault give the same name), so a retried create can never make a second instance. */
    backupInstanceName: z.string().min(1).max(260),
    firstBackup: z.boolean(),
    ruleId: z.string().uuid().nullable(),
    ruleRevision: z.number().int().nullable(),
  }),
  /** The server is protected in an accepted vault but its identity lacks roles; only roles are assigned. */
  z.object({
    kind: z.literal("assignRoles"),
    server: serverRefSchema,
    vault: vaultRefSchema,
    rolesToAssign: z.array(roleToAssignSchema).min(1),
    ruleId: z.string().uuid().nullable(),
    ruleRevision: z.number().int().nullable(),
  }),
  z.object({
    kind: z.literal("createPolicy"),
    vault: vaultRefSchema,
    policyName: z.string().min(1).max(150),
    /** Repeating interval of the schedule (P1W weekly, P1D daily). */
    backupInterval: isoDuration,
    /** deleteAfter of the default retention rule. */
    retention: isoDuration,
    ruleId: z.string().uuid().nullable(),
  }),
  z.object({
    kind: z.literal("createVault"),
    subscriptionId: guid,
    resourceGroup: z.string().min(1).max(90),
    name: z.string().min(2).max(50),
    location: z.string().min(1),
    storageType: z.enum(["LocallyRedundant", "GeoRedundant", "ZoneRedundant"]),
  }),
  /** Roles are missing at a scope Flexguard's principal cannot write to: an owner must deploy the template. */
  z.object({
    kind: z.literal("needsTemplate"),
    server: serverRefSchema,
    vault: vaultRefSchema,
    reason: z.string(),
  }),
  /** Protected in a vault the rule does not accept, or something else only a person may decide. Never automatic. */
  z.object({
    kind: z.literal("needsDecision"),
    server: serverRefSchema,
    reason: z.string(),
    currentBackupInstanceArmId: armId.nullable(),
    targetVault: vaultRefSchema.nullable(),
  }),
]);
export type PlanAction = z.infer<typeof planActionSchema>;
export type PlanItemKind = PlanAction["kind"];

/** Kinds the worker executes; the others are listed for people and end as NEEDS_ACTION. */
export const EXECUTABLE_KINDS: readonly PlanItemKind[] = ["protectServer", "assignRoles", "createPolicy", "createVault"];

/**
 * What planning recorded about the server (remediation_item.before), which execution re-reads and compares:
 * when the live situation differs in any of these, the item is STALE; when it already matches `after`, NO_CHANGE.
 */
export const serverSituationSchema = z.object({
  verdictState: z.string().nullable(),
  serverState: z.string().nullable(),
  /** The live backup instance protecting the server, if any. */
  backupInstanceArmId: z.string().nullable(),
  backupVaultArmId: z.string().nullable(),
  policyArmId: z.string().nullable(),
  protectionState: z.string().nullable(),
  /** Role definition GUID@scope (lower-case) the vault identity holds of those it needs. */
  rolesHeld: z.array(z.string()),
});
export type ServerSituation = z.infer<typeof serverSituationSchema>;
