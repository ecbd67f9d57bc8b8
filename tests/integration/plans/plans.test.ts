// Drafting and approving remediation plans from a scanned and evaluated fleet: what each server becomes, the frozen
// hash, and the approval rules (someone else, the hash they saw, edits void approvals, approvals expire).
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Actor } from "@/core/auth/actor";
import { roleAssignmentName } from "@/core/templates/role-assignment-name";
import { FLEXGUARD_PRINCIPAL, ROLE_GUID } from "../../factories/fleet";
import { loadCore, startInProcessWorker, type InProcessWorker } from "../../support/in-process-worker";
import { startOwnEmulator, type OwnEmulator } from "../../support/own-emulator";

const person = (label: string, role: Actor["role"], subscriptions: string[] | null = null): Actor => ({ kind: "user", userId: randomUUID(), label, role, subscriptions, sourceIp: null });
const operator = person("plan-operator", "OPERATOR");
const otherOperator = person("plan-operator-2", "OPERATOR");
const approver = person("plan-approver", "APPROVER");
const admin = person("plan-admin", "ADMIN");
const viewer = person("plan-viewer", "VIEWER");

const sub = randomUUID();
const otherSub = randomUUID();
const vaultPrincipal = randomUUID();
const otherVaultPrincipal = randomUUID();
const rg = (name: string) => `/subscriptions/${sub}/resourceGroups/${name}`;
const serverId = (group: string, name: string) => `${rg(group)}/providers/Microsoft.DBforPostgreSQL/flexibleServers/${name}`;
const bvWeu = `${rg("rg-backup")}/providers/Microsoft.DataProtection/backupVaults/bv-weu`;
const bvOther = `${rg("rg-backup")}/providers/Microsoft.DataProtection/backupVaults/bv-other`;
const bvNeu = `${rg("rg-backup")}/providers/Microsoft.DataProtection/backupVaults/bv-neu`;
const policy6m = `${bvWeu}/backupPolicies/pg-weekly-6m`;
const otherPolicy = `${bvOther}/backupPolicies/pg-weekly-6m`;
const S = {
  ok: serverId("rg-data", "pg-ok"),
  unprotected: serverId("rg-data", "pg-unprotected"),
  missingLtr: serverId("rg-data", "pg-missing-ltr"),
  wrongVault: serverId("rg-data", "pg-wrong-vault"),
  locked: serverId("rg-locked", "pg-locked"),
  neu: serverId("rg-neu", "pg-neu"),
  stopped: serverId("rg-data", "pg-stopped"),
};
const lockedHidden = `/subscriptions/${otherSub}/resourceGroups/rg-x/providers/Microsoft.DBforPostgreSQL/flexibleServers/pg-other-sub`;

function fleet() {
  let n = 0;
  const name = () => `00000000-0000-4000-8000-${(++n).toString().padStart(12, "0")}`;
  return {
    tenantId: randomUUID(),
    principals: [{ id: FLEXGUARD_PRINCIPAL, displayName: "Flexguard", type: "ServicePrincipal" }],
    subscriptions: [
      {
        subscriptionId: sub,
        displayName: "plans",
        resourceGroups: [
          { name: "rg-data", location: "westeurope" },
          { name: "rg-locked", location: "westeurope" },
          { name: "rg-neu", location: "northeurope" },
          { name: "rg-backup", location: "westeurope" },
        ],
      },
      { subscriptionId: otherSub, displayName: "other", resourceGroups: [{ name: "rg-x", location: "westeurope" }] },
    ],
    servers: [
      ...[S.ok, S.unprotected, S.missingLtr, S.wrongVault, S.locked].map((id) => ({ id, location: "westeurope" })),
      { id: S.stopped, location: "westeurope", state: "Stopped" },
      { id: S.neu, location: "northeurope" },
      { id: lockedHidden, location: "westeurope" },
    ],
    vaults: [
      { id: bvWeu, location: "westeurope", principalId: vaultPrincipal, storageRedundancy: "ZoneRedundant" },
      { id: bvOther, location: "westeurope", principalId: otherVaultPrincipal },
    ],
    policies: [
      { id: policy6m, retention: "P6M", schedule: "R/2024-01-07T23:00:00+00:00/P1W" },
      { id: otherPolicy, retention: "P6M", schedule: "R/2024-01-07T23:00:00+00:00/P1W" },
    ],
    backupInstances: [
      { id: `${bvWeu}/backupInstances/pg-ok-pg-ok-${randomUUID()}`, serverId: S.ok, policyId: policy6m },
      { id: `${bvWeu}/backupInstances/pg-missing-ltr-${randomUUID()}`, serverId: S.missingLtr, policyId: policy6m },
      { id: `${bvOther}/backupInstances/pg-wrong-vault-${randomUUID()}`, serverId: S.wrongVault, policyId: otherPolicy },
    ],
    roleAssignments: [
      { scope: `/subscriptions/${sub}`, principalId: FLEXGUARD_PRINCIPAL, roleDefinitionId: ROLE_GUID.reader, name: name() },
      { scope: `/subscriptions/${otherSub}`, principalId: FLEXGUARD_PRINCIPAL, roleDefinitionId: ROLE_GUID.reader, name: name() },
      // Flexguard may assign roles in rg-data and rg-neu, not in rg-locked.
      { scope: rg("rg-data"), principalId: FLEXGUARD_PRINCIPAL, roleDefinitionId: ROLE_GUID.owner, name: name() },
      { scope: rg("rg-neu"), principalId: FLEXGUARD_PRINCIPAL, roleDefinitionId: ROLE_GUID.owner, name: name() },
      { scope: `/subscriptions/${sub}/resourceGroups/rg-backup`, principalId: FLEXGUARD_PRINCIPAL, roleDefinitionId: ROLE_GUID.backupContributor, name: name() },
      // bv-weu's identity: Reader on rg-data, the LTR role on pg-ok only.
      { scope: rg("rg-data"), principalId: vaultPrincipal, roleDefinitionId: ROLE_GUID.reader, name: name() },
      { scope: S.ok, principalId: vaultPrincipal, roleDefinitionId: ROLE_GUID.ltr, name: name() },
    ],
  };
}

const ruleDefinition = {
  name: "plans-rule",
  description: "",
  enabled: true,
  mode: "enforce",
  order: 5,
  scope: { subscriptions: [sub] },
  exclusions: [],
  requirement: {
    vault: { kind: "perRegion", vaults: [{ region: "westeurope", vaultArmId: bvWeu }, { region: "northeurope", vaultArmId: bvNeu }] },
    policy: { kind: "constraints", minRetention: "P6M", maxBackupInterval: "P1W" },
    roleAssignment: "assign",
  },
};

let emulator: OwnEmulator;
let worker: InProcessWorker | undefined;
let ruleId: string;
const ids = new Map<string, string>();
const core = async () => ({
  ...(await loadCore()),
  ...(await import("@/core/remediation/draft-plan")),
  ...(await import("@/core/remediation/edit-plan")),
  ...(await import("@/core/remediation/submit-plan")),
  ...(await import("@/core/remediation/decide-plan")),
  ...(await import("@/core/remediation/delete-plan")),
  ...(await import("@/core/remediation/get-plan")),
  ...(await import("@/core/remediation/list-plans")),
  ...(await import("@/core/remediation/plan-store")),
  ...(await import("@/core/remediation/plan-types")),
});
const bySubscription = { kind: "filter" as const, filter: { subscription: sub } };

beforeAll(async () => {
  emulator = await startOwnEmulator(fleet(), { AZURE_SUBSCRIPTIONS: [sub, otherSub].join(","), PLAN_APPROVAL_VALIDITY: "PT24H" });
  const { db, requestScan, waitForScan, waitForEvaluation } = await loadCore();
  const rule = await db().protectionRule.create({ data: { name: `plans-rule-${Date.now()}`, order: 5, mode: "enforce", definition: ruleDefinition, updatedBy: "test" } });
  ruleId = rule.id;
  worker = await startInProcessWorker({ evaluate: true });
  const { scanId } = await requestScan({ trigger: "test" });
  expect((await waitForScan(scanId, { timeoutMs: 60_000 })).status).toBe("SUCCEEDED");
  // The scan queues an evaluation of its own.
  const since = new Date(Date.now() - 60_000);
  let run = null;
  for (const deadline = Date.now() + 20_000; !run && Date.now() < deadline; await new Promise((r) => setTimeout(r, 200)))
    run = await db().evaluationRun.findFirst({ where: { trigger: "scan", queuedAt: { gte: since } }, orderBy: { queuedAt: "desc" } });
  if (!run) throw new Error("the scan queued no evaluation");
  expect((await waitForEvaluation(run.id, { timeoutMs: 60_000 })).status).toBe("SUCCEEDED");
  for (const row of await db().server.findMany({ where: { subscriptionId: { in: [sub, otherSub] } }, select: { id: true, armIdKey: true } })) ids.set(row.armIdKey, row.id);
});

afterAll(async () => {
  const { db } = await loadCore();
  await db().protectionRule.update({ where: { id: ruleId }, data: { deletedAt: new Date() } });
  await worker?.stop();
  await emulator?.close();
});

const idOf = (armId: string) => ids.get(armId.toLowerCase())!;

describe("drafting a plan from the verdicts", () => {
  it("turns each non-compliant server of an enforce-mode rule into the item its verdict calls for", async () => {
    const { draftPlan, db, planActionSchema, storedContentHash, parseOptions } = await core();
    const drafted = await draftPlan(operator, { name: "weu and neu", selection: bySubscription, options: { createVaultsIn: ["North Europe"] } });
    expect(drafted).toMatchObject({ status: "DRAFT", revision: 1, kinds: { createVault: 1, createPolicy: 1, protectServer: 2, assignRoles: 1, needsTemplate: 1, needsDecision: 2 } });
    const items = await db().remediationItem.findMany({ where: { planId: drafted.id }, orderBy: { seq: "asc" } });
    const actions = items.map((i) => ({ ...i, action: planActionSchema.parse(i.action) }));
    const byServer = (armId: string) => actions.find((i) => i.serverId === idOf(armId))!;

    // Creation items come first; the protect item in the new vault depends on both.
    expect(actions.map((i) => i.kind).slice(0, 2)).toEqual(["createVault", "createPolicy"]);
    const [vault, policy] = actions;
    expect(vault!.action).toMatchObject({ kind: "createVault", subscriptionId: sub, resourceGroup: "rg-backup", name: "bv-neu", location: "northeurope", storageType: "ZoneRedundant" });
    expect(policy!.action).toMatchObject({ kind: "createPolicy", policyName: "flexguard-pgflex-p1w-p6m", backupInterval: "P1W", retention: "P6M", vault: { name: "bv-neu", fromItem: vault!.seq } });
    expect(policy!.dependsOn).toEqual([vault!.seq]);
    const neu = byServer(S.neu);
    expect(neu).toMatchObject({ kind: "protectServer", status: "PENDING", dependsOn: [vault!.seq, policy!.seq] });
    expect(neu.action).toMatchObject({ vault: { fromItem: vault!.seq, principalId: null }, policy: { fromItem: policy!.seq, name: "flexguard-pgflex-p1w-p6m" } });

    // Unprotected in bv-weu, missing the LTR role Flexguard may assign: protect with that role, named as the templates name it.
    const unprotected = byServer(S.unprotected);
    expect(unprotected.kind).toBe("protectServer");
    const protect = unprotected.action as Extract<typeof unprotected.action, { kind: "protectServer" }>;
    expect(protect.vault).toMatchObject({ armId: bvWeu, principalId: vaultPrincipal, fromItem: null });
    expect(protect.policy).toMatchObject({ armId: policy6m, fromItem: null });
    expect(protect.rolesToAssign).toEqual([
      { roleDefinitionGuid: ROLE_GUID.ltr, roleName: expect.stringMatching(/Long Term Retention/), scope: S.unprotected, assignmentName: roleAssignmentName({ scope: S.unprotected, principalId: vaultPrincipal, subscriptionId: sub, roleDefinitionGuid: ROLE_GUID.ltr }) },
    ]);
    expect(protect.backupInstanceName).toMatch(/^pg-unprotected-pg-unprotected-[0-9a-f-]{36}$/);
    expect(protect.firstBackup).toBe(true);
    expect(unprotected.before).toMatchObject({ verdictState: "unprotected", backupInstanceArmId: null, rolesHeld: [`${ROLE_GUID.reader}@${rg("rg-data").toLowerCase()}`] });
    expect(unprotected.after).toMatchObject({ verdictState: "compliant", backupVaultArmId: bvWeu, protectionState: "ProtectionConfigured" });

    expect(byServer(S.missingLtr)).toMatchObject({ kind: "assignRoles", status: "PENDING" });
    expect(byServer(S.locked)).toMatchObject({ kind: "needsTemplate", status: "NEEDS_ACTION" });
    expect((byServer(S.locked).action as { reason: string }).reason).toMatch(/may not assign/);
    const wrong = byServer(S.wrongVault);
    expect(wrong).toMatchObject({ kind: "needsDecision", status: "NEEDS_ACTION" });
    expect(wrong.action).toMatchObject({ currentBackupInstanceArmId: expect.stringContaining("bv-other"), targetVault: { armId: bvWeu } });
    expect(byServer(S.stopped)).toMatchObject({ kind: "needsDecision" });
    expect(actions.some((i) => i.serverId === idOf(S.ok))).toBe(false);

    // The stored hash is the hash of what is stored.
    const plan = await db().remediationPlan.findUniqueOrThrow({ where: { id: drafted.id } });
    expect((await storedContentHash(db(), plan.id, parseOptions(plan))).hash).toBe(plan.contentHash);
    expect(plan.estimateSeconds).toBeGreaterThan(0);
    expect(await db().auditEvent.count({ where: { action: "plan.draft", targetId: drafted.id } })).toBe(1);

    // The same verdicts drafted again give the same content.
    const again = await draftPlan(operator, { selection: bySubscription, options: { createVaultsIn: ["northeurope"] } });
    expect(again.contentHash).toBe(drafted.contentHash);
  });

  it("leaves out regions without a vault unless the operator chose to create one, and says so", async () => {
    const { buildPlanContent, resolveOptions } = { ...(await core()), ...(await import("@/core/remediation/schemas")) };
    const content = await buildPlanContent(operator, { selection: bySubscription, options: resolveOptions({}), vaultStorageType: null });
    expect(content.kinds.createVault).toBeUndefined();
    expect(content.skipped).toMatchObject({ "no vault in region northeurope (choose to create one)": 1 });
    expect(content.regionsWithoutVault).toEqual([{ region: "northeurope", servers: 1, creatable: true, planned: false }]);
  });

  it("drafts hand-picked servers only within the actor's subscriptions, and refuses viewers and approvers", async () => {
    const { draftPlan, getPlan } = await core();
    const scoped = person("scoped-op", "OPERATOR", [otherSub]);
    await expect(draftPlan(scoped, { selection: { kind: "servers", serverIds: [idOf(S.unprotected)] } })).rejects.toMatchObject({ code: "CONFLICT" });
    const picked = await draftPlan(operator, { selection: { kind: "servers", serverIds: [idOf(S.unprotected), idOf(S.ok)] }, options: { firstBackup: false } });
    expect(picked.kinds).toEqual({ protectServer: 1 });
    expect(picked.skipped).toEqual({ "compliant, not judged yet, not found or outside your subscriptions": 1 });
    // A plan touching another subscription is not there for the scoped operator.
    await expect(getPlan(scoped, picked.id)).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(draftPlan(viewer, { selection: bySubscription })).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(draftPlan(approver, { selection: bySubscription })).rejects.toMatchObject({ code: "FORBIDDEN" });
  });
});

describe("approving a plan", () => {
  it("needs someone else, with the approver role, who saw the current hash", async () => {
    const { draftPlan, submitPlan, decidePlan, db, approvalState, getPlan } = await core();
    const plan = await draftPlan(operator, { selection: bySubscription });
    await expect(decidePlan(approver, plan.id, "approve", { contentHash: plan.contentHash, comment: "ok" })).rejects.toMatchObject({ code: "CONFLICT" }); // not submitted yet
    await submitPlan(operator, plan.id);
    // The author may not approve, even as an admin-like approver; an operator lacks the role.
    const selfApprover: Actor = { ...admin, userId: operator.userId, label: operator.label };
    await expect(decidePlan(selfApprover, plan.id, "approve", { contentHash: plan.contentHash, comment: "mine" })).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(decidePlan(otherOperator, plan.id, "approve", { contentHash: plan.contentHash, comment: "x" })).rejects.toMatchObject({ code: "FORBIDDEN" });
    expect((await getPlan(operator, plan.id)).can).toMatchObject({ approve: false, approveRefusal: expect.stringMatching(/role|drafted/) });
    // A hash the plan no longer has.
    await expect(decidePlan(approver, plan.id, "approve", { contentHash: "0".repeat(64), comment: "looks fine" })).rejects.toMatchObject({ code: "CONFLICT" });
    await expect(decidePlan(approver, plan.id, "approve", { contentHash: plan.contentHash, comment: "" })).rejects.toThrow(/comment/);

    const before = Date.now();
    const decision = await decidePlan(approver, plan.id, "approve", { contentHash: plan.contentHash, comment: "Reviewed the 7 items" });
    expect(decision).toMatchObject({ status: "APPROVED", approvedHash: plan.contentHash, decidedBy: approver.label });
    const expiresIn = decision.approvalExpiresAt!.getTime() - before;
    expect(expiresIn).toBeGreaterThan(24 * 3600_000 - 60_000);
    expect(expiresIn).toBeLessThanOrEqual(24 * 3600_000 + 60_000);
    const row = await db().remediationPlan.findUniqueOrThrow({ where: { id: plan.id } });
    expect(approvalState(row)).toEqual({ ok: true });
    // Expired a day later.
    expect(approvalState(row, new Date(Date.now() + 25 * 3600_000))).toMatchObject({ ok: false, reason: expect.stringMatching(/expired/) });
    expect(await db().auditEvent.findMany({ where: { targetId: plan.id }, orderBy: { id: "asc" }, select: { action: true } })).toEqual([
      { action: "plan.draft" },
      { action: "plan.submit" },
      { action: "plan.approve" },
    ]);
  });

  it("is voided by an edit, which bumps the revision and the hash; whoever edits may not approve", async () => {
    const { draftPlan, submitPlan, decidePlan, editPlan, db, approvalState, storedContentHash, parseOptions } = await core();
    const plan = await draftPlan(operator, { selection: bySubscription, options: { createVaultsIn: ["northeurope"] } });
    await submitPlan(operator, plan.id);
    await decidePlan(approver, plan.id, "approve", { contentHash: plan.contentHash, comment: "fine" });
    const items = await db().remediationItem.findMany({ where: { planId: plan.id }, orderBy: { seq: "asc" } });
    const assign = items.find((i) => i.kind === "assignRoles")!;
    const createVault = items.find((i) => i.kind === "createVault")!;

    // A stale revision is refused; removing an item others depend on is refused.
    await expect(editPlan(operator, plan.id, { revision: 5, removeItems: [assign.seq] })).rejects.toMatchObject({ code: "CONFLICT" });
    await expect(editPlan(operator, plan.id, { revision: 1, removeItems: [createVault.seq] })).rejects.toThrow(/depend on/);

    const edited = await editPlan(otherOperator, plan.id, { revision: 1, removeItems: [assign.seq], options: { canarySize: 1 } });
    expect(edited).toMatchObject({ revision: 2, status: "DRAFT", approvalVoided: true, removed: 1, itemCount: items.length - 1 });
    expect(edited.contentHash).not.toBe(plan.contentHash);
    const row = await db().remediationPlan.findUniqueOrThrow({ where: { id: plan.id } });
    expect(row).toMatchObject({ approvedHash: null, approvalExpiresAt: null, decidedBy: null });
    expect(approvalState(row)).toMatchObject({ ok: false });
    expect((await storedContentHash(db(), plan.id, parseOptions(row))).hash).toBe(row.contentHash);
    expect(await db().remediationItem.count({ where: { planId: plan.id, canary: true } })).toBe(1);

    // Changing the regions to create vaults in re-drafts, leaving the removed server out.
    const redrafted = await editPlan(operator, plan.id, { revision: 2, options: { createVaultsIn: [] } });
    const kinds = (await db().remediationItem.findMany({ where: { planId: plan.id }, select: { kind: true, serverId: true } }));
    expect(kinds.some((k) => k.kind === "createVault")).toBe(false);
    expect(kinds.some((k) => k.serverId === assign.serverId)).toBe(false);
    expect(redrafted.revision).toBe(3);

    await submitPlan(operator, plan.id);
    // The second operator edited the plan: as an admin they still may not approve it.
    const editorAsAdmin: Actor = { ...admin, userId: otherOperator.userId, label: otherOperator.label };
    await expect(decidePlan(editorAsAdmin, plan.id, "approve", { contentHash: redrafted.contentHash, comment: "x" })).rejects.toMatchObject({ code: "FORBIDDEN" });
    const rejected = await decidePlan(admin, plan.id, "reject", { contentHash: redrafted.contentHash, comment: "Not this week" });
    expect(rejected).toMatchObject({ status: "REJECTED", approvedHash: null, decisionComment: "Not this week" });
  });

  it("lists plans by status, shows the diff, and deletes only drafts and rejected plans", async () => {
    const { draftPlan, submitPlan, deletePlan, listPlans, getPlan, decidePlan } = await core();
    const draft = await draftPlan(operator, { selection: bySubscription });
    const detail = await getPlan(approver, draft.id, { kind: "protectServer" });
    expect(detail.items.total).toBe(1);
    expect(detail.items.rows[0]!.diff.map((d) => d.field)).toEqual(expect.arrayContaining(["verdict", "vault", "policy", "backup instance", "protection", "role"]));
    expect(detail.liveCounts.statuses).toMatchObject({ PENDING: expect.any(Number), NEEDS_ACTION: 3 });
    expect(detail.can).toMatchObject({ approve: false, edit: false });
    const awaiting = await draftPlan(operator, { selection: bySubscription });
    await submitPlan(operator, awaiting.id);
    const list = await listPlans(viewer, { status: "awaiting_approval" });
    expect(list.items.every((p) => p.status === "AWAITING_APPROVAL")).toBe(true);
    expect(list.items.map((p) => p.id)).toContain(awaiting.id);
    expect(list.statusCounts.DRAFT).toBeGreaterThan(0);
    await decidePlan(approver, awaiting.id, "approve", { contentHash: awaiting.contentHash, comment: "ok" });
    await expect(deletePlan(operator, awaiting.id)).rejects.toMatchObject({ code: "CONFLICT" });
    await deletePlan(operator, draft.id);
    await expect(getPlan(operator, draft.id)).rejects.toMatchObject({ code: "NOT_FOUND" });
  });
});
