import { describe, expect, it } from "vitest";
import { protectionRuleSchema, ruleSetSchema, type ProtectionRuleInput } from "@/core/rules/schemas";

const SUB = "0b1c2d3e-0000-4000-8000-000000000001";
const VAULT_WE = `/subscriptions/${SUB}/resourceGroups/rg-backup/providers/Microsoft.DataProtection/backupVaults/bv-we`;
const VAULT_NE = `/subscriptions/${SUB}/resourceGroups/rg-backup/providers/Microsoft.DataProtection/backupVaults/bv-ne`;

const valid = (): ProtectionRuleInput => ({
  name: "Production databases",
  order: 10,
  scope: {},
  requirement: {
    vault: { kind: "matchInRegion", nameGlob: "bv-*" },
    policy: { kind: "constraints", minRetention: "P3M", maxBackupInterval: "P1W" },
    roleAssignment: "assign",
  },
});

/** The { field, reason } pairs a route would answer with. */
function issues(input: unknown) {
  const result = protectionRuleSchema.safeParse(input);
  if (result.success) return [];
  return result.error.issues.map((issue) => ({ field: issue.path.join("."), reason: issue.message }));
}

function expectIssue(input: unknown, field: string, reason: RegExp) {
  const found = issues(input);
  expect(found, JSON.stringify(found)).toContainEqual({ field, reason: expect.stringMatching(reason) });
}

describe("a protection rule", () => {
  it("accepts the minimal form and fills in the defaults", () => {
    const rule = protectionRuleSchema.parse(valid());
    expect(rule).toMatchObject({ description: "", enabled: true, mode: "audit", exclusions: [] });
  });

  it("accepts every kind of scope criterion and normalises ids and regions", () => {
    const rule = protectionRuleSchema.parse({
      ...valid(),
      scope: {
        subscriptions: [SUB.toUpperCase()],
        resourceGroups: ["rg-prod", "rg-*", "rg(legacy).eu", "équipe-?"],
        regions: ["West Europe", "northeurope"],
        tags: [
          { key: "env", operator: "equals", value: "prod" },
          { key: "tier", operator: "notEquals", value: "dev" },
          { key: "owner", operator: "exists" },
          { key: "legacy", operator: "notExists" },
          { key: "costcenter", operator: "in", values: ["42", "43"] },
        ],
        serverNames: ["pg-*"],
        postgresVersions: ["15", "16"],
      },
      exclusions: [{ resourceGroups: ["rg-sandbox"] }, { tags: [{ key: "backup", operator: "equals", value: "off" }], regions: ["eastus"] }],
    });
    expect(rule.scope.subscriptions).toEqual([SUB]);
    expect(rule.scope.regions).toEqual(["westeurope", "northeurope"]);
  });

  it("keeps hostile text in names and descriptions as data", () => {
    const hostile = `Prod' or 1=1 -- <script>alert("x")</script> | where true 🐘`;
    const rule = protectionRuleSchema.parse({ ...valid(), name: hostile, description: hostile });
    expect(rule.name).toBe(hostile);
  });

  it.each([
    [{ ...valid(), colour: "blue" }, "", /rule has unknown field "colour"; known fields: name, description/],
    [{ ...valid(), scope: { subscription: [SUB] } }, "scope", /scope has unknown field "subscription"/],
    [{ ...valid(), scope: { tags: [{ key: "env", operator: "equals", value: "x", extra: 1 }] } }, "scope.tags.0", /tag condition has unknown field "extra"/],
    [{ ...valid(), requirement: { ...valid().requirement, vaults: [] } }, "requirement", /requirement has unknown field "vaults"/],
  ])("refuses unknown fields (%#)", (input, field, reason) => {
    expectIssue(input, field, reason);
  });

  it.each([
    [{ ...valid(), name: "  " }, "name", /name must not be empty/],
    [{ ...valid(), name: "x".repeat(101) }, "name", /at most 100/],
    [{ ...valid(), name: "bad\u0007name" }, "name", /control characters/],
    [{ ...valid(), order: 1.5 }, "order", /order must be a whole number/],
    [{ ...valid(), order: -1 }, "order", /order must be 0 or more/],
    [{ ...valid(), order: "1" }, "order", /order must be a number/],
    [{ ...valid(), mode: "strict" }, "mode", /mode must be audit .* or enforce/],
    [{ ...valid(), enabled: "yes" }, "enabled", /enabled must be true or false/],
    [{ ...valid(), scope: { subscriptions: [] } }, "scope.subscriptions", /must not be empty; leave the field out/],
    [{ ...valid(), scope: { subscriptions: ["prod"] } }, "scope.subscriptions.0", /subscription id must be a GUID/],
    [{ ...valid(), scope: { regions: ["west-europe!"] } }, "scope.regions.0", /region must be an Azure region name/],
    [{ ...valid(), scope: { resourceGroups: ["rg'; drop"] } }, "scope.resourceGroups.0", /resource group pattern must be/],
    [{ ...valid(), scope: { resourceGroups: ["x".repeat(91)] } }, "scope.resourceGroups.0", /at most 90/],
    [{ ...valid(), scope: { serverNames: ["pg_<b>"] } }, "scope.serverNames.0", /server name pattern must be/],
    [{ ...valid(), scope: { postgresVersions: ["sixteen"] } }, "scope.postgresVersions.0", /PostgreSQL version must be a major version/],
    [{ ...valid(), scope: { tags: [{ key: "env", operator: "like", value: "x" }] } }, "scope.tags.0.operator", /operator must be one of equals, notEquals, exists, notExists, in/],
    [{ ...valid(), scope: { tags: [{ key: "env", operator: "in", values: [] }] } }, "scope.tags.0.values", /must not be empty/],
    [{ ...valid(), scope: { tags: [{ key: "a/b", operator: "exists" }] } }, "scope.tags.0.key", /must not contain/],
    [{ ...valid(), scope: { tags: [{ key: "env", operator: "equals", value: "x".repeat(257) }] } }, "scope.tags.0.value", /at most 256/],
    [{ ...valid(), scope: { tags: [{ key: "env", operator: "equals" }] } }, "scope.tags.0.value", /tag value must be text/],
    [{ ...valid(), exclusions: [{}] }, "exclusions.0", /exclusion must name at least one criterion/],
    [{ ...valid(), exclusions: {} }, "exclusions", /exclusions must be a list/],
  ])("names the field and the problem (%#)", (input, field, reason) => {
    expectIssue(input, field, reason);
  });

  describe("requirement", () => {
    const withRequirement = (requirement: Record<string, unknown>) => ({ ...valid(), requirement: { ...valid().requirement, ...requirement } });

    it("accepts an explicit vault per region with an explicit policy per vault", () => {
      const rule = protectionRuleSchema.parse(
        withRequirement({
          vault: { kind: "perRegion", vaults: [{ region: "westeurope", vaultArmId: VAULT_WE }, { region: "North Europe", vaultArmId: VAULT_NE }] },
          policy: { kind: "explicit", policyArmIds: [`${VAULT_WE}/backupPolicies/weekly`, `${VAULT_NE.toUpperCase()}/backupPolicies/weekly`] },
          roleAssignment: "templateOnly",
        }),
      );
      expect(rule.requirement.vault).toMatchObject({ vaults: [{ region: "westeurope" }, { region: "northeurope" }] });
    });

    it("accepts a vault chosen by tags in the server's region", () => {
      expect(issues(withRequirement({ vault: { kind: "matchInRegion", tags: [{ key: "purpose", operator: "equals", value: "pg-backup" }] } }))).toEqual([]);
    });

    it.each([
      [{ vault: { kind: "nearest" } }, "requirement.vault.kind", /vault requirement kind must be perRegion .* or matchInRegion/],
      [{ vault: { kind: "matchInRegion" } }, "requirement.vault", /needs nameGlob, tags or both/],
      [{ vault: { kind: "perRegion", vaults: [] } }, "requirement.vault.vaults", /must not be empty/],
      [{ vault: { kind: "perRegion", vaults: [{ region: "westeurope", vaultArmId: "bv-we" }] } }, "requirement.vault.vaults.0.vaultArmId", /vault id must be a Backup vault ARM id/],
      [
        { vault: { kind: "perRegion", vaults: [{ region: "westeurope", vaultArmId: VAULT_WE }, { region: "West Europe", vaultArmId: VAULT_NE }] } },
        "requirement.vault.vaults.1.region",
        /names region westeurope twice/,
      ],
      [{ policy: { kind: "explicit", policyArmIds: [VAULT_WE] } }, "requirement.policy.policyArmIds.0", /policy id must be a backup policy ARM id/],
      [
        { policy: { kind: "explicit", policyArmIds: [`${VAULT_WE}/backupPolicies/a`, `${VAULT_WE.toLowerCase()}/backupPolicies/b`] } },
        "requirement.policy.policyArmIds.1",
        /two policies of the same vault/,
      ],
      [
        {
          vault: { kind: "perRegion", vaults: [{ region: "westeurope", vaultArmId: VAULT_WE }, { region: "northeurope", vaultArmId: VAULT_NE }] },
          policy: { kind: "explicit", policyArmIds: [`${VAULT_WE}/backupPolicies/a`] },
        },
        "requirement.vault.vaults.1.vaultArmId",
        /the vault for region northeurope has no policy/,
      ],
      [{ policy: { kind: "constraints" } }, "requirement.policy", /needs minRetention, maxBackupInterval or both/],
      [{ policy: { kind: "constraints", minRetention: "3 months" } }, "requirement.policy.minRetention", /minRetention must be an ISO 8601 duration/],
      [{ policy: { kind: "constraints", minRetention: "p3m" } }, "requirement.policy.minRetention", /upper-case designators/],
      [{ policy: { kind: "constraints", minRetention: "PT0S" } }, "requirement.policy.minRetention", /longer than zero/],
      [{ policy: { kind: "constraints", minRetention: "P121M" } }, "requirement.policy.minRetention", /at most P10Y/],
      [{ policy: { kind: "constraints", maxBackupInterval: "weekly" } }, "requirement.policy.maxBackupInterval", /maxBackupInterval must be an ISO 8601 duration/],
      [{ roleAssignment: "yes" }, "requirement.roleAssignment", /roleAssignment must be assign .* or templateOnly/],
    ])("names the field and the problem (%#)", (requirement, field, reason) => {
      expectIssue(withRequirement(requirement), field, reason);
    });

    it("allows the longest retention Azure keeps", () => {
      expect(issues(withRequirement({ policy: { kind: "constraints", minRetention: "P10Y" } }))).toEqual([]);
      expect(issues(withRequirement({ policy: { kind: "constraints", minRetention: "P120M" } }))).toEqual([]);
    });
  });
});

describe("malformed input", () => {
  const junk: unknown[] = [null, 42, "rule", [], {}, { requirement: null }, { requirement: { vault: 5, policy: "x", roleAssignment: [] } }];
  const nested = (requirement: unknown) => ({ ...valid(), requirement });

  it.each([
    ...junk,
    nested({ vault: { kind: "perRegion", vaults: [null, { region: 5 }] }, policy: { kind: "explicit", policyArmIds: [7] }, roleAssignment: "assign" }),
    nested({ vault: { kind: "perRegion", vaults: "all" }, policy: { kind: "explicit", policyArmIds: "x" }, roleAssignment: "assign" }),
    { ...valid(), exclusions: [null, 5, { tags: "x" }] },
  ])("is answered with issues, never an exception (%#)", (input) => {
    expect(() => protectionRuleSchema.safeParse(input)).not.toThrow();
    expect(protectionRuleSchema.safeParse(input).success).toBe(false);
  });

  it.each([null, { version: 1, rules: [null, 5, { name: 3 }] }, { version: 1, rules: "all" }])("a rule set too (%#)", (input) => {
    expect(ruleSetSchema.safeParse(input).success).toBe(false);
  });
});

describe("a rule set", () => {
  it("round-trips through JSON", () => {
    const set = ruleSetSchema.parse({ version: 1, rules: [valid(), { ...valid(), name: "Other", order: 20 }] });
    expect(ruleSetSchema.parse(JSON.parse(JSON.stringify(set)))).toEqual(set);
  });

  it("refuses two rules with the same name (any case) or the same order", () => {
    const result = ruleSetSchema.safeParse({ version: 1, rules: [valid(), { ...valid(), name: "PRODUCTION DATABASES", order: 10 }] });
    expect(result.success).toBe(false);
    const found = result.error!.issues.map((issue) => [issue.path.join("."), issue.message]);
    expect(found).toContainEqual(["rules.1.name", expect.stringMatching(/already used by rules.0/)]);
    expect(found).toContainEqual(["rules.1.order", expect.stringMatching(/order 10 is already used by rules.0/)]);
  });

  it("refuses an unknown version", () => {
    expect(ruleSetSchema.safeParse({ version: 2, rules: [] }).error?.issues[0]).toMatchObject({ path: ["version"], message: "version must be 1" });
  });
});
