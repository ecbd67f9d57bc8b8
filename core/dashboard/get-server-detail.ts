import { authorize, inScope, type Actor } from "../auth/actor";
import { db } from "../db/client";
import { AppError } from "../errors";
import { ROLE, type InventoryServer } from "../inventory/types";
import type { Verdict } from "../rules/verdict";

const ROLE_NAMES: Readonly<Record<string, string>> = {
  [ROLE.pgFlexLtrBackup]: "PostgreSQL Flexible Server Long Term Retention Backup Role",
  [ROLE.reader]: "Reader",
  [ROLE.owner]: "Owner",
  [ROLE.userAccessAdministrator]: "User Access Administrator",
  [ROLE.rbacAdministrator]: "Role Based Access Control Administrator",
};

/** A role's display name, or its GUID when Flexguard does not know it. */
export const roleName = (roleDefinitionGuid: string): string => ROLE_NAMES[roleDefinitionGuid.toLowerCase()] ?? roleDefinitionGuid;

export interface ServerDetail {
  /** The inventory facts, plus when Flexguard first and last saw the server. */
  server: InventoryServer & { firstSeenAt: Date; lastSeenAt: Date; deletedAt: Date | null };
  /** Null when the server has not been evaluated yet. */
  verdict: {
    state: string;
    governingRuleId: string | null;
    governingRuleName: string | null;
    ruleRevision: number | null;
    stateSince: Date;
    evaluatedAt: Date;
    detail: Verdict;
  } | null;
  backupInstances: {
    armId: string;
    name: string;
    vaultArmId: string;
    vaultName: string | null;
    policyArmId: string | null;
    protectionStatus: string | null;
    currentProtectionState: string | null;
    errorCode: string | null;
    errorMessage: string | null;
  }[];
  /** The vaults that matter to this server (those protecting it, and the one its rule names), with their identity's roles over it. */
  vaultIdentities: {
    vaultArmId: string;
    vaultName: string;
    principalId: string | null;
    /** Why this vault is listed. */
    relation: "protects" | "target";
    roleAssignments: { armId: string; roleDefinitionGuid: string; roleName: string; scope: string }[];
  }[];
  timeline: { at: Date; fromState: string | null; toState: string; governingRuleId: string | null; ruleRevision: number | null; reasons: string[] }[];
}

/** One server with its verdict, protection, vault identities' roles and timeline; NOT_FOUND outside the actor's subscriptions. */
export async function getServerDetail(actor: Actor, serverId: string, { timelineLimit = 200 } = {}): Promise<ServerDetail> {
  authorize(actor, "fleet:read");
  const notFound = new AppError("NOT_FOUND", `Server ${serverId} does not exist or is outside your subscriptions`);
  if (!/^[0-9a-f-]{36}$/i.test(serverId)) throw notFound;
  const server = await db().server.findUnique({ where: { id: serverId } });
  // Outside the scope reads exactly like missing, so that ids cannot be probed.
  if (!server || !inScope(actor, server.subscriptionId)) throw notFound;

  const [verdict, instances, timeline] = await Promise.all([
    db().serverVerdict.findUnique({ where: { serverId } }),
    db().backupInstance.findMany({ where: { dataSourceArmIdKey: server.armIdKey, deletedAt: null }, orderBy: { name: "asc" } }),
    db().verdictChange.findMany({ where: { serverId }, orderBy: [{ at: "desc" }, { id: "desc" }], take: timelineLimit }),
  ]);
  const detail = verdict ? (verdict.verdict as unknown as Verdict) : null;
  const targetVaultKey = detail?.remediation?.targetVaultArmId?.toLowerCase() ?? null;
  const vaultKeys = [...new Set([...instances.map((i) => i.vaultArmIdKey), ...(targetVaultKey ? [targetVaultKey] : [])])];
  const [rule, vaults] = await Promise.all([
    verdict?.governingRuleId ? db().protectionRule.findUnique({ where: { id: verdict.governingRuleId }, select: { name: true } }) : null,
    vaultKeys.length ? db().vault.findMany({ where: { armIdKey: { in: vaultKeys } } }) : [],
  ]);

  // The scopes above the server an assignment can be made at: the server, its resource group, its subscription, the root.
  const serverKey = server.armIdKey;
  const resourceGroupKey = serverKey.split("/providers/")[0]!;
  const subscriptionKey = `/subscriptions/${server.subscriptionId.toLowerCase()}`;
  const principals = vaults.map((v) => v.principalId).filter((p): p is string => !!p);
  const assignments = principals.length
    ? await db().roleAssignment.findMany({
        where: { principalId: { in: principals, mode: "insensitive" }, scopeKey: { in: [serverKey, resourceGroupKey, subscriptionKey, "/"] }, deletedAt: null },
        orderBy: { scopeKey: "asc" },
      })
    : [];
  const vaultNames = new Map(vaults.map((v) => [v.armIdKey, v.name]));

  return {
    server: {
      id: server.id,
      armId: server.armId,
      name: server.name,
      subscriptionId: server.subscriptionId,
      resourceGroup: server.resourceGroup,
      location: server.location,
      version: server.version,
      skuName: server.skuName,
      skuTier: server.skuTier,
      state: server.state,
      tags: (server.tags ?? {}) as Record<string, string>,
      firstSeenAt: server.firstSeenAt,
      lastSeenAt: server.lastSeenAt,
      deletedAt: server.deletedAt,
    },
    verdict:
      verdict && detail
        ? {
            state: verdict.state,
            governingRuleId: verdict.governingRuleId,
            governingRuleName: rule?.name ?? detail.governingRule?.name ?? null,
            ruleRevision: verdict.ruleRevision,
            stateSince: verdict.stateSince,
            evaluatedAt: verdict.evaluatedAt,
            detail,
          }
        : null,
    backupInstances: instances.map((i) => ({
      armId: i.armId,
      name: i.name,
      vaultArmId: i.vaultArmIdKey,
      vaultName: vaultNames.get(i.vaultArmIdKey) ?? null,
      policyArmId: i.policyArmIdKey,
      protectionStatus: i.protectionStatus,
      currentProtectionState: i.currentProtectionState,
      errorCode: i.errorCode,
      errorMessage: i.errorMessage,
    })),
    vaultIdentities: vaults.map((v) => ({
      vaultArmId: v.armId,
      vaultName: v.name,
      principalId: v.principalId,
      relation: instances.some((i) => i.vaultArmIdKey === v.armIdKey) ? ("protects" as const) : ("target" as const),
      roleAssignments: assignments
        .filter((a) => v.principalId && a.principalId.toLowerCase() === v.principalId.toLowerCase())
        .map((a) => ({ armId: a.armId, roleDefinitionGuid: a.roleDefinitionGuid, roleName: roleName(a.roleDefinitionGuid), scope: a.scope })),
    })),
    timeline: timeline.map((c) => ({
      at: c.at,
      fromState: c.fromState,
      toState: c.toState,
      governingRuleId: c.governingRuleId,
      ruleRevision: c.ruleRevision,
      reasons: (Array.isArray(c.reasons) ? c.reasons : []) as string[],
    })),
  };
}
