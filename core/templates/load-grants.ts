// Which servers a template pack covers and what each needs granted, read from the verdicts: the servers matching
// the servers list's filters (or chosen by id) in the actor's subscriptions whose verdict asks for a role
// assignment, a batch at a time in server-id order, so a pack for 100,000 servers never holds them all.
import { authorize, type Actor } from "../auth/actor";
import { db, Prisma } from "../db/client";
import { serverFromWhere, type ServerFilters } from "../dashboard/server-query";
import { AppError } from "../errors";
import type { Verdict } from "../rules/verdict";
import { roleGrantFromVerdict } from "./role-grant-from-verdict";
import type { ServerRoleGrant } from "./types";

export interface GrantSelection {
  filters: ServerFilters;
  /** Only these servers (our row ids), within the filters; undefined: every server the filters match. */
  ids?: readonly string[];
}

export interface LoadGrantsOptions {
  batchSize?: number;
  /** Called for a server that needs roles but has no vault identity to grant them to (skipped). */
  onSkipped?: (server: { armId: string; reason: string }) => void;
}

interface GrantRow {
  arm_id: string;
  arm_id_key: string;
  name: string;
  subscription_id: string;
  resource_group: string;
  remediation: Verdict["remediation"];
  governing_rule: Verdict["governingRule"];
}

interface VaultRow {
  armId: string;
  name: string;
  principalId: string | null;
}

/** The verdict asks for at least one role assignment. */
const NEEDS_ROLES = Prisma.sql`jsonb_path_exists(v.verdict, '$.remediation.actions[*] ? (@.kind == "assignRole")')`;

/**
 * The grants of every selected server whose verdict lists missing roles, in server-id order (case-insensitive),
 * read `batchSize` servers at a time. A server whose target vault is gone from the inventory or has no managed
 * identity is skipped (onSkipped says why): there is no identity to grant anything to yet.
 */
export async function* loadRoleGrants(actor: Actor, selection: GrantSelection, { batchSize = 2000, onSkipped }: LoadGrantsOptions = {}): AsyncGenerator<ServerRoleGrant> {
  authorize(actor, "templates:download");
  if (selection.ids && selection.ids.length === 0) return;
  const ids = selection.ids ? Prisma.sql`AND s.id = ANY(${[...selection.ids]}::uuid[])` : Prisma.empty;
  // Thousands of servers share a few vaults: each is read once.
  const vaults = new Map<string, VaultRow | null>();
  let after: string | null = null;
  for (;;) {
    const cursor: Prisma.Sql = after === null ? Prisma.empty : Prisma.sql`AND s.arm_id_key > ${after}`;
    const rows: GrantRow[] = await db().$queryRaw<GrantRow[]>`
      SELECT s.arm_id, s.arm_id_key, s.name, s.subscription_id, s.resource_group,
             v.verdict->'remediation' AS remediation, v.verdict->'governingRule' AS governing_rule
      ${serverFromWhere(actor, selection.filters)} AND ${NEEDS_ROLES} ${ids} ${cursor}
      ORDER BY s.arm_id_key LIMIT ${batchSize}`;
    if (rows.length === 0) return;
    after = rows[rows.length - 1]!.arm_id_key;

    const unknown = [...new Set(rows.map(targetVaultKey).filter((key): key is string => key !== null && !vaults.has(key)))];
    if (unknown.length) {
      const found = await db().vault.findMany({ where: { armIdKey: { in: unknown }, deletedAt: null }, select: { armIdKey: true, armId: true, name: true, principalId: true } });
      for (const key of unknown) vaults.set(key, null);
      for (const v of found) vaults.set(v.armIdKey, { armId: v.armId, name: v.name, principalId: v.principalId });
    }

    for (const row of rows) {
      const key = targetVaultKey(row);
      const vault = key === null ? null : vaults.get(key);
      if (!vault) {
        onSkipped?.({ armId: row.arm_id, reason: "its target Backup vault is not in the inventory" });
        continue;
      }
      if (vault.principalId === null) {
        onSkipped?.({ armId: row.arm_id, reason: `Backup vault '${vault.name}' has no system-assigned managed identity` });
        continue;
      }
      yield roleGrantFromVerdict({
        server: { armId: row.arm_id, name: row.name, subscriptionId: row.subscription_id, resourceGroup: row.resource_group },
        vault,
        verdict: { serverArmId: row.arm_id, governingRule: row.governing_rule, remediation: row.remediation },
      });
    }
    if (rows.length < batchSize) return;
  }
}

const targetVaultKey = (row: GrantRow): string | null => row.remediation?.targetVaultArmId?.toLowerCase() ?? null;

/** Every grant of a selection, refusing one that spans more than one resource group or subscription (`within`). */
export async function collectRoleGrants(actor: Actor, selection: GrantSelection, within: "resourceGroup" | "subscription", options: LoadGrantsOptions = {}): Promise<ServerRoleGrant[]> {
  const grants: ServerRoleGrant[] = [];
  let place: string | null = null;
  for await (const grant of loadRoleGrants(actor, selection, options)) {
    const { subscriptionId, resourceGroup } = grant.server;
    const here = (within === "subscription" ? subscriptionId : `${subscriptionId}/${resourceGroup}`).toLowerCase();
    place ??= here;
    // Stop at the first server elsewhere instead of reading a whole fleet only to refuse it.
    if (here !== place) {
      throw new AppError(
        "VALIDATION_FAILED",
        within === "subscription"
          ? "These servers are in more than one subscription: filter by subscription for a subscription template, or download the zip of per-server templates."
          : "These servers are in more than one resource group: filter by subscription and resource group for a resource-group template, or download the zip of per-server templates.",
      );
    }
    grants.push(grant);
  }
  return grants;
}
