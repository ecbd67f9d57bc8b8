// Pacing ARM requests to the per-subscription budget the ratelimit headers report: requests wait before the
// bucket is empty (keeping a reserve), and the refill rate, which Azure does not send, is learned from the headers.
import { describe, expect, it } from "vitest";
import { ArmBudget, armOperationKind } from "@/core/azure/arm-budget";

function clock(start = 0) {
  let now = start;
  return { now: () => now, advance: (ms: number) => void (now += ms) };
}

describe("ArmBudget", () => {
  it("lets one request learn an unknown bucket before the rest go", () => {
    const budget = new ArmBudget(5, clock().now);
    expect(budget.acquire()).toBe(0);
    expect(budget.acquire()).toBeGreaterThan(0);
    budget.settle(199);
    expect(budget.acquire()).toBe(0);
  });

  it("stops sending while the remaining count, less requests in flight, would go below the reserve", () => {
    const budget = new ArmBudget(5, clock().now);
    budget.acquire();
    budget.settle(10);
    const sent = [];
    for (let i = 0; i < 10; i++) if (budget.acquire() === 0) sent.push(i);
    expect(sent).toHaveLength(5); // 10 left, 5 kept in reserve
    expect(budget.acquire()).toBeGreaterThan(0);
  });

  it("learns the refill from how the remaining count moves, and waits about as long as the refill needs", () => {
    const c = clock();
    const budget = new ArmBudget(5, c.now);
    budget.acquire();
    budget.settle(200); // a full bucket shows no refill
    for (let i = 0; i < 2; i++) {
      budget.acquire();
      budget.settle(150 - i);
    }
    expect(budget.refillPerSecond).toBeUndefined();
    c.advance(2_000);
    budget.acquire();
    // 2 s later one more request answered and 20 more tokens than before: (169 - 149 + 1) / 2 s
    budget.settle(169);
    expect(budget.refillPerSecond).toBeCloseTo(10.5, 1);
    // Drain to the reserve: the next request waits for the missing token at the learned rate.
    budget.settle(5);
    budget.inFlight = 0;
    const wait = budget.acquire();
    expect(wait).toBeGreaterThan(50);
    expect(wait).toBeLessThanOrEqual(200);
    c.advance(wait);
    expect(budget.acquire()).toBe(0);
  });

  it("counts GET and HEAD as reads, DELETE as deletes, everything else as writes", () => {
    expect(["GET", "HEAD", "DELETE", "PUT", "POST", "PATCH"].map(armOperationKind)).toEqual(["reads", "reads", "deletes", "writes", "writes", "writes"]);
  });
});
