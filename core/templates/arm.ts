// What every role-assignment template shares: the ARM constants and limits, the two backup roles, and
// the rules for putting Flexguard's (or anyone's) strings into a template safely.
import { createHash } from "node:crypto";
import { ROLE } from "@/core/inventory/types";
import { FLEXGUARD_VERSION } from "@/core/version";
import type { ArmTemplate, Json } from "./types";

export const RESOURCE_GROUP_TEMPLATE_SCHEMA = "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#";
export const SUBSCRIPTION_TEMPLATE_SCHEMA = "https://schema.management.azure.com/schemas/2018-05-01/subscriptionDeploymentTemplate.json#";
export const CONTENT_VERSION = "1.0.0.0";
export const ROLE_ASSIGNMENTS_API_VERSION = "2022-04-01";
export const DEPLOYMENTS_API_VERSION = "2022-09-01";
export const FLEXIBLE_SERVER_TYPE = "Microsoft.DBforPostgreSQL/flexibleServers";

/** Azure Resource Manager's template limits (learn.microsoft.com: "Template limits"). */
export const ARM_LIMITS = {
  /** Resources in one template, copy loops counted by their count (nested deployments count as one each). */
  resources: 800,
  outputs: 64,
  parameters: 256,
  /** The template as submitted, in bytes. */
  templateBytes: 4 * 1024 * 1024,
  /** Role assignments per subscription (Azure RBAC limits). */
  roleAssignmentsPerSubscription: 4000,
} as const;

/** Generator metadata, in the place Bicep puts its own (`metadata._generator`). */
export const GENERATOR = { name: "Flexguard", version: FLEXGUARD_VERSION } as const;

export interface BackupRole {
  guid: string;
  name: string;
  /** The template variable holding its full role definition id. */
  variable: string;
}

/** The roles a Backup vault's identity needs for PostgreSQL flexible server vaulted backup (CONTRACT.md §2). */
export const BACKUP_ROLES = {
  ltrBackup: { guid: ROLE.pgFlexLtrBackup, name: "PostgreSQL Flexible Server Long Term Retention Backup Role", variable: "ltrBackupRoleDefinitionId" },
  reader: { guid: ROLE.reader, name: "Reader", variable: "readerRoleDefinitionId" },
} as const satisfies Record<string, BackupRole>;

/** The variable defining a role's full id at the deployment's subscription, so principals compare by the usual id. */
export const roleDefinitionVariable = (role: BackupRole): Json =>
  `[subscriptionResourceId('Microsoft.Authorization/roleDefinitions', ${quoted(role.guid)})]`;

/**
 * A string as an ARM expression string literal: single quotes, a quote inside doubled. Nothing else is special
 * inside one, so any name (brackets, double quotes, unicode) survives.
 */
export function quoted(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/**
 * A literal string for a place ARM evaluates (variables, properties, default values): a string that starts with
 * "[" and ends with "]" is an expression there, so it gets ARM's escape, a second "[" that ARM removes.
 */
export function armLiteral(value: string): string {
  return value.startsWith("[") && value.endsWith("]") ? `[${value}` : value;
}

/** The template as downloaded: two-space JSON in the builders' fixed key order and a final newline. */
export function serializeTemplate(template: ArmTemplate): string {
  return `${JSON.stringify(template, null, 2)}\n`;
}

/** A short, stable fingerprint of a string, for names that must be unique but cannot hold the string itself. */
export function fingerprint(value: string, length = 8): string {
  return createHash("sha256").update(value, "utf8").digest("hex").slice(0, length);
}

/** The last segment of an ARM id (a resource's name). */
export const lastSegment = (armId: string): string => armId.replace(/\/+$/, "").split("/").pop() ?? "";
