import { authorize, type Actor } from "../auth/actor";
import { db, Prisma } from "../db/client";
import type { VaultSummary } from "../inventory/types";
import { NON_COMPLIANT_STATES } from "../rules/verdict";
import { STATE_SQL } from "./server-query";

export interface VaultPolicyView {
  name: string;
  armId: string;
  /** ISO 8601 duration between backups (P1W), null when the policy has no repeating schedule. */
  backupInterval: string | null;
  /** ISO 8601 duration the default retention rule keeps backups (P3M). */
  defaultRetention: string | null;
}

/** principalId null: the vault has no system-assigned identity, so backup cannot work. */
export interface VaultView extends VaultSummary {
  id: string;
  identityType: string | null;
  policies: VaultPolicyView[];
  /** Servers this vault protects (live backup instances of live servers), per verdict state. */
  protectedServers: Record<string, number>;
  protectedCount: number;
}

export interface RegionVaults {
  region: string;
  /** The actor's live servers in the region, per verdict state. */
  servers: Record<string, number>;
  serverCount: number;
  nonCompliant: number;
  vaults: VaultView[];
}

export interface VaultOverview {
  regions: RegionVaults[];
  /** Regions with servers and no vault the actor sees: servers there cannot be protected until one exists. */
  regionsWithoutVault: RegionVaults[];
  vaultCount: number;
}

const NON_COMPLIANT = new Set<string>(NON_COMPLIANT_STATES);

/** Every Backup vault in the actor's subscriptions by region, with identity, policies and the servers it protects; and the regions with servers but no vault. */
export async function listVaults(actor: Actor): Promise<VaultOverview> {
  authorize(actor, "fleet:read");
  const vaultScope = actor.subscriptions ? { subscriptionId: { in: actor.subscriptions } } : {};
  const serverScope = actor.subscriptions ? Prisma.sql`AND s.subscription_id = ANY(${actor.subscriptions}::text[])` : Prisma.empty;
  const [vaults, policies, protectedRows, regionRows] = await Promise.all([
    db().vault.findMany({ where: { deletedAt: null, ...vaultScope }, orderBy: [{ location: "asc" }, { name: "asc" }] }),
    db().backupPolicy.findMany({
      where: { deletedAt: null, ...vaultScope },
      select: { name: true, armId: true, vaultArmIdKey: true, backupInterval: true, defaultRetention: true },
      orderBy: { name: "asc" },
    }),
    db().$queryRaw<{ vault_arm_id_key: string; state: string; n: bigint }[]>`
      SELECT b.vault_arm_id_key, ${STATE_SQL} AS state, count(DISTINCT s.id) AS n
      FROM backup_instance b JOIN server s ON s.arm_id_key = b.data_source_arm_id_key AND s.deleted_at IS NULL
      LEFT JOIN server_verdict v ON v.server_id = s.id
      WHERE b.deleted_at IS NULL ${serverScope}
      GROUP BY b.vault_arm_id_key, ${STATE_SQL}`,
    db().$queryRaw<{ location: string; state: string; n: bigint }[]>`
      SELECT s.location, ${STATE_SQL} AS state, count(*) AS n
      FROM server s LEFT JOIN server_verdict v ON v.server_id = s.id
      WHERE s.deleted_at IS NULL ${serverScope}
      GROUP BY s.location, ${STATE_SQL}`,
  ]);

  const policiesByVault = new Map<string, VaultPolicyView[]>();
  for (const p of policies) {
    const list = policiesByVault.get(p.vaultArmIdKey) ?? [];
    list.push({ name: p.name, armId: p.armId, backupInterval: p.backupInterval, defaultRetention: p.defaultRetention });
    policiesByVault.set(p.vaultArmIdKey, list);
  }
  const protectedByVault = new Map<string, Record<string, number>>();
  for (const r of protectedRows) {
    const states = protectedByVault.get(r.vault_arm_id_key) ?? {};
    states[r.state] = Number(r.n);
    protectedByVault.set(r.vault_arm_id_key, states);
  }

  const regions = new Map<string, RegionVaults>();
  const region = (name: string) => {
    let r = regions.get(name);
    if (!r) regions.set(name, (r = { region: name, servers: {}, serverCount: 0, nonCompliant: 0, vaults: [] }));
    return r;
  };
  for (const row of regionRows) {
    const r = region(row.location);
    const n = Number(row.n);
    r.servers[row.state] = n;
    r.serverCount += n;
    if (NON_COMPLIANT.has(row.state)) r.nonCompliant += n;
  }
  for (const v of vaults) {
    const protectedServers = protectedByVault.get(v.armIdKey) ?? {};
    region(v.location).vaults.push({
      id: v.id,
      armId: v.armId,
      name: v.name,
      subscriptionId: v.subscriptionId,
      resourceGroup: v.resourceGroup,
      location: v.location,
      principalId: v.principalId,
      identityType: v.identityType,
      storageType: v.storageType,
      policies: policiesByVault.get(v.armIdKey) ?? [],
      protectedServers,
      protectedCount: Object.values(protectedServers).reduce((a, b) => a + b, 0),
    });
  }
  const all = [...regions.values()].sort((a, b) => a.region.localeCompare(b.region));
  return {
    regions: all.filter((r) => r.vaults.length > 0),
    // Most servers first: the biggest gap is the first to close.
    regionsWithoutVault: all.filter((r) => r.vaults.length === 0).sort((a, b) => b.serverCount - a.serverCount || a.region.localeCompare(b.region)),
    vaultCount: vaults.length,
  };
}
