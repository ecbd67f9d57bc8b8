// Exemptions against the real database: the configured maximum validity, who asked and who granted, scope,
// expiry listing, revocation, and the audit rows and evaluation requests each change leaves.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Actor } from "@/core/auth/actor";
import { db, disconnectDb } from "@/core/db/client";
import { createExemption } from "@/core/exemptions/create-exemption";
import { listExemptions } from "@/core/exemptions/list-exemptions";
import { revokeExemption } from "@/core/exemptions/revoke-exemption";
import { closeProducers } from "@/core/queues";
import { createRule } from "@/core/rules/create-rule";
import { makeActor, makeSubscription, ruleInput } from "./support";

const DAY = 86_400_000;
const inDays = (days: number) => new Date(Date.now() + days * DAY).toISOString();

let operator: Actor;
let subscription: string;
const exemptionInput = (overrides: Record<string, unknown> = {}) => ({
  target: { kind: "subscription" as const, subscriptionId: subscription },
  ruleId: null,
  category: "waiver" as const,
  justification: "Server is being decommissioned",
  expiresAt: inDays(30),
  ...overrides,
});

beforeAll(async () => {
  operator = await makeActor("OPERATOR");
  subscription = await makeSubscription();
});
afterAll(async () => {
  await closeProducers();
  await disconnectDb();
});

describe("granting exemptions", () => {
  it("records the granting user, defaults the requester to them, audits it and asks for an evaluation", async () => {
    const created = await createExemption(operator, exemptionInput());
    expect(created).toMatchObject({ status: "active", grantedBy: operator.label, requestedBy: operator.label, ruleId: null });
    const row = await db().exemption.findUniqueOrThrow({ where: { id: created.id } });
    expect(row).toMatchObject({ grantedBy: operator.label, category: "waiver", revokedAt: null });
    const audit = await db().auditEvent.findFirstOrThrow({ where: { action: "exemption.create", targetId: created.id } });
    expect(audit.after).toMatchObject({ justification: "Server is being decommissioned", grantedBy: operator.label });
    // An evaluation is queued (a new one, or one already queued that this change joined: debounced).
    expect(await db().evaluationRun.count({ where: { status: "QUEUED" } })).toBeGreaterThan(0);

    const onBehalf = await createExemption(operator, exemptionInput({ requestedBy: "dba-team@example.com" }));
    expect(onBehalf).toMatchObject({ requestedBy: "dba-team@example.com", grantedBy: operator.label });
  });

  it("refuses an expiry beyond the configured maximum (P1Y) or in the past, a claimed grantor and an unknown rule", async () => {
    const issuesOf = (input: Record<string, unknown>) =>
      createExemption(operator, exemptionInput(input) as never).catch((e: { issues?: { path: unknown[]; message: string }[]; opts?: { issues: { field: string }[] } }) =>
        e.issues ? e.issues.map((i) => ({ field: i.path.join("."), reason: i.message })) : e.opts!.issues,
      );
    expect(await issuesOf({ expiresAt: inDays(366) })).toEqual([{ field: "expiresAt", reason: expect.stringMatching(/at most P1Y ahead/) }]);
    expect(await issuesOf({ expiresAt: inDays(-1) })).toEqual([{ field: "expiresAt", reason: "expiresAt must lie in the future" }]);
    expect(await issuesOf({ justification: " " })).toEqual([{ field: "justification", reason: expect.stringMatching(/justification is required/) }]);
    expect(await issuesOf({ grantedBy: "someone-else" })).toEqual([{ field: "grantedBy", reason: expect.stringMatching(/set by Flexguard/) }]);
    expect(await issuesOf({ ruleId: "6b1c0f7e-0000-4000-8000-000000000000" })).toEqual([{ field: "ruleId", reason: expect.stringMatching(/no rule with this id/) }]);
    const rule = await createRule(operator, ruleInput(subscription));
    await expect(createExemption(operator, exemptionInput({ ruleId: rule.id, expiresAt: inDays(364) }))).resolves.toMatchObject({ ruleId: rule.id });
  });

  it("keeps subscription-limited users to their own subscriptions, and viewers out", async () => {
    const other = await makeSubscription();
    const limited = await makeActor("OPERATOR", [subscription]);
    await expect(createExemption(limited, exemptionInput({ target: { kind: "subscription", subscriptionId: other } }))).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(createExemption(limited, exemptionInput({ target: { kind: "tag", key: "env" } }))).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(createExemption(limited, exemptionInput({ target: { kind: "resourceGroup", subscriptionId: subscription, resourceGroup: "rg-data" } }))).resolves.toMatchObject({ status: "active" });
    await expect(createExemption(await makeActor("VIEWER"), exemptionInput())).rejects.toMatchObject({ code: "FORBIDDEN" });
    const elsewhere = await createExemption(operator, exemptionInput({ target: { kind: "subscription", subscriptionId: other } }));
    await expect(revokeExemption(limited, elsewhere.id)).rejects.toMatchObject({ code: "NOT_FOUND" });
    expect((await listExemptions(limited, { status: "all" })).items.map((e) => e.id)).not.toContain(elsewhere.id);
  });
});

describe("listing and revoking exemptions", () => {
  it("lists active, expiring-soon and expired exemptions, and revocation takes one out of force", async () => {
    const mine = await makeSubscription();
    const reader = await makeActor("VIEWER", [mine]);
    const target = { kind: "subscription", subscriptionId: mine };
    const soon = await createExemption(operator, exemptionInput({ target, expiresAt: inDays(5) }));
    const later = await createExemption(operator, exemptionInput({ target, expiresAt: inDays(200) }));
    // Past expiries cannot be granted, so age one in the database.
    const lapsed = await createExemption(operator, exemptionInput({ target, expiresAt: inDays(1) }));
    const stored = await db().exemption.findUniqueOrThrow({ where: { id: lapsed.id } });
    const past = new Date(Date.now() - 2 * DAY);
    await db().exemption.update({ where: { id: lapsed.id }, data: { expiresAt: past, definition: { ...(stored.definition as object), expiresAt: past.toISOString() } } });

    const ids = async (status: "active" | "expiring" | "expired" | "revoked", withinDays?: number) =>
      (await listExemptions(reader, { status, withinDays })).items.map((e) => e.id);
    expect(await ids("active")).toEqual([soon.id, later.id]);
    expect(await ids("expiring", 10)).toEqual([soon.id]);
    expect(await ids("expiring", 365)).toEqual([soon.id, later.id]);
    expect(await ids("expired")).toEqual([lapsed.id]);
    expect((await listExemptions(reader, { withinDays: 10 })).counts).toEqual({ active: 2, expiring: 1, expired: 1, revoked: 0 });

    await revokeExemption(operator, soon.id);
    await revokeExemption(operator, soon.id); // twice is harmless
    expect(await ids("active")).toEqual([later.id]);
    expect(await ids("revoked")).toEqual([soon.id]);
    expect(await db().auditEvent.count({ where: { action: "exemption.revoke", targetId: soon.id } })).toBe(1);
    await expect(revokeExemption(operator, "6b1c0f7e-0000-4000-8000-000000000001")).rejects.toMatchObject({ code: "NOT_FOUND" });
  });
});
