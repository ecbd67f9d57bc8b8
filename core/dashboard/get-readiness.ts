import { authorize, type Actor } from "../auth/actor";
import { db, Prisma } from "../db/client";

/** One role missing on servers of a group, and who can assign it. */
export interface MissingRoleCount {
  roleName: string;
  /** Servers in the group whose vault identity lacks this role. */
  servers: number;
  /** Of those, the servers where Flexguard's own principal may assign it. */
  flexguardCanAssign: number;
  /** Servers whose vault has no identity at all: the role cannot be granted until the vault gets one. */
  noIdentity: number;
}

export interface ReadinessServer {
  serverId: string;
  name: string;
  state: string;
  /** Who assigns the missing roles, as the verdict's remediation says. */
  roleAssignmentBy: "flexguard" | "template" | null;
  needsRolesFlexguardCannotAssign: boolean;
  /** The missing roles by name. */
  roles: string[];
}

/** Servers of one subscription and resource group whose vault identity misses roles. */
export interface ReadinessGroup {
  subscriptionId: string;
  resourceGroup: string;
  servers: number;
  /** Servers whose roles Flexguard will assign itself (the rule allows it and Flexguard can). */
  byFlexguard: number;
  /** Servers whose roles need a template run by an owner. */
  byTemplate: number;
  /** Servers with some missing role at a scope Flexguard cannot assign at. */
  flexguardCannotAssign: number;
  roles: MissingRoleCount[];
  /** The first servers of the group by name (at most `serverLimit`). */
  sample: ReadinessServer[];
}

export interface Readiness {
  groups: ReadinessGroup[];
  totals: { servers: number; byFlexguard: number; byTemplate: number; flexguardCannotAssign: number; groups: number };
}

// The verdict's assignRole actions: one per missing role (core/rules/verdict.ts RemediationAction).
const ASSIGN_ROLE = Prisma.sql`v.verdict -> 'remediation' -> 'actions' @> '[{"kind":"assignRole"}]'::jsonb`;

/**
 * The permission picture of the actor's fleet: servers whose backup vault identity lacks roles it needs, grouped by
 * subscription and resource group (the unit a template pack goes to an owner by), with which roles and who can assign them.
 */
export async function getReadiness(actor: Actor, { serverLimit = 25 } = {}): Promise<Readiness> {
  authorize(actor, "fleet:read");
  const scope = actor.subscriptions ? Prisma.sql`AND s.subscription_id = ANY(${actor.subscriptions}::text[])` : Prisma.empty;
  const [groups, roles, sample] = await Promise.all([
    db().$queryRaw<{ subscription_id: string; resource_group: string; servers: bigint; by_flexguard: bigint; by_template: bigint; cannot: bigint }[]>`
      SELECT s.subscription_id, s.resource_group, count(*) AS servers,
             count(*) FILTER (WHERE v.verdict -> 'remediation' ->> 'roleAssignmentBy' = 'flexguard') AS by_flexguard,
             count(*) FILTER (WHERE v.verdict -> 'remediation' ->> 'roleAssignmentBy' = 'template') AS by_template,
             count(*) FILTER (WHERE (v.verdict -> 'remediation' ->> 'needsRolesFlexguardCannotAssign')::boolean) AS cannot
      FROM server s JOIN server_verdict v ON v.server_id = s.id
      WHERE s.deleted_at IS NULL ${scope} AND ${ASSIGN_ROLE}
      GROUP BY s.subscription_id, s.resource_group
      ORDER BY count(*) DESC, s.subscription_id, s.resource_group`,
    db().$queryRaw<{ subscription_id: string; resource_group: string; role_name: string; servers: bigint; can: bigint; no_identity: bigint }[]>`
      SELECT s.subscription_id, s.resource_group, a ->> 'roleName' AS role_name, count(DISTINCT s.id) AS servers,
             count(DISTINCT s.id) FILTER (WHERE (a ->> 'flexguardCanAssign')::boolean) AS can,
             count(DISTINCT s.id) FILTER (WHERE a ->> 'principalId' IS NULL) AS no_identity
      FROM server s JOIN server_verdict v ON v.server_id = s.id
      CROSS JOIN LATERAL jsonb_array_elements(v.verdict -> 'remediation' -> 'actions') a
      WHERE s.deleted_at IS NULL ${scope} AND ${ASSIGN_ROLE} AND a ->> 'kind' = 'assignRole'
      GROUP BY s.subscription_id, s.resource_group, a ->> 'roleName'`,
    db().$queryRaw<{ subscription_id: string; resource_group: string; id: string; name: string; state: string; by: string | null; cannot: boolean | null; roles: string[] }[]>`
      SELECT subscription_id, resource_group, id, name, state, by, cannot, roles FROM (
        SELECT s.subscription_id, s.resource_group, s.id::text AS id, s.name, v.state,
               v.verdict -> 'remediation' ->> 'roleAssignmentBy' AS by,
               (v.verdict -> 'remediation' ->> 'needsRolesFlexguardCannotAssign')::boolean AS cannot,
               ARRAY(SELECT DISTINCT a ->> 'roleName' FROM jsonb_array_elements(v.verdict -> 'remediation' -> 'actions') a WHERE a ->> 'kind' = 'assignRole') AS roles,
               row_number() OVER (PARTITION BY s.subscription_id, s.resource_group ORDER BY s.name, s.id) AS n
        FROM server s JOIN server_verdict v ON v.server_id = s.id
        WHERE s.deleted_at IS NULL ${scope} AND ${ASSIGN_ROLE}
      ) x WHERE n <= ${serverLimit} ORDER BY name`,
  ]);

  const key = (subscription: string, group: string) => `${subscription}/${group}`;
  const byKey = new Map<string, ReadinessGroup>();
  const totals = { servers: 0, byFlexguard: 0, byTemplate: 0, flexguardCannotAssign: 0, groups: groups.length };
  for (const g of groups) {
    const group: ReadinessGroup = {
      subscriptionId: g.subscription_id,
      resourceGroup: g.resource_group,
      servers: Number(g.servers),
      byFlexguard: Number(g.by_flexguard),
      byTemplate: Number(g.by_template),
      flexguardCannotAssign: Number(g.cannot),
      roles: [],
      sample: [],
    };
    totals.servers += group.servers;
    totals.byFlexguard += group.byFlexguard;
    totals.byTemplate += group.byTemplate;
    totals.flexguardCannotAssign += group.flexguardCannotAssign;
    byKey.set(key(g.subscription_id, g.resource_group), group);
  }
  for (const r of roles) {
    byKey.get(key(r.subscription_id, r.resource_group))?.roles.push({
      roleName: r.role_name,
      servers: Number(r.servers),
      flexguardCanAssign: Number(r.can),
      noIdentity: Number(r.no_identity),
    });
  }
  for (const group of byKey.values()) group.roles.sort((a, b) => b.servers - a.servers || a.roleName.localeCompare(b.roleName));
  for (const s of sample) {
    byKey.get(key(s.subscription_id, s.resource_group))?.sample.push({
      serverId: s.id,
      name: s.name,
      state: s.state,
      roleAssignmentBy: s.by === "flexguard" || s.by === "template" ? s.by : null,
      needsRolesFlexguardCannotAssign: s.cannot === true,
      roles: s.roles,
    });
  }
  return { groups: [...byKey.values()], totals };
}

/** The template pack for one resource group's servers (GET /api/templates/pack). */
export function resourceGroupPackUrl(subscriptionId: string, resourceGroup: string): string {
  return `/api/templates/pack?${new URLSearchParams({ format: "resource-group", subscription: subscriptionId, resourceGroup }).toString()}`;
}
