// The duration model: its numbers are the emulator's defaults, and the estimate follows the limit that binds.
import { describe, expect, it } from "vitest";
import { DEFAULT_TIMINGS } from "@/emulator/store/store";
import { OPERATION_SECONDS, estimatePlanDuration, type TimedItem } from "@/core/remediation/timing-model";
import type { PlanAction } from "@/core/remediation/plan-types";

const sub = (n: number) => `00000000-0000-4000-8000-${n.toString().padStart(12, "0")}`;
const protect = (seq: number, subscription: string, vault: string, roles: number, firstBackup = true): TimedItem => ({
  seq,
  dependsOn: [],
  canary: false,
  action: {
    kind: "protectServer",
    server: { id: sub(seq), armId: `/subscriptions/${subscription}/s/${seq}`, name: `s${seq}`, subscriptionId: subscription, resourceGroup: "rg", location: "westeurope" },
    vault: { armId: `/subscriptions/${subscription}/${vault}`, name: vault, subscriptionId: subscription, resourceGroup: "rg", location: "westeurope", principalId: null, fromItem: null },
    policy: { armId: "/subscriptions/x/p", name: "p", fromItem: null },
    rolesToAssign: Array.from({ length: roles }, () => ({ roleDefinitionGuid: sub(1), roleName: "r", scope: "/subscriptions/x", assignmentName: sub(2) })),
    backupInstanceName: `s${seq}`,
    firstBackup,
    ruleId: null,
    ruleRevision: null,
  } as PlanAction,
});

describe("timing model", () => {
  it("uses the emulator's default operation durations", () => {
    expect(OPERATION_SECONDS.rbacPropagation * 1000).toBe(DEFAULT_TIMINGS.rbacPropagationMs);
    expect(OPERATION_SECONDS.validateForBackup * 1000).toBe(DEFAULT_TIMINGS.validateMs);
    expect(OPERATION_SECONDS.configureProtection * 1000).toBe(DEFAULT_TIMINGS.configureProtectionMs);
    expect(OPERATION_SECONDS.backupJob * 1000).toBe(DEFAULT_TIMINGS.backupJobMs);
  });

  it("is one item's chain when concurrency is ample: propagation, validation, protection, first backup", () => {
    const estimate = estimatePlanDuration([protect(1, sub(10), "v1", 2)], { concurrency: 50, perVaultConcurrency: 10 });
    expect(estimate).toMatchObject({ seconds: 300 + 20 + 60 + 600, boundBy: "critical path" });
    expect(estimatePlanDuration([protect(1, sub(10), "v1", 0, false)], { concurrency: 50, perVaultConcurrency: 10 }).seconds).toBe(80);
  });

  it("is bound by concurrency, per-vault concurrency or the subscription's write budget, whichever is slowest", () => {
    const many = Array.from({ length: 100 }, (_, i) => protect(i + 1, sub(10 + (i % 10)), `v${i % 10}`, 0, false));
    expect(estimatePlanDuration(many, { concurrency: 10, perVaultConcurrency: 10 })).toMatchObject({ seconds: 800, boundBy: "concurrency" });
    const oneVault = many.map((m) => ({ ...m, action: { ...m.action, vault: { ...(m.action as Extract<PlanAction, { kind: "protectServer" }>).vault, armId: "/subscriptions/x/one" } } as PlanAction }));
    expect(estimatePlanDuration(oneVault, { concurrency: 500, perVaultConcurrency: 5 })).toMatchObject({ seconds: 1600, boundBy: "per-vault concurrency" });
    // 1,500 items in one subscription, 4 writes each: 6,000 writes, 200 from the bucket, the rest at 10 a second.
    const busy = Array.from({ length: 1500 }, (_, i) => protect(i + 1, sub(99), `v${i % 200}`, 2, false));
    const estimate = estimatePlanDuration(busy, { concurrency: 5000, perVaultConcurrency: 100 });
    expect(estimate).toMatchObject({ seconds: 580, boundBy: "write budget", busiestSubscriptions: [{ subscriptionId: sub(99), writes: 6000 }] });
  });

  it("adds the canary, which runs alone first, and scales emulated durations by the time factor", () => {
    const items = [{ ...protect(1, sub(10), "v1", 0), canary: true }, protect(2, sub(10), "v1", 0)];
    expect(estimatePlanDuration(items, { concurrency: 50, perVaultConcurrency: 10 }).seconds).toBe(2 * 680);
    const model = { writeBudget: { bucket: 200, refillPerSecond: 10 }, seconds: OPERATION_SECONDS, timeFactor: 10 };
    expect(estimatePlanDuration([protect(1, sub(10), "v1", 0)], { concurrency: 50, perVaultConcurrency: 10 }, model).seconds).toBe(68);
  });
});
