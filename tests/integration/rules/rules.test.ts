// Rules against the real database: revisions and their diffs, optimistic concurrency, soft delete, the
// save-time reference check, subscription scope, verdict counts, and the audit rows every change leaves.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Actor } from "@/core/auth/actor";
import { db, disconnectDb } from "@/core/db/client";
import { closeProducers } from "@/core/queues";
import { createRule } from "@/core/rules/create-rule";
import { deleteRule } from "@/core/rules/delete-rule";
import { getRule } from "@/core/rules/get-rule";
import { listRules } from "@/core/rules/list-rules";
import { updateRule } from "@/core/rules/update-rule";
import { buildPolicy, buildServer, buildVault, vaultArmId } from "../../factories/inventory";
import { insertPolicy, insertServer, insertVault, insertVerdict, makeActor, makeSubscription, ruleInput } from "./support";

let alice: Actor;
let bob: Actor;
let viewer: Actor;
let subscription: string;

beforeAll(async () => {
  alice = await makeActor("OPERATOR");
  bob = await makeActor("ADMIN");
  viewer = await makeActor("VIEWER");
  subscription = await makeSubscription();
});
afterAll(async () => {
  await closeProducers();
  await disconnectDb();
});

describe("saving rules", () => {
  it("creates revision 1 listing every field set, audits it and asks for an evaluation", async () => {
    const input = ruleInput(subscription);
    // A run queued by an earlier test file would be joined instead; settle it so this request must make its own.
    await db().evaluationRun.updateMany({ where: { status: "QUEUED" }, data: { status: "FAILED", error: "left queued by an earlier test file" } });
    const before = new Date();
    const created = await createRule(alice, input);
    expect(created).toMatchObject({ revision: 1, updatedBy: alice.label, rule: { name: input.name, mode: "audit", enabled: true } });

    const history = await getRule(viewer, created.id);
    expect(history.revisions).toHaveLength(1);
    expect(history.revisions[0]).toMatchObject({ revision: 1, changedBy: alice.label });
    expect(history.revisions[0]!.changes).toContainEqual({ field: "scope.subscriptions", before: null, after: [subscription] });
    expect(history.revisions[0]!.summary).toContain(`name: (none) -> ${JSON.stringify(input.name)}`);

    const audit = await db().auditEvent.findFirstOrThrow({ where: { action: "rule.create", targetId: created.id } });
    expect(audit).toMatchObject({ actorId: alice.userId, actorLabel: alice.label, before: null });
    expect(audit.after).toMatchObject({ name: input.name, order: input.order });
    expect(await db().evaluationRun.count({ where: { trigger: "rules", queuedAt: { gte: before } } })).toBe(1);
  });

  it("refuses a taken name (in any case) or order with 409, and a viewer with 403", async () => {
    const first = await createRule(alice, ruleInput(subscription));
    await expect(createRule(alice, ruleInput(subscription, { name: first.rule.name.toUpperCase() }))).rejects.toMatchObject({ code: "CONFLICT", httpStatus: 409, message: expect.stringMatching(/already exists/) });
    await expect(createRule(alice, ruleInput(subscription, { order: first.rule.order }))).rejects.toMatchObject({ code: "CONFLICT", message: expect.stringMatching(/Order .* already used by rule/) });
    await expect(createRule(viewer, ruleInput(subscription))).rejects.toMatchObject({ code: "FORBIDDEN" });
  });

  it("records each edit as a revision with a readable diff, and audits before and after", async () => {
    const created = await createRule(alice, ruleInput(subscription));
    const edited = { ...created.rule, description: "Daily backups", scope: { subscriptions: [subscription], regions: ["westeurope"] } };
    const updated = await updateRule(bob, created.id, { revision: 1, rule: edited });
    expect(updated).toMatchObject({ revision: 2, updatedBy: bob.label, rule: { description: "Daily backups" } });

    const { revisions } = await getRule(viewer, created.id);
    expect(revisions.map((r) => r.revision)).toEqual([2, 1]);
    expect(revisions[0]!.changes).toEqual([
      { field: "description", before: "Weekly backups kept three months", after: "Daily backups" },
      { field: "scope.regions", before: null, after: ["westeurope"] },
    ]);
    expect(revisions[0]!.summary).toEqual(['description: "Weekly backups kept three months" -> "Daily backups"', 'scope.regions: (none) -> ["westeurope"]']);

    const audit = await db().auditEvent.findFirstOrThrow({ where: { action: "rule.update", targetId: created.id } });
    expect(audit).toMatchObject({ actorLabel: bob.label, before: { description: "Weekly backups kept three months" }, after: { description: "Daily backups" } });

    // Saving the same definition again changes nothing and makes no revision.
    expect((await updateRule(bob, created.id, { revision: 2, rule: edited })).revision).toBe(2);
  });

  it("answers 409 naming who saved a newer revision, and when", async () => {
    const created = await createRule(alice, ruleInput(subscription));
    const saved = await updateRule(bob, created.id, { revision: 1, rule: { ...created.rule, enabled: false } });
    const stale = updateRule(alice, created.id, { revision: 1, rule: { ...created.rule, mode: "enforce" } });
    await expect(stale).rejects.toMatchObject({ code: "CONFLICT", httpStatus: 409 });
    await expect(stale).rejects.toThrow(`was changed by ${bob.label} at ${saved.updatedAt.toISOString()} (revision 2)`);
    expect((await getRule(viewer, created.id)).rule.mode).toBe("audit");
  });

  it("soft-deletes: the rule stops being listed, keeps its revisions plus one for the deletion, and frees its name", async () => {
    const created = await createRule(alice, ruleInput(subscription));
    await expect(deleteRule(alice, created.id, { revision: 7 })).rejects.toMatchObject({ code: "CONFLICT" });
    await deleteRule(alice, created.id, { revision: 1 });
    expect((await listRules(viewer)).map((r) => r.id)).not.toContain(created.id);
    const history = await getRule(viewer, created.id);
    expect(history.deletedAt).toBeInstanceOf(Date);
    expect(history.rule.name).toBe(created.rule.name);
    expect(history.revisions.map((r) => [r.revision, r.changes])).toEqual([
      [2, [{ field: "deleted", before: false, after: true }]],
      [1, expect.any(Array)],
    ]);
    expect(await db().auditEvent.count({ where: { action: "rule.delete", targetId: created.id } })).toBe(1);
    await expect(updateRule(alice, created.id, { revision: 2, rule: created.rule })).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(createRule(alice, ruleInput(subscription, { name: created.rule.name }))).resolves.toMatchObject({ revision: 1 });
  });
});

describe("the save-time reference check", () => {
  it("refuses an unknown vault or policy with a 400 naming the field, and accepts known ones", async () => {
    const vault = buildVault({ subscriptionId: subscription, name: `bv-ref-${Date.now()}` });
    const policy = buildPolicy(vault);
    await insertVault(vault);
    await insertPolicy(policy, subscription);
    const unknownVault = vaultArmId(subscription, "rg-backup", "bv-nowhere");
    const requirement = (vaultId: string, policyId: string) => ({
      vault: { kind: "perRegion", vaults: [{ region: "westeurope", vaultArmId: vaultId }] },
      policy: { kind: "explicit", policyArmIds: [policyId] },
      roleAssignment: "templateOnly",
    });
    const refused = await createRule(alice, ruleInput(subscription, { requirement: requirement(unknownVault, `${unknownVault}/backupPolicies/p1`) })).catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: "VALIDATION_FAILED", httpStatus: 400 });
    const issues = (refused as { opts: { issues: { field: string; reason: string }[] } }).opts.issues;
    expect(issues.map((i) => i.field)).toEqual(["requirement.vault.vaults.0.vaultArmId", "requirement.policy.policyArmIds.0"]);
    expect(issues[0]!.reason).toMatch(/no Backup vault with this id is in the inventory/);

    // The route answers these in the same issues list as zod's.
    const { errorResponse } = await import("@/app/api/_lib/route");
    const response = errorResponse(refused);
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { issues: unknown } }).error.issues).toEqual(issues);

    await expect(createRule(alice, ruleInput(subscription, { requirement: requirement(vault.armId.toUpperCase(), policy.armId) }))).resolves.toMatchObject({ revision: 1 });
  });
});

describe("subscription scope", () => {
  it("lets a subscription-limited operator write only rules confined to their subscriptions", async () => {
    const other = await makeSubscription();
    const limited = await makeActor("OPERATOR", [subscription]);
    await expect(createRule(limited, ruleInput(subscription, { scope: {} }))).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(createRule(limited, ruleInput(subscription, { scope: { subscriptions: [subscription, other] } }))).rejects.toMatchObject({ code: "FORBIDDEN" });
    const own = await createRule(limited, ruleInput(subscription));
    const fleetWide = await createRule(alice, ruleInput(other, { scope: { subscriptions: [other] } }));
    // Narrowing someone else's rule to one's own subscription would take it from them.
    await expect(updateRule(limited, fleetWide.id, { revision: 1, rule: { ...fleetWide.rule, scope: { subscriptions: [subscription] } } })).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(deleteRule(limited, fleetWide.id)).rejects.toMatchObject({ code: "FORBIDDEN" });
    await deleteRule(limited, own.id);
  });

  it("counts the servers each rule governs per verdict state, only in the reader's subscriptions", async () => {
    const other = await makeSubscription();
    const rule = await createRule(alice, ruleInput(subscription, { scope: { subscriptions: [subscription, other] } }));
    const mine = await Promise.all([1, 2, 3].map(() => insertServer(buildServer({ subscriptionId: subscription }))));
    const theirs = await insertServer(buildServer({ subscriptionId: other }));
    await insertVerdict(mine[0]!.id, "compliant", rule.id);
    await insertVerdict(mine[1]!.id, "unprotected", rule.id);
    await insertVerdict(mine[2]!.id, "unprotected", rule.id);
    await insertVerdict(theirs.id, "compliant", rule.id);

    const everything = (await listRules(viewer)).find((r) => r.id === rule.id)!;
    expect(everything).toMatchObject({ servers: { compliant: 2, unprotected: 2 }, serverCount: 4 });
    const limited = await makeActor("VIEWER", [subscription]);
    const scoped = (await listRules(limited)).find((r) => r.id === rule.id)!;
    expect(scoped).toMatchObject({ servers: { compliant: 1, unprotected: 2 }, serverCount: 3 });
    // Rules come in precedence order.
    const orders = (await listRules(viewer)).map((r) => r.rule.order);
    expect(orders).toEqual([...orders].sort((a, b) => a - b));
  });
});
