// The dashboard's queries against the real database, on rows this file inserts in subscriptions of its own: the
// servers table's filters, sorting and paging, the subscription scope everywhere, the overview's figures, a
// server's detail, and the CSV export's escaping and keyset paging.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Actor } from "@/core/auth/actor";
import { db, disconnectDb } from "@/core/db/client";
import { exportServersCsv } from "@/core/dashboard/export-servers-csv";
import { getOverview } from "@/core/dashboard/get-overview";
import { getServerDetail } from "@/core/dashboard/get-server-detail";
import { listFleetServers } from "@/core/dashboard/list-fleet-servers";
import { serverQuerySchema, type ServerQuery } from "@/core/dashboard/server-query";
import { fleetStatus } from "@/core/evaluation/fleet-status";
import { ROLE } from "@/core/inventory/types";

const subA = randomUUID();
const subB = randomUUID();
const subC = randomUUID(); // outside the scoped actor's subscriptions
const tag = randomUUID().slice(0, 8);
const HOSTILE_NAME = `=SUM(1+1)"q`;

const actor: Actor = { kind: "user", userId: null, label: "dashboard-test", role: "VIEWER", subscriptions: [subA, subB], sourceIp: null };
const everything: Actor = { ...actor, subscriptions: null };
const query = (raw: Record<string, string> = {}): ServerQuery => serverQuerySchema.parse(raw);
const names = async (raw: Record<string, string>, who: Actor = actor) => (await listFleetServers(who, query(raw))).items.map((s) => s.name);

const ids: Record<string, string> = {};
let ruleOne: string;
let ruleTwo: string;
const runId = randomUUID();
const vaultPrincipal = randomUUID();

async function addServer(key: string, s: { name: string; sub: string; rg: string; region: string; version: string; tags?: Record<string, string>; deleted?: boolean }) {
  const armId = `/subscriptions/${s.sub}/resourceGroups/${s.rg}/providers/Microsoft.DBforPostgreSQL/flexibleServers/${s.name.replace(/\W/g, "x")}-${key}`;
  const row = await db().server.create({
    data: {
      armId,
      armIdKey: armId.toLowerCase(),
      name: s.name,
      subscriptionId: s.sub,
      resourceGroup: s.rg,
      location: s.region,
      version: s.version,
      state: "Ready",
      tags: s.tags ?? {},
      deletedAt: s.deleted ? new Date() : null,
    },
  });
  ids[key] = row.id;
  return row;
}

async function addVerdict(key: string, state: string, ruleId: string | null, stateSince: string) {
  const verdict = { serverId: ids[key], state, problems: [], governingRule: null, alsoMatchedRules: [], reasons: [`${key} is ${state}`], remediation: null, exemption: null, exemptedState: null, expiredExemptions: [] };
  await db().serverVerdict.create({
    data: { serverId: ids[key]!, state, governingRuleId: ruleId, ruleRevision: ruleId ? 3 : null, verdict, hash: key, stateSince: new Date(stateSince), evaluatedAt: new Date(), runId },
  });
}

beforeAll(async () => {
  await db().subscription.createMany({ data: [subA, subB, subC].map((id) => ({ id })) });
  ruleOne = (await db().protectionRule.create({ data: { name: `dash-one-${tag}`, order: 1, mode: "enforce", definition: {}, updatedBy: "test" } })).id;
  ruleTwo = (await db().protectionRule.create({ data: { name: `dash-two-${tag}`, order: 2, mode: "audit", definition: {}, updatedBy: "test" } })).id;
  const a1 = await addServer("A1", { name: "alpha-prod-1", sub: subA, rg: "rg-Prod", region: "westeurope", version: "16", tags: { env: "prod", owner: "=cmd|' /C calc'!A0" } });
  await addServer("A2", { name: "alpha-dev-2", sub: subA, rg: "rg-dev", region: "northeurope", version: "15", tags: { env: "dev" } });
  await addServer("A3", { name: HOSTILE_NAME, sub: subA, rg: "rg-dev", region: "westeurope", version: "16" });
  await addServer("B1", { name: "beta_100%", sub: subB, rg: "RG-PROD", region: "westeurope", version: "16", tags: { env: "prod" } });
  await addServer("B2", { name: "gamma", sub: subB, rg: "rg-x", region: "eastus", version: "14" });
  await addServer("B3", { name: "alpha-deleted", sub: subB, rg: "rg-x", region: "eastus", version: "14", deleted: true });
  await addServer("C1", { name: "alpha-other", sub: subC, rg: "rg-prod", region: "westeurope", version: "16", tags: { env: "prod" } });
  await addVerdict("A1", "compliant", ruleOne, "2024-01-01T00:00:00Z");
  await addVerdict("A2", "unprotected", ruleOne, "2024-03-01T00:00:00Z");
  await addVerdict("A3", "compliant", ruleOne, "2024-02-01T00:00:00Z");
  await addVerdict("B1", "missing_roles", ruleTwo, "2024-04-01T00:00:00Z");
  await addVerdict("B3", "unprotected", ruleTwo, "2024-04-01T00:00:00Z");
  await addVerdict("C1", "unprotected", ruleOne, "2024-05-01T00:00:00Z");

  const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000);
  await db().verdictChange.createMany({
    data: [
      { serverId: ids.A2!, at: minutesAgo(30), fromState: null, toState: "unprotected", governingRuleId: ruleOne, ruleRevision: 3, reasons: ["no backup instance"], runId },
      { serverId: ids.A1!, at: minutesAgo(25), fromState: null, toState: "unprotected", governingRuleId: ruleOne, ruleRevision: 2, reasons: ["no backup instance"], runId },
      { serverId: ids.A1!, at: minutesAgo(20), fromState: "unprotected", toState: "compliant", governingRuleId: ruleOne, ruleRevision: 3, reasons: [], runId },
      { serverId: ids.B1!, at: minutesAgo(10), fromState: "compliant", toState: "missing_roles", governingRuleId: ruleTwo, ruleRevision: 3, reasons: ["lacks Reader"], runId },
      { serverId: ids.C1!, at: minutesAgo(5), fromState: null, toState: "unprotected", governingRuleId: ruleOne, ruleRevision: 3, reasons: [], runId },
    ],
  });
  await db().dailyAggregate.createMany({
    data: [
      { day: new Date("2020-01-01"), dimension: "subscription", key: subA, state: "compliant", count: 1000 }, // older than the trend window
      { day: new Date(Date.now() - 86_400_000), dimension: "subscription", key: subA, state: "compliant", count: 1 },
      { day: new Date(Date.now() - 86_400_000), dimension: "subscription", key: subB, state: "compliant", count: 2 },
      { day: new Date(Date.now() - 86_400_000), dimension: "subscription", key: subC, state: "compliant", count: 50 },
      { day: new Date(), dimension: "subscription", key: subA, state: "unprotected", count: 4 },
    ],
  });

  const vaultArmId = `/subscriptions/${subA}/resourceGroups/rg-backup/providers/Microsoft.DataProtection/backupVaults/bv-${tag}`;
  await db().vault.create({ data: { armId: vaultArmId, armIdKey: vaultArmId.toLowerCase(), name: `bv-${tag}`, subscriptionId: subA, resourceGroup: "rg-backup", location: "westeurope", principalId: vaultPrincipal } });
  const instanceArmId = `${vaultArmId}/backupInstances/bi-${tag}`;
  await db().backupInstance.create({
    data: { armId: instanceArmId, armIdKey: instanceArmId.toLowerCase(), vaultArmIdKey: vaultArmId.toLowerCase(), subscriptionId: subA, name: `bi-${tag}`, dataSourceArmId: a1.armId, dataSourceArmIdKey: a1.armIdKey, protectionStatus: "ProtectionConfigured", currentProtectionState: "ProtectionConfigured" },
  });
  const rgScope = `/subscriptions/${subA}/resourceGroups/rg-Prod`;
  const assignments = [
    { scope: a1.armId, role: ROLE.pgFlexLtrBackup },
    { scope: rgScope, role: ROLE.reader },
    { scope: `/subscriptions/${subA}/resourceGroups/rg-elsewhere`, role: ROLE.reader }, // not above the server
  ];
  for (const [n, a] of assignments.entries()) {
    const armId = `${a.scope}/providers/Microsoft.Authorization/roleAssignments/${randomUUID()}`;
    await db().roleAssignment.create({
      data: { armId, armIdKey: armId.toLowerCase(), subscriptionId: subA, principalId: vaultPrincipal, roleDefinitionGuid: a.role, scope: a.scope, scopeKey: a.scope.toLowerCase(), principalType: n >= 0 ? "ServicePrincipal" : null },
    });
  }
});

afterAll(async () => {
  await db().protectionRule.updateMany({ where: { id: { in: [ruleOne, ruleTwo] } }, data: { deletedAt: new Date() } });
  await disconnectDb();
});

describe("the servers query", () => {
  it("filters by verdict state, the non-compliant group and servers not evaluated yet", async () => {
    expect(await names({ state: "unprotected" })).toEqual(["alpha-dev-2"]);
    expect(await names({ state: "non_compliant" })).toEqual(["alpha-dev-2", "beta_100%"]);
    expect(await names({ state: "not_evaluated" })).toEqual(["gamma"]);
    expect(await names({ state: "compliant,not_evaluated" })).toEqual([HOSTILE_NAME, "alpha-prod-1", "gamma"]);
  });

  it("filters by governing rule, subscription, resource group, region, tag, version and name", async () => {
    expect(await names({ rule: ruleOne })).toEqual([HOSTILE_NAME, "alpha-dev-2", "alpha-prod-1"]);
    expect(await names({ rule: "none" })).toEqual(["gamma"]);
    expect(await names({ subscription: subB.toUpperCase() })).toEqual(["beta_100%", "gamma"]);
    expect(await names({ resourceGroup: "rg-prod" })).toEqual(["alpha-prod-1", "beta_100%"]);
    expect(await names({ region: "westeurope" })).toEqual([HOSTILE_NAME, "alpha-prod-1", "beta_100%"]);
    expect(await names({ tag: "env=prod" })).toEqual(["alpha-prod-1", "beta_100%"]);
    expect(await names({ tag: "env" })).toEqual(["alpha-dev-2", "alpha-prod-1", "beta_100%"]);
    expect(await names({ tag: "owner==cmd|' /C calc'!A0" })).toEqual(["alpha-prod-1"]);
    expect(await names({ version: "15" })).toEqual(["alpha-dev-2"]);
    expect(await names({ q: "ALPHA" })).toEqual(["alpha-dev-2", "alpha-prod-1"]);
    // LIKE wildcards in the search text are literal: "_1" is not "any character, then 1".
    expect(await names({ q: "_1" })).toEqual(["beta_100%"]);
    expect(await names({ q: "100%" })).toEqual(["beta_100%"]);
    expect(await names({ tag: "env=prod", region: "westeurope", state: "compliant" })).toEqual(["alpha-prod-1"]);
  });

  it("refuses unknown states, malformed rule ids and unknown fields with the field named", () => {
    expect(() => query({ state: "green" })).toThrow(/each state must be one of/);
    expect(() => query({ rule: "1 OR 1=1" })).toThrow(/rule id/);
    expect(() => query({ sort: "armId" })).toThrow();
    expect(() => query({ limit: "5" })).toThrow();
  });

  it("sorts by name, state urgency, region, subscription and state since, both ways", async () => {
    expect(await names({ tag: "env", sort: "name" })).toEqual(["alpha-dev-2", "alpha-prod-1", "beta_100%"]);
    expect(await names({ tag: "env", sort: "name", dir: "desc" })).toEqual(["beta_100%", "alpha-prod-1", "alpha-dev-2"]);
    const states = (await listFleetServers(actor, query({ sort: "state" }))).items.map((s) => s.verdictState);
    expect(states).toEqual(["unprotected", "missing_roles", "compliant", "compliant", "not_evaluated"]);
    expect(await names({ sort: "stateSince", dir: "desc" })).toEqual(["beta_100%", "alpha-dev-2", HOSTILE_NAME, "alpha-prod-1", "gamma"]);
    expect(await names({ sort: "region", tag: "env" })).toEqual(["alpha-dev-2", "alpha-prod-1", "beta_100%"]);
    const bySubscription = (await listFleetServers(actor, query({ sort: "subscription", dir: "desc" }))).items.map((s) => s.subscriptionId);
    expect(bySubscription).toEqual([...bySubscription].sort().reverse());
  });

  it("pages with the total of every match, and carries each server's verdict and rule", async () => {
    const page2 = await listFleetServers(actor, query({ sort: "stateSince", dir: "desc", pageSize: "2", page: "2" }));
    expect(page2.total).toBe(5);
    expect(page2.items.map((s) => s.name)).toEqual([HOSTILE_NAME, "alpha-prod-1"]);
    expect(page2.items[1]).toMatchObject({ verdictState: "compliant", governingRuleId: ruleOne, governingRuleName: `dash-one-${tag}`, ruleRevision: 3, tags: { env: "prod" } });
    expect((await listFleetServers(actor, query({ page: "9" }))).items).toEqual([]);
  });

  it("never shows servers outside the actor's subscriptions, or deleted ones", async () => {
    expect(await names({ q: "alpha" })).toEqual(["alpha-dev-2", "alpha-prod-1"]);
    expect(await names({ q: "alpha", subscription: subC })).toEqual([]);
    expect(await names({ q: "alpha", subscription: subC }, everything)).toEqual(["alpha-other"]);
    await expect(getServerDetail(actor, ids.C1!)).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(getServerDetail(actor, randomUUID())).rejects.toMatchObject({ code: "NOT_FOUND" });
  });
});

describe("the CSV export", () => {
  const read = async (stream: ReadableStream<Uint8Array>) => new Response(stream).text();

  it("streams every match in the query's order, across chunks, with formulas neutralised and quotes doubled", async () => {
    const csv = await read(exportServersCsv(actor, query({ sort: "stateSince", dir: "desc", pageSize: "1" }), { chunkSize: 2 }));
    const lines = csv.trimEnd().split("\r\n");
    expect(lines[0]).toBe("name,subscriptionId,resourceGroup,region,version,sku,serverState,verdictState,governingRule,ruleRevision,stateSince,tags,armId");
    expect(lines).toHaveLength(6);
    expect(lines.slice(1).map((l) => l.split(",")[0])).toEqual(['"beta_100%"', '"alpha-dev-2"', `"'=SUM(1+1)""q"`, '"alpha-prod-1"', '"gamma"']);
    expect(lines[4]).toContain(`"env=prod; owner==cmd|' /C calc'!A0"`);
    expect(lines[2]).toContain(`"unprotected","dash-one-${tag}","3","2024-03-01T00:00:00.000Z"`);
    expect(csv).not.toContain("alpha-other");
  });

  it("keeps to the filters and pages by every sort key without repeating or losing a row", async () => {
    for (const sort of ["name", "state", "region", "subscription", "stateSince"])
      for (const dir of ["asc", "desc"]) {
        const csv = await read(exportServersCsv(actor, query({ sort, dir }), { chunkSize: 2 }));
        const rows = csv.trimEnd().split("\r\n").slice(1).map((l) => l.split(",")[0]);
        const listed = (await listFleetServers(actor, query({ sort, dir }))).items.map((s) => `"${s.name.startsWith("=") ? "'" : ""}${s.name.replace(/"/g, '""')}"`);
        expect(rows, `${sort} ${dir}`).toEqual(listed);
      }
    const filtered = await read(exportServersCsv(actor, query({ state: "non_compliant" })));
    expect(filtered.trimEnd().split("\r\n")).toHaveLength(3);
  });
});

describe("the overview", () => {
  it("shares fleetStatus's figures and breaks the actor's servers down by subscription, region and rule", async () => {
    const overview = await getOverview(actor);
    expect(overview.status).toEqual(await fleetStatus(actor));
    expect(overview.status).toMatchObject({ servers: 5, compliant: 2, nonCompliant: 2, states: { compliant: 2, unprotected: 1, missing_roles: 1, not_evaluated: 1 } });
    expect(overview.bySubscription.map((r) => [r.key, r.servers, r.compliant, r.nonCompliant])).toEqual([
      [subA, 3, 2, 1],
      [subB, 2, 0, 1],
    ]);
    expect(overview.byRegion.find((r) => r.key === "westeurope")).toMatchObject({ servers: 3, states: { compliant: 2, missing_roles: 1 } });
    expect(overview.byRule.map((r) => [r.label, r.servers])).toEqual([
      [`dash-one-${tag}`, 3],
      [`dash-two-${tag}`, 1],
      ["No rule", 1],
    ]);
  });

  it("gives someone who sees every subscription the breakdowns the last evaluation stored", async () => {
    const overview = await getOverview(everything);
    expect(overview.bySubscription.find((r) => r.key === subA)).toMatchObject({ servers: 4, nonCompliant: 4, states: { unprotected: 4 } });
    expect(overview.bySubscription.find((r) => r.key === subC)).toBeUndefined(); // only yesterday's figures name it
  });

  it("sums the trend over the actor's subscriptions within the window", async () => {
    const { trend } = await getOverview(actor, { trendDays: 30 });
    const today = new Date().toISOString().slice(0, 10);
    const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
    expect(trend).toEqual([
      { day: yesterday, states: { compliant: 3 } },
      { day: today, states: { unprotected: 4 } },
    ]);
  });

  it("lists the servers that became non-compliant most recently, once each, in scope", async () => {
    const { recentlyNonCompliant } = await getOverview(actor);
    expect(recentlyNonCompliant.map((r) => [r.name, r.fromState, r.toState, r.currentState])).toEqual([
      ["beta_100%", "compliant", "missing_roles", "missing_roles"],
      ["alpha-prod-1", null, "unprotected", "compliant"],
      ["alpha-dev-2", null, "unprotected", "unprotected"],
    ]);
  });
});

describe("a server's detail", () => {
  it("has its facts, verdict with rule and revision, backup instance, vault identity roles over it and timeline", async () => {
    const detail = await getServerDetail(actor, ids.A1!);
    expect(detail.server).toMatchObject({ name: "alpha-prod-1", resourceGroup: "rg-Prod", tags: { env: "prod", owner: "=cmd|' /C calc'!A0" } });
    expect(detail.verdict).toMatchObject({ state: "compliant", governingRuleId: ruleOne, governingRuleName: `dash-one-${tag}`, ruleRevision: 3, detail: { reasons: ["A1 is compliant"] } });
    expect(detail.backupInstances).toEqual([expect.objectContaining({ name: `bi-${tag}`, vaultName: `bv-${tag}`, protectionStatus: "ProtectionConfigured" })]);
    expect(detail.vaultIdentities).toHaveLength(1);
    expect(detail.vaultIdentities[0]).toMatchObject({ vaultName: `bv-${tag}`, principalId: vaultPrincipal, relation: "protects" });
    expect(detail.vaultIdentities[0]!.roleAssignments.map((a) => a.roleName).sort()).toEqual(["PostgreSQL Flexible Server Long Term Retention Backup Role", "Reader"]);
    expect(detail.timeline.map((t) => [t.fromState, t.toState])).toEqual([
      ["unprotected", "compliant"],
      [null, "unprotected"],
    ]);
  });

  it("answers a server that was never evaluated with no verdict", async () => {
    const detail = await getServerDetail(actor, ids.B2!);
    expect(detail.verdict).toBeNull();
    expect(detail.backupInstances).toEqual([]);
    expect(detail.timeline).toEqual([]);
  });
});
