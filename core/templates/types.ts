// The inputs and outputs of the role-assignment template builders: plain data, so that routes, the
// CLI and tests can build them from the inventory, a verdict or by hand.

/** A PostgreSQL flexible server, as Azure names it. */
export interface TemplateServer {
  /** The server's ARM id: /subscriptions/{s}/resourceGroups/{rg}/providers/Microsoft.DBforPostgreSQL/flexibleServers/{name}. */
  armId: string;
  name: string;
  subscriptionId: string;
  resourceGroup: string;
}

/** The Backup vault that is to back the server up, and its system-assigned managed identity. */
export interface TemplateVault {
  /** /subscriptions/{s}/resourceGroups/{rg}/providers/Microsoft.DataProtection/backupVaults/{name}. */
  armId: string;
  /** identity.principalId of the vault (a GUID): the identity the roles are granted to. */
  principalId: string;
}

/** A role the vault's identity lacks, and the ARM id of the scope it is needed at (verdict.ts MissingRole). */
export interface TemplateMissingRole {
  roleDefinitionGuid: string;
  scope: string;
}

/** The rule whose verdict asked for the roles (named in the template's metadata). */
export interface TemplateRule {
  id: string;
  name: string;
  revision: number;
}

/** Everything one server needs granted: the unit every template and pack is built from. */
export interface ServerRoleGrant {
  server: TemplateServer;
  vault: TemplateVault;
  /** Only these roles are granted; an empty list gives a template that grants nothing. */
  missingRoles: readonly TemplateMissingRole[];
  /** null when no rule governs the server (a template asked for by hand). */
  rule: TemplateRule | null;
}

/**
 * Where the long-term-retention backup role is granted:
 * - "server": on each server, as Azure Backup asks (one role assignment per server);
 * - "resourceGroup": once on the server's resource group, which covers every flexible server in it (present
 *   and future) and keeps a subscription with thousands of servers under Azure's limit of 4,000 role
 *   assignments per subscription.
 * Reader is always granted on the resource group.
 */
export type BackupRoleScope = "server" | "resourceGroup";

/** Options every builder takes; the scope choice is explicit, never defaulted, so a pack says what it grants. */
export interface TemplateOptions {
  backupRoleScope: BackupRoleScope;
}

/** A JSON template, ready to download. */
export interface BuiltTemplate {
  /** A file name safe in any Content-Disposition header and file system (see safeFileName). */
  fileName: string;
  /** The template serialised: byte-identical for identical inputs. */
  json: string;
  /** The template as an object (the same content as json). */
  template: ArmTemplate;
  /** How many role assignments deploying the template creates. */
  roleAssignmentCount: number;
}

export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

/** An ARM deployment template (the parts Flexguard writes). */
export interface ArmTemplate {
  $schema: string;
  contentVersion: string;
  metadata: { [key: string]: Json };
  parameters: { [name: string]: { [key: string]: Json } };
  variables?: { [name: string]: Json };
  resources: { [key: string]: Json }[];
  outputs: { [name: string]: { [key: string]: Json } };
}
