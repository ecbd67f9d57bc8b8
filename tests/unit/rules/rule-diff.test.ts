import { describe, expect, it } from "vitest";
import { describeChange, diffRules, sameValue } from "@/core/rules/rule-diff";
import { buildRule } from "./builders";

describe("rule diffs", () => {
  it("lists nothing for the same rule, whatever the key order (jsonb reorders stored keys)", () => {
    const { id: _id, revision: _revision, ...rule } = buildRule();
    const reordered = JSON.parse(JSON.stringify(Object.fromEntries(Object.entries(rule).reverse()))) as object;
    expect(diffRules(rule, reordered)).toEqual([]);
    expect(sameValue({ a: 1, b: [1, { c: 2, d: 3 }] }, { b: [1, { d: 3, c: 2 }], a: 1 })).toBe(true);
  });

  it("names each changed field by its path, sorted, with before and after; null for absent", () => {
    const before = buildRule({ name: "gold", scope: { regions: ["westeurope"] } });
    const after = { ...before, mode: "enforce", scope: { regions: ["westeurope", "northeurope"], postgresVersions: ["16"] } };
    expect(diffRules(before, after)).toEqual([
      { field: "mode", before: "audit", after: "enforce" },
      { field: "scope.postgresVersions", before: null, after: ["16"] },
      { field: "scope.regions", before: ["westeurope"], after: ["westeurope", "northeurope"] },
    ]);
  });

  it("walks into requirement objects even when their kind changes", () => {
    const before = buildRule({ requirement: { vault: { kind: "matchInRegion", nameGlob: "bv-*" } } });
    const after = { ...before, requirement: { ...before.requirement, vault: { kind: "matchInRegion" as const, tags: [{ key: "backup", operator: "exists" as const }] } } };
    expect(diffRules(before, after)).toEqual([
      { field: "requirement.vault.nameGlob", before: "bv-*", after: null },
      { field: "requirement.vault.tags", before: null, after: [{ key: "backup", operator: "exists" }] },
    ]);
  });

  it("lists every field a new rule sets, leaf by leaf", () => {
    const fields = diffRules(null, { name: "x", scope: {}, requirement: { policy: { kind: "constraints", minRetention: "P3M" } } }).map((c) => c.field);
    expect(fields).toEqual(["name", "requirement.policy.kind", "requirement.policy.minRetention"]);
  });

  it("reads as one line per field, with names shown as JSON so hostile text stays text", () => {
    expect(describeChange({ field: "name", before: "a", after: 'b"\n<script>' })).toBe('name: "a" -> "b\\"\\n<script>"');
    expect(describeChange({ field: "scope.regions", before: null, after: ["westeurope"] })).toBe('scope.regions: (none) -> ["westeurope"]');
  });
});
