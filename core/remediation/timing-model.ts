// How long a plan takes: the one place that holds the numbers (ARM write budgets, long-running operation
// durations) and the model that turns a plan's items and options into an estimate. Planning shows the estimate;
// the executor and the remediate-5k benchmark may use the same numbers and the same function for their bound.
//
// The model (a bound, not a simulation): the run lasts at least as long as the slowest of
//   1. the critical path: the longest chain of an item and the items it depends on (createVault, createPolicy);
//   2. the global concurrency: the sum of item durations / options.concurrency;
//   3. per vault: the sum of item durations in the busiest vault / options.perVaultConcurrency;
//   4. per subscription, the ARM write budget: writes beyond the bucket / refill rate, for the busiest subscription
//      (ARM limits each subscription and principal on its own, so subscriptions proceed in parallel).
// With a canary (options.canarySize > 0) the canary items run first and alone, so their bound is added to the
// rest's. An item is assumed to hold its concurrency slot for its whole duration; an item that assigns roles waits
// for RBAC propagation before validateForBackup succeeds. Reads (status polls) are not modelled: their bucket is
// larger and refills faster than the write bucket. Validation retries during propagation cost extra writes that
// the model does not count; in practice they are a handful per item.
import type { PlanAction, PlanOptions } from "./plan-types";

/**
 * ARM's per-subscription, per-principal token buckets (CONTRACT.md §6; the emulator applies the same): a bucket of
 * this many requests, refilled at this many per second.
 */
export const ARM_WRITE_BUDGET = { bucket: 200, refillPerSecond: 10 } as const;
export const ARM_READ_BUDGET = { bucket: 250, refillPerSecond: 25 } as const;

/**
 * Durations of the long-running operations, in seconds, as the emulator's defaults (docs/emulator.md,
 * emulator/store/store.ts DEFAULT_TIMINGS; a unit test keeps them equal). Azure documents no durations for these
 * operations; the emulator's figures are typical of what the portal shows.
 */
export const OPERATION_SECONDS = {
  /** From a new role assignment to validateForBackup seeing it (Azure: up to 30 minutes, usually 10 to 15). */
  rbacPropagation: 300,
  validateForBackup: 20,
  configureProtection: 60,
  backupJob: 600,
  /** Synchronous or near-instant operations: role assignment PUT, policy PUT, vault PUT (its LRO ends at once). */
  instant: 0,
} as const;

/** Write requests each operation spends from the subscription's write bucket. */
export const WRITES = { roleAssignment: 1, validateForBackup: 1, createBackupInstance: 1, adhocBackup: 1, createPolicy: 1, createVault: 1 } as const;

export interface TimingModel {
  writeBudget: { bucket: number; refillPerSecond: number };
  seconds: { rbacPropagation: number; validateForBackup: number; configureProtection: number; backupJob: number; instant: number };
  /** Emulated time runs this many times faster than the wall clock (the emulator's --time-factor); 1 for Azure. */
  timeFactor: number;
}

export const DEFAULT_TIMING_MODEL: TimingModel = { writeBudget: ARM_WRITE_BUDGET, seconds: OPERATION_SECONDS, timeFactor: 1 };

/** What the model needs of an item. */
export interface TimedItem {
  seq: number;
  action: PlanAction;
  dependsOn: readonly number[];
  canary: boolean;
}

/** The seconds one item takes and the writes it spends, on its own. */
export function itemCost(action: PlanAction, model: TimingModel = DEFAULT_TIMING_MODEL): { seconds: number; writes: number; subscriptionId: string | null; vaultKey: string | null } {
  const s = model.seconds;
  switch (action.kind) {
    case "protectServer": {
      const roles = action.rolesToAssign.length;
      const seconds = (roles > 0 ? s.rbacPropagation : 0) + s.validateForBackup + s.configureProtection + (action.firstBackup ? s.backupJob : 0);
      const writes = roles * WRITES.roleAssignment + WRITES.validateForBackup + WRITES.createBackupInstance + (action.firstBackup ? WRITES.adhocBackup : 0);
      return { seconds, writes, subscriptionId: action.server.subscriptionId, vaultKey: action.vault.armId.toLowerCase() };
    }
    case "assignRoles":
      return { seconds: s.instant, writes: action.rolesToAssign.length * WRITES.roleAssignment, subscriptionId: action.server.subscriptionId, vaultKey: action.vault.armId.toLowerCase() };
    case "createPolicy":
      return { seconds: s.instant, writes: WRITES.createPolicy, subscriptionId: action.vault.subscriptionId, vaultKey: action.vault.armId.toLowerCase() };
    case "createVault":
      return { seconds: s.instant, writes: WRITES.createVault, subscriptionId: action.subscriptionId, vaultKey: null };
    case "needsTemplate":
    case "needsDecision":
      return { seconds: 0, writes: 0, subscriptionId: null, vaultKey: null };
  }
}

export interface PlanEstimate {
  /** The estimate in wall-clock seconds (emulated seconds divided by the time factor). */
  seconds: number;
  /** Which limit sets it, for people: "critical path", "concurrency", "per-vault concurrency", "write budget". */
  boundBy: string;
  parts: { criticalPath: number; concurrency: number; perVault: number; writeBudget: number; canary: number };
  /** Writes per subscription, the busiest first (at most 10). */
  busiestSubscriptions: { subscriptionId: string; writes: number }[];
}

/** The estimate of a plan's duration under the model (see the file comment). */
export function estimatePlanDuration(items: readonly TimedItem[], options: Pick<PlanOptions, "concurrency" | "perVaultConcurrency">, model: TimingModel = DEFAULT_TIMING_MODEL): PlanEstimate {
  const costs = new Map<number, ReturnType<typeof itemCost>>();
  for (const item of items) costs.set(item.seq, itemCost(item.action, model));
  // Chain lengths through dependencies (createVault -> createPolicy -> protect), memoised by seq.
  const chain = new Map<number, number>();
  const bySeq = new Map(items.map((i) => [i.seq, i]));
  const chainOf = (seq: number, depth = 0): number => {
    const known = chain.get(seq);
    if (known !== undefined) return known;
    const item = bySeq.get(seq);
    if (!item || depth > 10) return 0;
    const own = costs.get(seq)!.seconds;
    const longest = item.dependsOn.reduce((max, dep) => Math.max(max, chainOf(dep, depth + 1)), 0);
    chain.set(seq, own + longest);
    return own + longest;
  };

  const phase = (group: readonly TimedItem[]) => {
    let total = 0;
    let critical = 0;
    const vaults = new Map<string, number>();
    const writes = new Map<string, number>();
    for (const item of group) {
      const cost = costs.get(item.seq)!;
      total += cost.seconds;
      critical = Math.max(critical, chainOf(item.seq));
      if (cost.vaultKey) vaults.set(cost.vaultKey, (vaults.get(cost.vaultKey) ?? 0) + cost.seconds);
      if (cost.subscriptionId) writes.set(cost.subscriptionId, (writes.get(cost.subscriptionId) ?? 0) + cost.writes);
    }
    const perVault = Math.max(0, ...vaults.values()) / options.perVaultConcurrency;
    const maxWrites = Math.max(0, ...writes.values());
    const writeBudget = Math.max(0, maxWrites - model.writeBudget.bucket) / model.writeBudget.refillPerSecond;
    return { critical, concurrency: total / options.concurrency, perVault, writeBudget, writes };
  };

  const canaryItems = items.filter((i) => i.canary);
  const rest = phase(items.filter((i) => !i.canary));
  const canary = canaryItems.length ? phase(canaryItems) : null;
  const canarySeconds = canary ? Math.max(canary.critical, canary.concurrency, canary.perVault, canary.writeBudget) / model.timeFactor : 0;
  const parts = {
    criticalPath: rest.critical / model.timeFactor,
    concurrency: rest.concurrency / model.timeFactor,
    perVault: rest.perVault / model.timeFactor,
    // The write budget refills in wall-clock time, whatever the emulator's time factor.
    writeBudget: rest.writeBudget,
    canary: canarySeconds,
  };
  const named: [string, number][] = [
    ["critical path", parts.criticalPath],
    ["concurrency", parts.concurrency],
    ["per-vault concurrency", parts.perVault],
    ["write budget", parts.writeBudget],
  ];
  const [boundBy, longest] = named.reduce((a, b) => (b[1] > a[1] ? b : a));
  const allWrites = new Map(rest.writes);
  for (const [sub, n] of canary?.writes ?? []) allWrites.set(sub, (allWrites.get(sub) ?? 0) + n);
  return {
    seconds: Math.ceil(longest + canarySeconds),
    boundBy,
    parts,
    busiestSubscriptions: [...allWrites.entries()]
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .slice(0, 10)
      .map(([subscriptionId, writes]) => ({ subscriptionId, writes })),
  };
}
