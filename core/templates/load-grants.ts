// Which servers a template pack covers and what each needs granted, read from the verdicts: the servers matching
// the servers list's filters (or chosen by id) in the actor's subscriptions whose verdict asks for a role
// assignment, in server-id order through one database cursor, a batch at a time as the pack is read, so a pack
// for 100,000 servers never holds them all and its first template leaves as soon as the first rows arrive.
import type { PoolClient } from "pg";
import { authorize, type Actor } from "../auth/actor";
import { pgPool, Prisma } from "../db/client";
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
 * fetched `batchSize` rows at a time from one cursor (one read-only snapshot, so the pack is consistent). A server
 * whose target vault is gone from the inventory or has no managed identity is skipped (onSkipped says why): there
 * is no identity to grant anything to yet. Stopping early (the pack's reader went away) closes the cursor.
 */
export async function* loadRoleGrants(actor: Actor, selection: GrantSelection, { batchSize = 1000, onSkipped }: LoadGrantsOptions = {}): AsyncGenerator<ServerRoleGrant> {
  authorize(actor, "templates:download");
  if (selection.ids && selection.ids.length === 0) return;
  const ids = selection.ids ? Prisma.sql`AND s.id = ANY(${[...selection.ids]}::uuid[])` : Prisma.empty;
  const query = Prisma.sql`
    SELECT s.arm_id, s.arm_id_key, s.name, s.subscription_id, s.resource_group,
           v.verdict->'remediation' AS remediation, v.verdict->'governingRule' AS governing_rule
    ${serverFromWhere(actor, selection.filters)} AND ${NEEDS_ROLES} ${ids}
    ORDER BY s.arm_id_key`;
  // Thousands of servers share a few vaults: each is read once.
  const vaults = new Map<string, VaultRow | null>();
  const client = await pgPool().connect();
  let broken: Error | undefined;
  let open = false;
  try {
    await client.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    open = true;
    await client.query(`DECLARE template_grants NO SCROLL CURSOR FOR ${query.text}`, query.values);
    for (;;) {
      const { rows } = await client.query<GrantRow>(`FETCH ${Math.max(1, Math.floor(batchSize))} FROM template_grants`);
      if (rows.length === 0) break;
      await readVaults(client, rows, vaults);
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
      if (rows.length < batchSize) break;
    }
  } catch (error) {
    broken = error instanceof Error ? error : new Error(String(error));
    throw error;
  } finally {
    // Reached on the end, on an error, and when the consumer stops early (return() on this generator).
    if (open) await client.query("ROLLBACK").catch((e: Error) => (broken ??= e));
    client.release(broken);
  }
}

/** Reads the vaults of a batch that are not known yet, in the cursor's snapshot. */
async function readVaults(client: PoolClient, rows: readonly GrantRow[], vaults: Map<string, VaultRow | null>): Promise<void> {
  const unknown = [...new Set(rows.map(targetVaultKey).filter((key): key is string => key !== null && !vaults.has(key)))];
  if (unknown.length === 0) return;
  const { rows: found } = await client.query<{ arm_id_key: string } & VaultRow>(
    `SELECT arm_id_key, arm_id AS "armId", name, principal_id AS "principalId" FROM vault WHERE arm_id_key = ANY($1::text[]) AND deleted_at IS NULL`,
    [unknown],
  );
  for (const key of unknown) vaults.set(key, null);
  for (const v of found) vaults.set(v.arm_id_key, { armId: v.armId, name: v.name, principalId: v.principalId });
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
