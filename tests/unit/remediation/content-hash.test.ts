// The frozen content's hash: it must not depend on key order, row order or how the JSON was stored, and must
// change with anything an approver reviewed.
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { canonicalJson, planContentHash, type HashedItem } from "@/core/remediation/content-hash";
import { planOptionsSchema } from "@/core/remediation/plan-types";

const options = planOptionsSchema.parse({});
const item = (seq: number, extra: Partial<HashedItem> = {}): HashedItem => ({
  seq,
  kind: "createPolicy",
  action: { kind: "createPolicy", policyName: `p-${seq}`, backupInterval: "P1W", retention: "P3M", ruleId: null, vault: { armId: "/subscriptions/x/v", name: "v" } },
  before: {},
  after: { armId: `/subscriptions/x/v/backupPolicies/p-${seq}` },
  dependsOn: [],
  canary: false,
  ...extra,
});

describe("canonical JSON", () => {
  it("sorts keys at every depth, drops undefined members and keeps array order", () => {
    expect(canonicalJson({ b: 1, a: { d: [3, 1], c: "x" }, u: undefined })).toBe('{"a":{"c":"x","d":[3,1]},"b":1}');
    expect(canonicalJson({ a: { c: "x", d: [3, 1] }, b: 1 })).toBe(canonicalJson({ b: 1, a: { d: [3, 1], c: "x" } }));
  });

  it("escapes strings as JSON does and refuses values JSON cannot carry", () => {
    expect(canonicalJson({ "k\"ey": "line\nbreak </script>" })).toBe('{"k\\"ey":"line\\nbreak </script>"}');
    expect(() => canonicalJson({ n: Number.NaN })).toThrow(/finite/);
    expect(() => canonicalJson({ f: () => 1 })).toThrow(/function/);
  });
});

describe("plan content hash", () => {
  it("is SHA-256 of the canonical { items by seq, options }, computed item by item", () => {
    const items = [item(2), item(1)];
    const whole = canonicalJson({ options, items: [items[1], items[0]] });
    expect(planContentHash(items, options)).toBe(createHash("sha256").update(whole).digest("hex"));
  });

  it("does not depend on row order or key order (Postgres jsonb reorders keys)", () => {
    const a = [item(1), item(2)];
    const reordered = a.map((i) => JSON.parse(JSON.stringify({ canary: i.canary, after: i.after, action: Object.fromEntries(Object.entries(i.action as object).reverse()), seq: i.seq, before: i.before, dependsOn: i.dependsOn, kind: i.kind }))) as HashedItem[];
    expect(planContentHash([...reordered].reverse(), options)).toBe(planContentHash(a, options));
  });

  it("changes with any item field an approver reviewed, and with the options", () => {
    const base = planContentHash([item(1), item(2)], options);
    expect(planContentHash([item(1)], options)).not.toBe(base);
    expect(planContentHash([item(1), item(2, { canary: true })], options)).not.toBe(base);
    expect(planContentHash([item(1), item(2, { dependsOn: [1] })], options)).not.toBe(base);
    expect(planContentHash([item(1), { ...item(2), action: { ...(item(2).action as object), retention: "P6M" } }], options)).not.toBe(base);
    expect(planContentHash([item(1), item(2)], { ...options, firstBackup: false })).not.toBe(base);
    expect(planContentHash([item(1), item(2)], { ...options, createVaultsIn: ["westeurope"] })).not.toBe(base);
  });
});
