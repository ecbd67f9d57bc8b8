import { describe, expect, it } from "vitest";
import { parseQuotaResetsAfter, ResourceGraphQuota } from "@/core/azure/policies";

describe("Resource Graph quota pacing", () => {
  it("reads resets-after as hh:mm:ss", () => {
    expect(parseQuotaResetsAfter("00:00:03")).toBe(3000);
    expect(parseQuotaResetsAfter("00:01:05")).toBe(65_000);
    expect(parseQuotaResetsAfter("00:00:04.5")).toBe(4500);
    expect(parseQuotaResetsAfter("soon")).toBeUndefined();
    expect(parseQuotaResetsAfter(undefined)).toBeUndefined();
  });

  it("sends one query to learn the window before sending others", () => {
    const quota = new ResourceGraphQuota(() => 0);
    expect(quota.reserve()).toBe(0);
    expect(quota.reserve()).toBeGreaterThan(0);
    quota.settle(14, 5000);
    expect(quota.reserve()).toBe(0);
  });

  it("waits for the reset once the remaining queries, less those in flight, are used up", () => {
    let now = 1_000;
    const quota = new ResourceGraphQuota(() => now);
    expect(quota.reserve()).toBe(0);
    quota.settle(2, 5000); // window resets at 6,000
    expect(quota.reserve()).toBe(0);
    expect(quota.reserve()).toBe(0);
    expect(quota.reserve()).toBe(5000); // two in flight use up the two remaining
    quota.settle(1, 4990);
    quota.settle(0, 4980);
    now = 3_000;
    expect(quota.reserve()).toBe(2980); // the tightest of the upper bounds the three responses gave
    now = 6_000;
    expect(quota.reserve()).toBe(0); // a new window
  });

  it("uses the earliest reset any response allows, since Azure rounds resets-after up to whole seconds", () => {
    let now = 0;
    const quota = new ResourceGraphQuota(() => now);
    quota.reserve();
    quota.settle(14, 5000); // window opened by this query: resets at 5,000 at the latest
    now = 1_700;
    quota.reserve();
    quota.settle(13, 4000); // 3.3 s left, rounded up to 4: a looser bound (5,700) that must not win
    expect(quota.resetsAt).toBe(5000);
  });

  it("keeps the lowest remaining count when responses of one window arrive out of order", () => {
    const quota = new ResourceGraphQuota(() => 0);
    quota.reserve();
    quota.reserve();
    quota.settle(3, 5000);
    quota.settle(5, 5000);
    expect(quota.remaining).toBe(3);
  });
});
