// The wait between granting roles and validating: learned from validations that had to be retried, from the
// midpoint of the interval each of them bounds (not its upper end, which adds the retry schedule's coarseness).
import { describe, expect, it } from "vitest";
import { PropagationEstimate } from "@/core/remediation/propagation";

describe("PropagationEstimate", () => {
  it("knows nothing until a propagation was seen", () => {
    expect(new PropagationEstimate().ms).toBeUndefined();
  });

  it("takes the midpoint of the last failed and the passing validation, plus a tenth", () => {
    const estimate = new PropagationEstimate();
    // Failed when sent 50 ms after the grant, passed when sent 1,250 ms after it: propagation took 50-1,250 ms.
    estimate.observe(50, 1_250);
    expect(estimate.ms).toBeCloseTo(715);
  });

  it("grows when an item still validated too early, and never shrinks", () => {
    const estimate = new PropagationEstimate();
    estimate.observe(50, 1_250);
    // Waited 715 ms, still too early; its retry passed at 2,000 ms.
    estimate.observe(715, 2_000);
    expect(estimate.ms).toBeCloseTo(1_493.25);
    estimate.observe(10, 300);
    expect(estimate.ms).toBeCloseTo(1_493.25);
  });

  it("reads a pass sent before the failure (clock skew) as the pass, and caps at Azure's 30 minutes", () => {
    const estimate = new PropagationEstimate();
    estimate.observe(500, 400);
    expect(estimate.ms).toBeCloseTo(440);
    estimate.observe(40 * 60_000, 50 * 60_000);
    expect(estimate.ms).toBe(30 * 60_000);
  });
});
