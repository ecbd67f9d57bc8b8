// What-if on a small inventory inserted with Prisma, and rules as code: export, import dry run, apply.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Actor } from "@/core/auth/actor";
import { db, disconnectDb } from "@/core/db/client";
import { closeProducers } from "@/core/queues";
import { createRule } from "@/core/rules/create-rule";
import { exportRules } from "@/core/rules/export-rules";
import { importRules } from "@/core/rules/import-rules";
import { parseRuleSet } from "@/core/rules/rule-set-text";
import { whatIf } from "@/core/rules/what-if";
import { buildBackupInstance, buildPolicy, buildServer, buildVault, vaultArmId, vaultRolesFor } from "../../factories/inventory";
import {
  insertBackupInstance,
  insertPolicy,
  insertRoleAssignment,
  insertServer,
  insertVault,
  insertVerdict,
  makeActor,
  makeSubscription,
  ruleInput,
} from "./support";

let operator: Actor;
let admin: Actor;

beforeAll(async () => {
  operator = await makeActor("OPERATOR");
  admin = await makeActor("ADMIN");
});
afterAll(async () => {
  await closeProducers();
  await disconnectDb();
});

describe("what-if", () => {
  it("counts the state transitions the edited rule would cause and samples the servers, writing nothing", async () => {
    const subscription = await makeSubscription();
    const vault = buildVault({ subscriptionId: subscription, name: `bv-whatif-${Date.now()}` });
    const policy = buildPolicy(vault);
    const [protectedServer, bare, fresh] = [
      buildServer({ subscriptionId: subscription, name: `pg-a-${Date.now()}` }),
      buildServer({ subscriptionId: subscription, name: `pg-b-${Date.now()}` }),
      buildServer({ subscriptionId: subscription, name: `pg-c-${Date.now()}` }),
    ];
    await insertVault(vault);
    await insertPolicy(policy, subscription);
    const rows = await Promise.all([protectedServer, bare, fresh].map((s) => insertServer(s)));
    await insertBackupInstance(buildBackupInstance(protectedServer, vault, policy), subscription);
    for (const assignment of vaultRolesFor(vault, protectedServer)) await insertRoleAssignment(assignment, subscription);
    await insertVerdict(rows[0]!.id, "not_in_scope");
    await insertVerdict(rows[1]!.id, "not_in_scope");
    // rows[2] was never evaluated.

    const reader = await makeActor("VIEWER", [subscription]);
    const rule = ruleInput(subscription, { order: 0, requirement: { vault: { kind: "matchInRegion", nameGlob: vault.name }, policy: { kind: "constraints", minRetention: "P3M", maxBackupInterval: "P1W" }, roleAssignment: "assign" } });
    const verdictsBefore = await db().serverVerdict.findMany({ where: { serverId: { in: rows.map((r) => r.id) } } });
    const result = await whatIf(reader, { rule });
    expect(result).toMatchObject({
      servers: 3,
      changing: 3,
      transitions: { "not_in_scope -> compliant": 1, "not_in_scope -> unprotected": 1, "not_evaluated -> unprotected": 1 },
      referenceIssues: [],
    });
    expect(result.sample.map((s) => [s.name, s.from, s.to])).toEqual([
      [protectedServer.name, "not_in_scope", "compliant"],
      [bare.name, "not_in_scope", "unprotected"],
      [fresh.name, "not_evaluated", "unprotected"],
    ]);
    expect(await db().serverVerdict.findMany({ where: { serverId: { in: rows.map((r) => r.id) } } })).toEqual(verdictsBefore);

    // Editing a saved rule replaces it: turning it off would put the servers back out of scope.
    const saved = await createRule(operator, rule);
    const disabled = await whatIf(reader, { ruleId: saved.id, rule: { ...rule, enabled: false } });
    expect(disabled.transitions).toEqual({ "not_evaluated -> not_in_scope": 1 });
    await expect(whatIf(reader, { ruleId: "00000000-0000-4000-8000-000000000000", rule })).rejects.toMatchObject({ code: "NOT_FOUND" });
    await db().protectionRule.update({ where: { id: saved.id }, data: { deletedAt: new Date(), name: `${saved.rule.name} [deleted ${saved.id}]` } });
  });
});

describe("rules as code", () => {
  const subscription = "5ab5c41d-0000-4000-8000-00000000c0de";
  const ruleA = ruleInput(subscription, { name: "gold", order: 10 });
  const ruleB = ruleInput(subscription, { name: "silver", order: 20 });

  it("lists what an import would create, change and delete on a dry run, and does it in one go on apply", async () => {
    // Start from a known rule set: exactly A and B.
    const yaml = (rules: unknown[]) => JSON.stringify({ version: 1, rules }); // JSON is YAML too
    await importRules(admin, { format: "yaml", content: yaml([ruleA, ruleB]), dryRun: false });
    const { content: baseline } = await exportRules(operator, "yaml");
    expect(parseRuleSet(baseline, "yaml").rules.map((r) => r.name)).toEqual(["gold", "silver"]);

    const next = [{ ...ruleA, name: "Gold", description: "Daily", mode: "enforce" }, ruleInput(subscription, { name: "bronze", order: 30 })];
    const revisionsBefore = await db().ruleRevision.count();
    const dry = await importRules(operator, { format: "json", content: yaml(next), dryRun: true });
    expect(dry.applied).toBe(false);
    expect(dry.plan.create).toEqual([{ name: "bronze", order: 30 }]);
    expect(dry.plan.delete.map((d) => d.name)).toEqual(["silver"]);
    expect(dry.plan.update).toHaveLength(1);
    expect(dry.plan.update[0]!.summary).toEqual(['description: "Weekly backups kept three months" -> "Daily"', 'mode: "audit" -> "enforce"', 'name: "gold" -> "Gold"']);
    expect(await db().ruleRevision.count()).toBe(revisionsBefore);
    expect((await exportRules(operator, "yaml")).content).toBe(baseline);

    const applied = await importRules(operator, { format: "json", content: yaml(next), dryRun: false });
    expect(applied).toMatchObject({ applied: true, plan: dry.plan });
    expect(await db().ruleRevision.count()).toBe(revisionsBefore + 3);
    const exported = await exportRules(operator, "json");
    expect(parseRuleSet(exported.content, "json")).toEqual(parseRuleSet(yaml(next), "json"));
    const gold = await db().protectionRule.findFirstOrThrow({ where: { name: "Gold", deletedAt: null } });
    expect(gold.revision).toBe(2);
    expect(await db().auditEvent.count({ where: { action: "rule.update", targetId: gold.id, actorId: operator.userId } })).toBe(1);
    expect(await db().auditEvent.count({ where: { action: "rules.import", actorId: operator.userId } })).toBe(1);

    // Importing the export again changes nothing.
    const again = await importRules(operator, { format: "yaml", content: (await exportRules(operator, "yaml")).content, dryRun: false });
    expect(again).toMatchObject({ applied: false, plan: { create: [], update: [], delete: [], unchanged: ["Gold", "bronze"] } });
  });

  it("refuses a bad file with issues naming the field, and scoped users", async () => {
    const refusal = (content: string, format: "yaml" | "json" = "yaml") =>
      importRules(operator, { format, content, dryRun: true }).catch((e: { code: string; opts: { issues: { field: string; reason: string }[] } }) => ({ code: e.code, issues: e.opts.issues }));
    expect(await refusal("version: 1\nrules: [\n")).toMatchObject({ code: "VALIDATION_FAILED", issues: [{ field: "content", reason: expect.stringMatching(/not valid YAML/) }] });
    expect(await refusal("{", "json")).toMatchObject({ issues: [{ field: "content", reason: expect.stringMatching(/not valid JSON/) }] });
    expect(await refusal(JSON.stringify({ version: 1, rules: [ruleA, { ...ruleB, name: "GOLD" }] }))).toMatchObject({ issues: [{ field: "rules.1.name" }] });
    const unknownVault = vaultArmId(subscription, "rg", "bv-missing");
    const withVault = { ...ruleA, requirement: { vault: { kind: "perRegion", vaults: [{ region: "westeurope", vaultArmId: unknownVault }] }, policy: { kind: "constraints", minRetention: "P3M" }, roleAssignment: "assign" } };
    expect(await refusal(JSON.stringify({ version: 1, rules: [withVault] }))).toMatchObject({ issues: [{ field: "rules.0.requirement.vault.vaults.0.vaultArmId" }] });
    const limited = await makeActor("OPERATOR", [subscription]);
    await expect(importRules(limited, { format: "yaml", content: "version: 1\nrules: []\n", dryRun: true })).rejects.toMatchObject({ code: "FORBIDDEN" });
  });
});
