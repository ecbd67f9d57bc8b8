// Template downloads against the real database, on rows this file inserts in subscriptions of its own: which
// servers a pack covers (the servers list's filters, ids, the actor's subscriptions, only verdicts asking for
// roles), read in batches; one server's template, including the one granting nothing; and the three pack formats.
import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtemp, readdir, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import type { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Actor } from "@/core/auth/actor";
import { db, disconnectDb, pgPool } from "@/core/db/client";
import { serverQuerySchema } from "@/core/dashboard/server-query";
import { ROLE } from "@/core/inventory/types";
import { loadRoleGrants, type GrantSelection } from "@/core/templates/load-grants";
import { templatePackQuerySchema } from "@/core/templates/schemas";
import { serverTemplateDownload, templatePackDownload } from "@/core/templates/template-downloads";
import type { ArmTemplate } from "@/core/templates/types";
import { collect, readZip } from "../../unit/templates/read-zip";
import { templateSchemaErrors } from "../../unit/templates/arm-template-schema";

const subA = randomUUID();
const subB = randomUUID();
const subC = randomUUID(); // outside the scoped viewer's subscriptions
const runId = randomUUID();
const principal = { A: randomUUID(), B: randomUUID(), C: randomUUID() };

const viewer: Actor = { kind: "user", userId: null, label: "templates-test", role: "VIEWER", subscriptions: [subA, subB], sourceIp: null };
const everyone: Actor = { ...viewer, subscriptions: null };
const filters = (raw: Record<string, string> = {}) => {
  const { sort: _s, dir: _d, page: _p, pageSize: _ps, ...rest } = serverQuerySchema.parse(raw);
  return rest;
};
const ids: Record<string, string> = {};
const vaultId = (sub: string, name: string) => `/subscriptions/${sub}/resourceGroups/rg-backup/providers/Microsoft.DataProtection/backupVaults/${name}`;
const serverId = (sub: string, rg: string, name: string) => `/subscriptions/${sub}/resourceGroups/${rg}/providers/Microsoft.DBforPostgreSQL/flexibleServers/${name}`;

type Missing = "ltr" | "reader";
async function addServer(key: string, s: { sub: string; rg: string; vault: string | null; missing: Missing[]; state?: string; remediation?: "none" | "noVault"; tags?: Record<string, string> }) {
  const armId = serverId(s.sub, s.rg, `pg-${key.toLowerCase()}`);
  const row = await db().server.create({
    data: { armId, armIdKey: armId.toLowerCase(), name: `pg-${key.toLowerCase()}`, subscriptionId: s.sub, resourceGroup: s.rg, location: "westeurope", version: "16", state: "Ready", tags: s.tags ?? {} },
  });
  ids[key] = row.id;
  const actions = s.missing.map((m) => ({
    kind: "assignRole",
    roleDefinitionGuid: m === "ltr" ? ROLE.pgFlexLtrBackup : ROLE.reader,
    roleName: m === "ltr" ? "PostgreSQL Flexible Server Long Term Retention Backup Role" : "Reader",
    principalId: null,
    scope: m === "ltr" ? armId : `/subscriptions/${s.sub}/resourceGroups/${s.rg}`,
    flexguardCanAssign: false,
  }));
  const remediation =
    s.remediation === "none" ? null : { targetVaultArmId: s.remediation === "noVault" ? null : s.vault, targetPolicyArmId: null, actions, roleAssignmentBy: actions.length ? "template" : null, needsRolesFlexguardCannotAssign: actions.length > 0 };
  const state = s.state ?? (actions.length ? "missing_roles" : "compliant");
  const verdict = {
    serverId: row.id, serverArmId: armId, state, problems: [state], governingRule: { id: runId, name: "Production", revision: 2, order: 1, mode: "enforce" },
    alsoMatchedRules: [], reasons: [`${key} is ${state}`], remediation, exemption: null, exemptedState: null, expiredExemptions: [],
  };
  await db().serverVerdict.create({ data: { serverId: row.id, state, governingRuleId: null, ruleRevision: 2, verdict, hash: key, stateSince: new Date(), evaluatedAt: new Date(), runId } });
}

beforeAll(async () => {
  await db().subscription.createMany({ data: [subA, subB, subC].map((id) => ({ id })) });
  const vaults = [
    { armId: vaultId(subA, "bv-a"), sub: subA, principalId: principal.A },
    { armId: vaultId(subB, "bv-b"), sub: subB, principalId: principal.B },
    { armId: vaultId(subC, "bv-c"), sub: subC, principalId: principal.C },
    { armId: vaultId(subB, "bv-no-identity"), sub: subB, principalId: null },
  ];
  await db().vault.createMany({
    data: vaults.map((v) => ({ armId: v.armId, armIdKey: v.armId.toLowerCase(), name: v.armId.split("/").pop()!, subscriptionId: v.sub, resourceGroup: "rg-backup", location: "westeurope", principalId: v.principalId })),
  });
  await addServer("A1", { sub: subA, rg: "rg-data", vault: vaultId(subA, "bv-a"), missing: ["ltr", "reader"], tags: { owner: "dana" } });
  await addServer("A2", { sub: subA, rg: "rg-data", vault: vaultId(subA, "bv-a"), missing: ["ltr"] });
  await addServer("A3", { sub: subA, rg: "rg-web", vault: vaultId(subA, "bv-a"), missing: ["ltr", "reader"], state: "unprotected" });
  await addServer("A4", { sub: subA, rg: "rg-data", vault: vaultId(subA, "bv-a"), missing: [], remediation: "none" }); // compliant
  await addServer("A5", { sub: subA, rg: "rg-data", vault: null, missing: [], state: "no_vault_in_region", remediation: "noVault" });
  await addServer("A6", { sub: subA, rg: "rg-data", vault: null, missing: [], state: "not_in_scope", remediation: "none" });
  await addServer("B1", { sub: subB, rg: "rg-data", vault: vaultId(subB, "bv-b"), missing: ["reader"] });
  await addServer("B2", { sub: subB, rg: "rg-data", vault: vaultId(subB, "bv-no-identity"), missing: ["ltr", "reader"] });
  await addServer("C1", { sub: subC, rg: "rg-data", vault: vaultId(subC, "bv-c"), missing: ["ltr", "reader"] });
  // A4 is protected in bv-a: its template names that vault and grants nothing. A6 is protected too, but no rule
  // governs it, so nobody checked its vault identity's roles.
  for (const name of ["pg-a4", "pg-a6"]) {
    const server = serverId(subA, "rg-data", name);
    const instance = `${vaultId(subA, "bv-a")}/backupInstances/${name}`;
    await db().backupInstance.create({
      data: {
        armId: instance, armIdKey: instance.toLowerCase(), vaultArmIdKey: vaultId(subA, "bv-a").toLowerCase(), subscriptionId: subA, name,
        dataSourceArmIdKey: server.toLowerCase(), dataSourceArmId: server, protectionStatus: "ProtectionConfigured", currentProtectionState: "ProtectionConfigured",
      },
    });
  }
});

afterAll(async () => {
  await disconnectDb();
});

async function grantNames(actor: Actor, selection: GrantSelection, batchSize = 2) {
  const skipped: string[] = [];
  const names: string[] = [];
  for await (const grant of loadRoleGrants(actor, selection, { batchSize, onSkipped: (s) => skipped.push(`${s.armId.split("/").pop()}: ${s.reason}`) })) names.push(grant.server.name);
  return { names, skipped };
}

describe("which servers a template pack covers", () => {
  it("takes every server in the caller's subscriptions whose verdict asks for roles, in server-id order, in batches", async () => {
    const { names, skipped } = await grantNames(viewer, { filters: filters() });
    const mine = names.filter((n) => ["pg-a1", "pg-a2", "pg-a3", "pg-b1"].includes(n));
    expect(mine).toEqual(names.filter((n) => /^pg-[abc]\d$/.test(n)));
    expect(new Set(mine)).toEqual(new Set(["pg-a1", "pg-a2", "pg-a3", "pg-b1"]));
    expect(names).not.toContain("pg-c1"); // outside the viewer's subscriptions
    expect(names).not.toContain("pg-a4"); // lacks nothing
    expect(skipped).toContain("pg-b2: Backup vault 'bv-no-identity' has no system-assigned managed identity");
    expect((await grantNames(everyone, { filters: filters({ subscription: subC }) })).names).toEqual(["pg-c1"]);
  });

  it("applies the servers list's filters and an id selection", async () => {
    expect((await grantNames(viewer, { filters: filters({ subscription: subA, resourceGroup: "RG-DATA" }) })).names).toEqual(["pg-a1", "pg-a2"]);
    expect((await grantNames(viewer, { filters: filters({ subscription: subA, state: "unprotected" }) })).names).toEqual(["pg-a3"]);
    expect((await grantNames(viewer, { filters: filters({ tag: "owner=dana" }) })).names).toEqual(["pg-a1"]);
    expect((await grantNames(viewer, { filters: filters(), ids: [ids.A2!, ids.B1!, ids.C1!] })).names.sort()).toEqual(["pg-a2", "pg-b1"]);
    expect((await grantNames(viewer, { filters: filters(), ids: [] })).names).toEqual([]);
  });

  it("gives its database connection back when the pack's reader goes away before the end", async () => {
    const inUse = () => pgPool().totalCount - pgPool().idleCount;
    const grants = loadRoleGrants(viewer, { filters: filters() }, { batchSize: 1 });
    expect((await grants.next()).done).toBe(false);
    expect(inUse()).toBe(1); // the cursor's transaction holds one connection while the pack is read
    await grants.return(undefined);
    expect(inUse()).toBe(0);

    const pack = await templatePackDownload(viewer, { selection: { filters: filters() }, format: "zip", backupRoleScope: "server" });
    const stream = pack.body as Readable;
    await new Promise((resolve) => stream.once("readable", resolve));
    stream.destroy();
    await expect.poll(inUse).toBe(0);
  });

  it("parses the pack's query: filters, ids, format and scope", () => {
    const q = templatePackQuerySchema.parse({ subscription: subA.toUpperCase(), ids: `${ids.A1}, ${ids.A1},${ids.B1}`, format: "subscription" });
    expect(q).toMatchObject({ subscription: subA, ids: [ids.A1, ids.B1], format: "subscription", backupRoleScope: "server" });
    expect(templatePackQuerySchema.safeParse({ ids: "not-an-id" }).success).toBe(false);
    expect(templatePackQuerySchema.safeParse({ format: "tar" }).success).toBe(false);
    expect(templatePackQuerySchema.safeParse({ page: "2" }).success).toBe(false);
  });
});

describe("one server's template", () => {
  it("grants exactly the roles its verdict lists, named after the server", async () => {
    const download = await serverTemplateDownload(viewer, ids.A1!);
    expect(download.fileName).toBe("flexguard-roles-pg-a1.json");
    expect(download.roleAssignmentCount).toBe(2);
    expect(templateSchemaErrors(download.template)).toEqual([]);
    expect(download.template.parameters.vaultPrincipalId!.defaultValue).toBe(principal.A);
    expect((download.template.metadata.flexguard as { server: { rule: { name: string } } }).server.rule.name).toBe("Production");
    expect((await serverTemplateDownload(viewer, ids.A2!)).roleAssignmentCount).toBe(1);
  });

  it("grants nothing for a server whose vault identity lacks nothing", async () => {
    const download = await serverTemplateDownload(viewer, ids.A4!);
    expect(download.roleAssignmentCount).toBe(0);
    expect(download.template.resources).toEqual([]);
    expect(download.template.metadata.description).toMatch(/^Nothing to grant/);
    expect(templateSchemaErrors(download.template)).toEqual([]);
  });

  it("is not found outside the caller's subscriptions, and explains when there is no identity to grant to", async () => {
    await expect(serverTemplateDownload(viewer, ids.C1!)).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(serverTemplateDownload(viewer, randomUUID())).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(serverTemplateDownload(viewer, ids.B2!)).rejects.toMatchObject({ code: "CONFLICT", message: expect.stringMatching(/no system-assigned managed identity/) });
    await expect(serverTemplateDownload(viewer, ids.A5!)).rejects.toMatchObject({ code: "CONFLICT", message: expect.stringMatching(/no Backup vault to grant roles to/) });
    // Not in scope of any rule: nobody checked its roles, so no "nothing missing" template is made up.
    await expect(serverTemplateDownload(viewer, ids.A6!)).rejects.toMatchObject({ code: "CONFLICT", message: expect.stringMatching(/has not checked the roles/) });
  });
});

describe("template packs", () => {
  it("streams a zip of per-server templates with the README", async () => {
    const pack = await templatePackDownload(viewer, { selection: { filters: filters({ subscription: subA }) }, format: "zip", backupRoleScope: "server" });
    expect(pack.contentType).toBe("application/zip");
    expect(pack.fileName).toBe(`flexguard-roles-${subA.slice(0, 8)}.zip`);
    const entries = readZip(await collect(pack.body as Readable));
    expect(entries.map((e) => e.name.split("/").pop())).toEqual(["pg-a1.json", "pg-a2.json", "pg-a3.json", "README.md", "deploy-all.sh", "deploy-all.ps1"]);
    const a1 = entries.find((e) => e.name.endsWith("pg-a1.json"))!.content.toString("utf8");
    expect(a1).toBe((await serverTemplateDownload(viewer, ids.A1!)).json);
  });

  it("builds one resource-group template, and refuses a selection spanning resource groups", async () => {
    const pack = await templatePackDownload(viewer, { selection: { filters: filters({ subscription: subA, resourceGroup: "rg-data" }) }, format: "resource-group", backupRoleScope: "server" });
    const template = JSON.parse(pack.body as string) as ArmTemplate;
    expect(templateSchemaErrors(template)).toEqual([]);
    expect((template.metadata.flexguard as { servers: { name: string }[] }).servers.map((s) => s.name)).toEqual(["pg-a1", "pg-a2"]);
    await expect(templatePackDownload(viewer, { selection: { filters: filters({ subscription: subA }) }, format: "resource-group", backupRoleScope: "server" })).rejects.toMatchObject({
      code: "VALIDATION_FAILED",
      message: expect.stringMatching(/more than one resource group/),
    });
  });

  it("builds one subscription template with a nested deployment per resource group", async () => {
    const pack = await templatePackDownload(viewer, { selection: { filters: filters({ subscription: subA }) }, format: "subscription", backupRoleScope: "resourceGroup" });
    expect(pack.fileName).toBe(`flexguard-roles-subscription-${subA}.json`);
    const template = JSON.parse(pack.body as string) as ArmTemplate;
    expect(templateSchemaErrors(template)).toEqual([]);
    expect(template.resources.map((r) => r.resourceGroup)).toEqual(["rg-data", "rg-web"]);
    await expect(templatePackDownload(viewer, { selection: { filters: filters() }, format: "subscription", backupRoleScope: "server" })).rejects.toMatchObject({ message: expect.stringMatching(/more than one subscription/) });
    await expect(templatePackDownload(viewer, { selection: { filters: filters({ subscription: subC }) }, format: "subscription", backupRoleScope: "server" })).rejects.toMatchObject({
      code: "VALIDATION_FAILED",
      message: expect.stringMatching(/nothing to put in a template/),
    });
  });
});

describe("the template commands of the CLI, on the local database", () => {
  const run = (...args: string[]) => promisify(execFile)(process.execPath, ["bin/flexguard.js", ...args], { env: process.env, timeout: 200_000 });

  it("writes one server's template, a subscription's templates as files or as a zip, and one subscription template", { timeout: 240_000 }, async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "fg-templates-"));
    const files = path.join(dir, "files");
    // Each run starts a process that compiles the CLI: run them side by side.
    const [, printed, , , , refused] = await Promise.all([
      run("template", ids.A1!, "--out", dir),
      run("template", ids.A4!),
      run("templates", "--subscription", subA, "--resource-group", "rg-data", "--out", files),
      run("templates", "--subscription", subA, "--out", path.join(dir, "pack.zip")),
      run("templates", "--subscription", subA, "--format", "subscription", "--backup-role-scope", "resourceGroup", "--out", path.join(dir, "sub.json")),
      run("template", randomUUID()).catch((e: { code: number; stderr: string }) => e),
    ]);
    expect(await readFile(path.join(dir, "flexguard-roles-pg-a1.json"), "utf8")).toBe((await serverTemplateDownload(viewer, ids.A1!)).json);
    expect(JSON.parse((printed as { stdout: string }).stdout)).toMatchObject({ resources: [] });

    const folder = (await readdir(files))[0]!;
    expect((await readdir(path.join(files, folder, subA, "rg-data"))).sort()).toEqual(["pg-a1.json", "pg-a2.json"]);
    expect((await readdir(path.join(files, folder))).sort()).toEqual([subA, "README.md", "deploy-all.ps1", "deploy-all.sh"].sort());
    expect(readZip(await readFile(path.join(dir, "pack.zip"))).filter((e) => e.name.endsWith(".json"))).toHaveLength(3);
    expect(JSON.parse(await readFile(path.join(dir, "sub.json"), "utf8")).metadata.flexguard).toMatchObject({ kind: "subscription", backupRoleScope: "resourceGroup" });
    expect(refused).toMatchObject({ code: 1, stderr: expect.stringMatching(/NOT_FOUND: Server .* does not exist/) });
  });
});
