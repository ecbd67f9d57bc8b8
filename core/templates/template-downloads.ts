// The downloads users get: one server's template, and packs for a selection of servers (a zip of per-server
// templates, one resource-group template, one subscription template). Routes, pages and the CLI call these.
import type { Readable } from "node:stream";
import { authorize, inScope, type Actor } from "../auth/actor";
import { db } from "../db/client";
import { AppError } from "../errors";
import type { Verdict } from "../rules/verdict";
import { buildResourceGroupTemplate } from "./build-resource-group-template";
import { buildServerTemplate } from "./build-server-template";
import { buildSubscriptionTemplate } from "./build-subscription-template";
import { collectRoleGrants, loadRoleGrants, type GrantSelection } from "./load-grants";
import { roleGrantFromVerdict } from "./role-grant-from-verdict";
import type { TemplatePackFormat } from "./schemas";
import { streamZipPack, zipPackFileName } from "./stream-zip-pack";
import type { BackupRoleScope, BuiltTemplate } from "./types";

export interface ServerTemplateDownload extends BuiltTemplate {
  serverName: string;
}

/**
 * The template for one server, granting what its verdict says the target vault's identity lacks (a template that
 * grants nothing when it lacks nothing). NOT_FOUND when the server does not exist or is outside the actor's
 * subscriptions; CONFLICT, with the reason, when there is no vault identity to grant roles to.
 */
export async function serverTemplateDownload(actor: Actor, serverId: string, { backupRoleScope = "server" as BackupRoleScope } = {}): Promise<ServerTemplateDownload> {
  authorize(actor, "templates:download");
  const notFound = new AppError("NOT_FOUND", `Server ${serverId} does not exist or is outside your subscriptions`);
  if (!/^[0-9a-f-]{36}$/i.test(serverId)) throw notFound;
  const server = await db().server.findUnique({ where: { id: serverId } });
  if (!server || !inScope(actor, server.subscriptionId)) throw notFound;
  const row = await db().serverVerdict.findUnique({ where: { serverId }, select: { verdict: true } });
  if (!row) throw new AppError("CONFLICT", `Server '${server.name}' has not been evaluated yet, so Flexguard does not know which roles it needs: run an evaluation first.`);
  const verdict = row.verdict as unknown as Verdict;

  // The vault the verdict targets. A compliant server (nothing to fix) keeps the vault protecting it, whose identity
  // was found to hold its roles; other verdicts without a remediation (not in scope, exempt, pending) say nothing
  // about roles, and a template claiming nothing is missing would be a guess.
  let vaultKey = verdict.remediation?.targetVaultArmId?.toLowerCase() ?? null;
  if (vaultKey === null && verdict.remediation === null && verdict.state === "compliant") {
    const instance = await db().backupInstance.findFirst({ where: { dataSourceArmIdKey: server.armIdKey, deletedAt: null }, orderBy: { name: "asc" }, select: { vaultArmIdKey: true } });
    vaultKey = instance?.vaultArmIdKey ?? null;
  }
  if (vaultKey === null) {
    throw new AppError(
      "CONFLICT",
      verdict.remediation === null && verdict.state !== "compliant"
        ? `Flexguard has not checked the roles of server '${server.name}' (its verdict is ${verdict.state}): ${verdict.reasons[0] ?? "no rule asks for its protection."}`
        : `Server '${server.name}' has no Backup vault to grant roles to (its verdict is ${verdict.state}): ${verdict.reasons[0] ?? "its rule names no vault in its region."}`,
    );
  }
  const vault = await db().vault.findFirst({ where: { armIdKey: vaultKey, deletedAt: null }, select: { armId: true, name: true, principalId: true } });
  if (!vault) throw new AppError("CONFLICT", `The Backup vault ${vaultKey} for server '${server.name}' is not in the inventory: scan again.`);

  const grant = roleGrantFromVerdict({ server, vault, verdict });
  return { ...buildServerTemplate(grant, { backupRoleScope }), serverName: server.name };
}

export interface TemplatePackRequest {
  selection: GrantSelection;
  format: TemplatePackFormat;
  backupRoleScope: BackupRoleScope;
}

export interface TemplatePackDownload {
  fileName: string;
  contentType: string;
  /** The zip as a stream (it starts at once); a single template as its JSON. */
  body: Readable | string;
}

/**
 * A pack for the selected servers that lack roles. The zip streams while the servers are read; the resource-group
 * and subscription templates are one document each (ARM takes them whole), for a selection within one resource
 * group or one subscription (VALIDATION_FAILED otherwise, or when no selected server lacks a role).
 */
export async function templatePackDownload(actor: Actor, { selection, format, backupRoleScope }: TemplatePackRequest): Promise<TemplatePackDownload> {
  authorize(actor, "templates:download");
  if (format === "zip") {
    const folder = packFolder(selection);
    return { fileName: zipPackFileName(folder), contentType: "application/zip", body: streamZipPack(loadRoleGrants(actor, selection), { backupRoleScope, folder }) };
  }
  const within = format === "subscription" ? "subscription" : "resourceGroup";
  const grants = await collectRoleGrants(actor, selection, within);
  if (grants.length === 0) throw new AppError("VALIDATION_FAILED", "No server in this selection lacks a role assignment: there is nothing to put in a template.");
  const built = format === "subscription" ? buildSubscriptionTemplate(grants, { backupRoleScope }) : buildResourceGroupTemplate(grants, { backupRoleScope });
  return { fileName: built.fileName, contentType: "application/json", body: built.json };
}

/** The zip's folder (and file) name says what it holds when the selection names a subscription or resource group. */
function packFolder({ filters }: GrantSelection): string {
  const parts = ["flexguard-roles", filters.subscription?.slice(0, 8), filters.resourceGroup].filter(Boolean);
  return parts.join("-");
}
