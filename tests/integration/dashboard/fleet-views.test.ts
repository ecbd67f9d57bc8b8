// The vaults, readiness and approval views against the real database, on rows this file inserts in subscriptions
// of its own: vaults by region with identity, policies and the servers they protect; regions with servers and no
// vault; the permission picture by resource group; plans waiting for approval; and settings without secrets.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Actor } from "@/core/auth/actor";
import { describeSettings } from "@/core/config/describe-settings";
import { parseEnv } from "@/core/config/env";
import { db, disconnectDb } from "@/core/db/client";
import { getReadiness, resourceGroupPackUrl } from "@/core/dashboard/get-readiness";
import { listPlansAwaitingApproval } from "@/core/dashboard/list-plans-awaiting-approval";
import { listVaults } from "@/core/dashboard/list-vaults";

const [subA, subB, subC] = [randomUUID(), randomUUID(), randomUUID()];
const tag = randomUUID().slice(0, 8);
const actor: Actor = { kind: "user", userId: null, label: "views-test", role: "VIEWER", subscriptions: [subA, subB], sourceIp: null };
const runId = randomUUID();
const ids: Record<string, string> = {};
const planIds: Record<string, string> = {};

const vaultId = (sub: string, name: string) => `/subscriptions/${sub}/resourceGroups/rg-backup/providers/Microsoft.DataProtection/backupVaults/${name}`;

async function addVault(key: string, sub: string, region: string, principalId: string | null) {
  const armId = vaultId(sub, `bv-${key}-${tag}`);
  await db().vault.create({ data: { armId, armIdKey: armId.toLowerCase(), name: `bv-${key}-${tag}`, subscriptionId: sub, resourceGroup: "rg-backup", location: region, principalId, storageType: "LocallyRedundant" } });
  return armId;
}

async function addServer(key: string, sub: string, rg: string, region: string) {
  const armId = `/subscriptions/${sub}/resourceGroups/${rg}/providers/Microsoft.DBforPostgreSQL/flexibleServers/${key.toLowerCase()}-${tag}`;
  const row = await db().server.create({ data: { armId, armIdKey: armId.toLowerCase(), name: `${key.toLowerCase()}-${tag}`, subscriptionId: sub, resourceGroup: rg, location: region, state: "Ready" } });
  ids[key] = row.id;
  return row;
}

const assignRole = (roleName: string, principalId: string | null, flexguardCanAssign: boolean) => ({ kind: "assignRole", roleDefinitionGuid: randomUUID(), roleName, principalId, scope: "/x", flexguardCanAssign });

async function addVerdict(key: string, state: string, remediation: unknown) {
  const verdict = { serverId: ids[key], state, problems: [], governingRule: null, alsoMatchedRules: [], reasons: [], remediation, exemption: null, exemptedState: null, expiredExemptions: [] };
  await db().serverVerdict.create({ data: { serverId: ids[key]!, state, verdict: verdict as object, hash: key, stateSince: new Date(), evaluatedAt: new Date(), runId } });
}

async function addPlan(key: string, status: "AWAITING_APPROVAL" | "DRAFT", sub: string, submittedAt: Date) {
  const plan = await db().remediationPlan.create({
    data: { name: `plan-${key}-${tag}`, status, contentHash: key, createdBy: "operator", itemCount: 1, submittedAt, items: { create: [{ seq: 1, kind: "protectServer", subscriptionId: sub, action: {} }] } },
  });
  planIds[key] = plan.id;
}

beforeAll(async () => {
  await db().subscription.createMany({ data: [subA, subB, subC].map((id) => ({ id })) });
  const west = await addVault("west", subA, "westeurope", randomUUID());
  await addVault("north", subA, "northeurope", null);
  await addVault("hidden", subC, "eastus", randomUUID()); // outside the actor's subscriptions: eastus still has no vault for it
  const policyArmId = `${west}/backupPolicies/weekly`;
  await db().backupPolicy.create({
    data: { armId: policyArmId, armIdKey: policyArmId.toLowerCase(), vaultArmIdKey: west.toLowerCase(), subscriptionId: subA, name: "weekly", datasourceTypes: [], backupInterval: "P1W", defaultRetention: "P3M" },
  });
  const a1 = await addServer("A1", subA, "rg-a", "westeurope");
  const a2 = await addServer("A2", subA, "rg-a", "westeurope");
  await addServer("A3", subA, "rg (east) & co", "eastus");
  await addServer("B1", subB, "rg-b", "eastus");
  await addServer("C1", subC, "rg-c", "eastus");
  for (const s of [a1, a2]) {
    const armId = `${west}/backupInstances/bi-${s.name}`;
    await db().backupInstance.create({ data: { armId, armIdKey: armId.toLowerCase(), vaultArmIdKey: west.toLowerCase(), subscriptionId: subA, name: `bi-${s.name}`, dataSourceArmId: s.armId, dataSourceArmIdKey: s.armIdKey } });
  }
  await addVerdict("A1", "compliant", null);
  await addVerdict("A2", "missing_roles", {
    targetVaultArmId: west,
    targetPolicyArmId: policyArmId,
    actions: [assignRole("Reader", "p", false), assignRole("PostgreSQL Flexible Server Long Term Retention Backup Role", "p", true)],
    roleAssignmentBy: "template",
    needsRolesFlexguardCannotAssign: true,
  });
  await addVerdict("A3", "unprotected", {
    targetVaultArmId: null,
    targetPolicyArmId: null,
    actions: [{ kind: "createVault", region: "eastus" }, assignRole("Reader", null, true)],
    roleAssignmentBy: "flexguard",
    needsRolesFlexguardCannotAssign: false,
  });
  await addVerdict("C1", "missing_roles", { targetVaultArmId: null, targetPolicyArmId: null, actions: [assignRole("Reader", "p", false)], roleAssignmentBy: "template", needsRolesFlexguardCannotAssign: true });
  await addPlan("mine-late", "AWAITING_APPROVAL", subA, new Date(Date.now() - 60_000));
  await addPlan("mine-early", "AWAITING_APPROVAL", subB, new Date(Date.now() - 120_000));
  await addPlan("other", "AWAITING_APPROVAL", subC, new Date(Date.now() - 180_000));
  await addPlan("draft", "DRAFT", subA, new Date());
});

afterAll(async () => {
  await db().remediationPlan.deleteMany({ where: { id: { in: Object.values(planIds) } } });
  await disconnectDb();
});

describe("the vaults view", () => {
  it("lists the actor's vaults by region with identity, policies and the protected servers' states", async () => {
    const { regions, vaultCount } = await listVaults(actor);
    expect(vaultCount).toBe(2);
    expect(regions.map((r) => r.region)).toEqual(["northeurope", "westeurope"]);
    const [north, west] = regions;
    expect(north!.vaults[0]).toMatchObject({ name: `bv-north-${tag}`, principalId: null, policies: [], protectedCount: 0 });
    expect(west!.vaults[0]).toMatchObject({
      name: `bv-west-${tag}`,
      policies: [{ name: "weekly", backupInterval: "P1W", defaultRetention: "P3M" }],
      protectedServers: { compliant: 1, missing_roles: 1 },
      protectedCount: 2,
    });
    expect(west!.vaults[0]!.principalId).toMatch(/^[0-9a-f-]{36}$/);
    expect(west).toMatchObject({ serverCount: 2, nonCompliant: 1 });
  });

  it("lists regions with servers but no vault the actor sees, biggest first", async () => {
    const { regionsWithoutVault } = await listVaults(actor);
    // eastus: A3 (unprotected) and B1 (not evaluated); the vault in subC is not the actor's, and C1 is not counted.
    expect(regionsWithoutVault).toEqual([expect.objectContaining({ region: "eastus", serverCount: 2, servers: { unprotected: 1, not_evaluated: 1 }, vaults: [] })]);
  });
});

describe("the readiness view", () => {
  it("groups servers missing roles by subscription and resource group, with who assigns them", async () => {
    const { groups, totals } = await getReadiness(actor);
    expect(totals).toEqual({ servers: 2, byFlexguard: 1, byTemplate: 1, flexguardCannotAssign: 1, groups: 2 });
    const rgA = groups.find((g) => g.resourceGroup === "rg-a")!;
    expect(rgA).toMatchObject({ subscriptionId: subA, servers: 1, byFlexguard: 0, byTemplate: 1, flexguardCannotAssign: 1 });
    expect(rgA.roles).toEqual([
      { roleName: "PostgreSQL Flexible Server Long Term Retention Backup Role", servers: 1, flexguardCanAssign: 1, noIdentity: 0 },
      { roleName: "Reader", servers: 1, flexguardCanAssign: 0, noIdentity: 0 },
    ]);
    expect(rgA.sample).toEqual([
      { serverId: ids.A2, name: `a2-${tag}`, state: "missing_roles", roleAssignmentBy: "template", needsRolesFlexguardCannotAssign: true, roles: expect.arrayContaining(["Reader", "PostgreSQL Flexible Server Long Term Retention Backup Role"]) },
    ]);
    const east = groups.find((g) => g.resourceGroup === "rg (east) & co")!;
    expect(east).toMatchObject({ byFlexguard: 1, byTemplate: 0, roles: [{ roleName: "Reader", servers: 1, flexguardCanAssign: 1, noIdentity: 1 }] });
  });

  it("links each group's template pack with its values encoded", () => {
    const url = resourceGroupPackUrl(subA, "rg (east) & co");
    expect(url.startsWith("/api/templates/pack?")).toBe(true);
    expect(Object.fromEntries(new URL(url, "http://x").searchParams)).toEqual({ format: "resource-group", subscription: subA, resourceGroup: "rg (east) & co" });
    expect(url).not.toMatch(/ |&co/);
  });
});

describe("plans waiting for approval", () => {
  it("lists those touching the actor's subscriptions, oldest submission first", async () => {
    const { plans, total } = await listPlansAwaitingApproval(actor);
    const mine = plans.filter((p) => p.name.endsWith(tag));
    expect(mine.map((p) => p.name)).toEqual([`plan-mine-early-${tag}`, `plan-mine-late-${tag}`]);
    expect(total).toBeGreaterThanOrEqual(2);
    const everyone = await listPlansAwaitingApproval({ ...actor, subscriptions: null }, { limit: 1000 });
    expect(everyone.plans.map((p) => p.name)).toContain(`plan-other-${tag}`);
    expect(everyone.plans.map((p) => p.name)).not.toContain(`plan-draft-${tag}`);
  });
});

describe("the settings view", () => {
  it("shows scope, schedule and limits, never a secret or a credential", () => {
    const secret = "s3cret-".repeat(6);
    const settings = describeSettings(
      parseEnv({
        DATABASE_URL: `postgresql://flex:${secret}@db.example:5432/flexguard`,
        REDIS_URL: `redis://:${secret}@redis.example:6379`,
        AUTH_SECRET: secret,
        ENTRA_TENANT_ID: "tenant-1",
        ENTRA_CLIENT_ID: "client-1",
        ENTRA_CLIENT_SECRET: secret,
        AZURE_SUBSCRIPTIONS: `${subA},${subB}`,
        SCAN_INTERVAL_MINUTES: "30",
        METRICS_TOKEN: secret,
      }),
    );
    const text = JSON.stringify(settings);
    expect(text).not.toContain("s3cret");
    const value = (variable: string) => settings.flatMap((g) => g.settings).find((s) => s.variable === variable)?.value;
    expect(value("AZURE_SUBSCRIPTIONS")).toBe(`${subA}, ${subB}`);
    expect(value("SCAN_INTERVAL_MINUTES")).toBe("every 30 minutes");
    expect(value("DATABASE_URL")).toBe("postgresql://db.example:5432/flexguard");
    expect(value("ENTRA_TENANT_ID")).toBe("on (tenant tenant-1)");
    expect(value("METRICS_TOKEN")).toBe("token required (set)");
  });
});
