import { describe, expect, it } from "vitest";
import { exemptionInputSchema, exemptionSchema, type ExemptionInput } from "@/core/exemptions/schemas";

const SUB = "0b1c2d3e-0000-4000-8000-000000000001";
const SERVER = `/subscriptions/${SUB}/resourceGroups/rg-data/providers/Microsoft.DBforPostgreSQL/flexibleServers/pg-1`;
const NOW = new Date("2026-03-01T12:00:00Z");

const valid = (overrides: Partial<ExemptionInput> = {}): ExemptionInput => ({
  target: { kind: "server", serverArmId: SERVER },
  ruleId: "rule-1",
  category: "waiver",
  justification: "Read replica of pg-0, which is backed up",
  expiresAt: "2026-06-01T00:00:00Z",
  requestedBy: "dba@example.com",
  grantedBy: "ciso@example.com",
  ...overrides,
});

const schema = exemptionInputSchema({ now: NOW, maxValidity: "P1Y" });

function issues(input: unknown, parser: { safeParse: (value: unknown) => { error?: { issues: { path: PropertyKey[]; message: string }[] } } } = schema) {
  return parser.safeParse(input).error?.issues.map((issue) => ({ field: issue.path.join("."), reason: issue.message })) ?? [];
}

describe("an exemption", () => {
  it.each([
    { kind: "server", serverArmId: SERVER },
    { kind: "subscription", subscriptionId: SUB.toUpperCase() },
    { kind: "resourceGroup", subscriptionId: SUB, resourceGroup: "rg-(data).eu" },
    { kind: "tag", key: "backup", value: "exempt" },
    { kind: "tag", key: "backup" },
  ])("accepts a target %j", (target) => {
    expect(issues(valid({ target: target as ExemptionInput["target"] }))).toEqual([]);
  });

  it("turns the expiry into a Date and lower-cases subscription ids", () => {
    const exemption = schema.parse(valid({ target: { kind: "subscription", subscriptionId: SUB.toUpperCase() }, expiresAt: "2026-06-01T02:00:00+02:00" }));
    expect(exemption.expiresAt).toEqual(new Date("2026-06-01T00:00:00Z"));
    expect(exemption.target).toEqual({ kind: "subscription", subscriptionId: SUB });
  });

  it("accepts a stored Date for the expiry", () => {
    expect(issues(valid({ expiresAt: new Date("2026-06-01T00:00:00Z") }))).toEqual([]);
  });

  it("exempts from every rule only when ruleId is null, said explicitly", () => {
    expect(issues(valid({ ruleId: null }))).toEqual([]);
    const { ruleId: _omitted, ...withoutRule } = valid();
    expect(issues(withoutRule)).toContainEqual({ field: "ruleId", reason: "ruleId must be a rule id, or null to exempt from every rule" });
    expect(issues(valid({ ruleId: "" }))).toContainEqual({ field: "ruleId", reason: "ruleId must not be empty; use null to exempt from every rule" });
  });

  it.each([
    [{ justification: "   " }, "justification", /justification is required/],
    [{ justification: undefined }, "justification", /justification must be text/],
    [{ category: "accepted" }, "category", /category must be waiver .* or mitigated/],
    [{ requestedBy: "" }, "requestedBy", /requestedBy is required/],
    [{ grantedBy: undefined }, "grantedBy", /grantedBy must be text/],
    [{ expiresAt: undefined }, "expiresAt", /expiresAt must be a date and time with an offset/],
    [{ expiresAt: "2026-06-01" }, "expiresAt", /expiresAt must be a date and time with an offset/],
    [{ expiresAt: "2026-06-01T00:00:00" }, "expiresAt", /with an offset/],
    [{ target: { kind: "everything" } }, "target.kind", /target kind must be server, subscription, resourceGroup or tag/],
    [{ target: { kind: "server", serverArmId: "pg-1" } }, "target.serverArmId", /server id must be a flexible server ARM id/],
    [{ target: { kind: "server", serverArmId: SERVER.replace("flexibleServers", "servers") } }, "target.serverArmId", /flexible server ARM id/],
    [{ target: { kind: "resourceGroup", subscriptionId: SUB, resourceGroup: "rg-*" } }, "target.resourceGroup", /resource group must be 1 to 90/],
    [{ target: { kind: "tag", key: "a<b" } }, "target.key", /must not contain/],
    [{ target: { kind: "subscription", subscriptionId: SUB, resourceGroup: "x" } }, "target", /exemption target has unknown field "resourceGroup"/],
    [{ note: "hi" } as Partial<ExemptionInput>, "", /exemption has unknown field "note"/],
  ])("names the field and the problem (%#)", (overrides, field, reason) => {
    expect(issues({ ...valid(), ...overrides })).toContainEqual({ field, reason: expect.stringMatching(reason) });
  });

  it("keeps hostile text in the justification as data", () => {
    const justification = `<script>alert(1)</script>' OR 1=1 -- | where true 🐘`;
    expect(schema.parse(valid({ justification })).justification).toBe(justification);
  });
});

describe("an exemption's expiry", () => {
  const latest = new Date(NOW.getTime() + 365 * 86_400_000);

  it("must lie in the future", () => {
    expect(issues(valid({ expiresAt: NOW.toISOString() }))).toEqual([{ field: "expiresAt", reason: "expiresAt must lie in the future" }]);
    expect(issues(valid({ expiresAt: "2020-01-01T00:00:00Z" }))).toEqual([{ field: "expiresAt", reason: "expiresAt must lie in the future" }]);
    expect(issues(valid({ expiresAt: new Date(NOW.getTime() + 1) }))).toEqual([]);
  });

  it("may be exactly the configured maximum ahead, not a millisecond more", () => {
    expect(issues(valid({ expiresAt: latest }))).toEqual([]);
    expect(issues(valid({ expiresAt: new Date(latest.getTime() + 1) }))).toEqual([
      { field: "expiresAt", reason: `expiresAt may be at most P1Y ahead, that is no later than ${latest.toISOString()}` },
    ]);
  });

  it("follows the configured maximum", () => {
    const shortLeash = exemptionInputSchema({ now: NOW, maxValidity: "P30D" });
    expect(issues(valid({ expiresAt: "2026-03-31T12:00:00Z" }), shortLeash)).toEqual([]);
    expect(issues(valid({ expiresAt: "2026-03-31T12:00:01Z" }), shortLeash)).toHaveLength(1);
  });

  it("is not checked against the clock when a stored exemption is read back", () => {
    expect(issues(valid({ expiresAt: "2020-01-01T00:00:00Z" }), exemptionSchema)).toEqual([]);
  });

  it("refuses a maximum that is no positive duration", () => {
    expect(() => exemptionInputSchema({ now: NOW, maxValidity: "one year" })).toThrow(RangeError);
    expect(() => exemptionInputSchema({ now: NOW, maxValidity: "PT0S" })).toThrow(RangeError);
  });
});
