// Checks a ServerRoleGrant before any template is built from it: a template grants access, so an input that
// does not say exactly which server, which identity and which roles is refused rather than guessed at.
import { AppError } from "@/core/errors";
import { BACKUP_ROLES, FLEXIBLE_SERVER_TYPE, lastSegment } from "./arm";
import type { ServerRoleGrant, TemplateRule } from "./types";

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const VAULT_ID = /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.DataProtection\/backupVaults\/[^/]+$/i;

export interface NormalizedGrant {
  server: {
    armId: string;
    name: string;
    subscriptionId: string;
    resourceGroup: string;
    /** Lower-cased ARM id: Azure compares ids case-insensitively. */
    key: string;
    resourceGroupId: string;
    resourceGroupKey: string;
  };
  vault: { armId: string; key: string; name: string; principalId: string };
  needsLtrBackup: boolean;
  needsReader: boolean;
  rule: TemplateRule | null;
}

const scopeKey = (scope: string) => scope.replace(/\/+$/, "").toLowerCase();

function invalid(message: string): AppError {
  return new AppError("VALIDATION_FAILED", message);
}

/** Validates one grant and reduces it to what templates need; throws VALIDATION_FAILED naming the problem. */
export function normalizeGrant(grant: ServerRoleGrant): NormalizedGrant {
  const { server, vault } = grant;
  for (const [field, value] of [["name", server.name], ["resourceGroup", server.resourceGroup], ["subscriptionId", server.subscriptionId]] as const) {
    // A "/" would change what the ARM id (and a template's relative scope) points at.
    if (value.length === 0 || value.includes("/")) throw invalid(`Server ${field} ${JSON.stringify(value)} is empty or contains '/'.`);
  }
  const resourceGroupId = `/subscriptions/${server.subscriptionId}/resourceGroups/${server.resourceGroup}`;
  const expectedId = `${resourceGroupId}/providers/${FLEXIBLE_SERVER_TYPE}/${server.name}`;
  if (scopeKey(server.armId) !== expectedId.toLowerCase()) {
    throw invalid(`Server ARM id ${JSON.stringify(server.armId)} does not match its subscription, resource group and name (${JSON.stringify(expectedId)}).`);
  }
  if (!VAULT_ID.test(vault.armId)) throw invalid(`Vault ARM id ${JSON.stringify(vault.armId)} is not a Microsoft.DataProtection/backupVaults id.`);
  if (!GUID.test(vault.principalId)) {
    throw invalid(`Vault ${JSON.stringify(vault.armId)} has no usable managed identity (principal id ${JSON.stringify(vault.principalId)}): enable its system-assigned identity first.`);
  }

  let needsLtrBackup = false;
  let needsReader = false;
  for (const missing of grant.missingRoles) {
    const role = missing.roleDefinitionGuid.toLowerCase();
    const scope = scopeKey(missing.scope);
    if (role === BACKUP_ROLES.ltrBackup.guid && scope === server.armId.replace(/\/+$/, "").toLowerCase()) needsLtrBackup = true;
    else if (role === BACKUP_ROLES.reader.guid && scope === resourceGroupId.toLowerCase()) needsReader = true;
    else {
      // Only the two backup roles at the scopes Azure Backup checks: anything else is not ours to hand out.
      throw invalid(
        `Flexguard's templates grant the ${BACKUP_ROLES.ltrBackup.name} on the server and Reader on its resource group only, not role ${JSON.stringify(missing.roleDefinitionGuid)} at ${JSON.stringify(missing.scope)}.`,
      );
    }
  }

  return {
    server: {
      armId: server.armId,
      name: server.name,
      subscriptionId: server.subscriptionId,
      resourceGroup: server.resourceGroup,
      key: scopeKey(server.armId),
      resourceGroupId,
      resourceGroupKey: resourceGroupId.toLowerCase(),
    },
    vault: { armId: vault.armId, key: vault.armId.toLowerCase(), name: lastSegment(vault.armId), principalId: vault.principalId.toLowerCase() },
    needsLtrBackup,
    needsReader,
    rule: grant.rule === null ? null : { id: grant.rule.id, name: grant.rule.name, revision: grant.rule.revision },
  };
}

/** Normalises grants, sorted by server id so that the order they came in never changes a template, and refuses a server listed twice. */
export function normalizeGrants(grants: readonly ServerRoleGrant[]): NormalizedGrant[] {
  const normalized = grants.map(normalizeGrant).sort((a, b) => compareKeys(a.server.key, b.server.key));
  for (let i = 1; i < normalized.length; i++) {
    if (normalized[i]!.server.key === normalized[i - 1]!.server.key) throw invalid(`Server ${JSON.stringify(normalized[i]!.server.armId)} is listed twice.`);
  }
  const principals = new Map<string, string>();
  for (const grant of normalized) {
    const known = principals.get(grant.vault.key);
    if (known !== undefined && known !== grant.vault.principalId) throw invalid(`Vault ${JSON.stringify(grant.vault.armId)} is given two different principal ids.`);
    principals.set(grant.vault.key, grant.vault.principalId);
  }
  return normalized;
}

/** Code-unit order: the same on every machine and locale (localeCompare is not). */
export const compareKeys = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
