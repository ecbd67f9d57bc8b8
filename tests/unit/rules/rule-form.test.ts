// The rule editor's form model: every rule the schema accepts loads into the form and comes back unchanged; the
// form produces what the schema reads, with entries where the form shows them; the API's issues land at the
// control that holds the value; JSON the form cannot show exactly is refused with the reason.
import { describe, expect, it } from "vitest";
import {
  blankRequirement,
  canonicalJson,
  controlPaths,
  describeDuration,
  describePath,
  emptySelector,
  newTagRow,
  orderValue,
  placeIssues,
  policiesByVault,
  requirementToJson,
  ruleFormFromJson,
  ruleFormToJson,
  selectorFromJson,
  selectorToJson,
  summariseIssues,
  withOperator,
  type RuleForm,
} from "@/app/rules/_lib/rule-form";
import { protectionRuleSchema, type ProtectionRule, type ProtectionRuleInput } from "@/core/rules/schemas";

const SUB_A = "0b1c2d3e-0000-4000-8000-000000000001";
const SUB_B = "0b1c2d3e-0000-4000-8000-00000000000b";
const vault = (sub: string, name: string) => `/subscriptions/${sub}/resourceGroups/rg-backup/providers/Microsoft.DataProtection/backupVaults/${name}`;
const policy = (vaultId: string, name: string) => `${vaultId}/backupPolicies/${name}`;

const base = (overrides: Partial<ProtectionRuleInput> = {}): ProtectionRuleInput => ({
  name: "rule",
  order: 1,
  scope: {},
  requirement: { vault: { kind: "matchInRegion", nameGlob: "bv-*" }, policy: { kind: "constraints", minRetention: "P3M" }, roleAssignment: "assign" },
  ...overrides,
});

/** The rule as the form gives it back: the form loaded from the rule, turned into JSON again. */
function roundTrip(rule: ProtectionRule) {
  const loaded = ruleFormFromJson(rule);
  if (!loaded.ok) throw new Error(`the form could not load ${JSON.stringify(rule)}: ${JSON.stringify(loaded.problems)}`);
  return ruleFormToJson(loaded.value);
}

function expectRoundTrip(input: ProtectionRuleInput) {
  const rule = protectionRuleSchema.parse(input);
  const back = roundTrip(rule);
  expect(back).toEqual({ scope: rule.scope, exclusions: rule.exclusions, requirement: rule.requirement });
  // Exactly what the schema reads, and the same rule once parsed.
  expect(protectionRuleSchema.parse({ ...rule, ...back })).toEqual(rule);
}

describe("the rule form", () => {
  it("round-trips hand-picked rules of every shape", () => {
    const we = vault(SUB_A, "bv-we");
    const ne = vault(SUB_B, "bv-ne");
    const rules: ProtectionRuleInput[] = [
      base(),
      base({
        scope: {
          subscriptions: [SUB_A, SUB_B.toUpperCase()],
          resourceGroups: ["rg-prod", "rg-*", "rg(legacy).eu", "équipe-?"],
          regions: ["West Europe", "northeurope"],
          tags: [
            { key: " env", operator: "equals", value: "prod" },
            { key: "tier", operator: "notEquals", value: "" },
            { key: "owner", operator: "exists" },
            { key: "legacy", operator: "notExists" },
            { key: "cost center ", operator: "in", values: ["42", " 43 ", "<b>x</b>", "42"] },
          ],
          serverNames: ["pg-*", "db??"],
          postgresVersions: ["15", "16"],
        },
        exclusions: [{ resourceGroups: ["rg-sandbox"] }, { tags: [{ key: "backup", operator: "equals", value: "off" }], regions: ["eastus"] }],
      }),
      base({
        requirement: {
          vault: { kind: "perRegion", vaults: [{ region: "westeurope", vaultArmId: we }, { region: "North Europe", vaultArmId: ne }] },
          policy: { kind: "explicit", policyArmIds: [policy(we, "weekly"), policy(ne.toUpperCase(), "daily")] },
          roleAssignment: "templateOnly",
        },
      }),
      base({ requirement: { vault: { kind: "matchInRegion", tags: [{ key: "purpose", operator: "in", values: ["pg"] }] }, policy: { kind: "constraints", maxBackupInterval: "PT4H" }, roleAssignment: "assign" } }),
      base({
        requirement: {
          vault: { kind: "matchInRegion", nameGlob: "bv-*", tags: [{ key: "purpose", operator: "exists" }] },
          policy: { kind: "explicit", policyArmIds: [policy(we, "p")] },
          roleAssignment: "assign",
        },
      }),
      base({ requirement: { vault: { kind: "matchInRegion", nameGlob: "x" }, policy: { kind: "constraints", minRetention: "P1Y6M", maxBackupInterval: "P1D" }, roleAssignment: "assign" } }),
    ];
    for (const rule of rules) expectRoundTrip(rule);
  });

  it("round-trips 500 generated rules", () => {
    let seed = 7;
    const random = () => {
      // mulberry32: a seeded generator, so a failure reproduces.
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
    const some = <T>(items: readonly T[], max = 3): T[] => Array.from({ length: 1 + Math.floor(random() * max) }, () => pick(items));
    const maybe = <T>(make: () => T): T | undefined => (random() < 0.4 ? make() : undefined);
    const tagValues = ["prod", "", " spaced ", "<script>", "ünïcødé", "a,b", "line\nbreak", "42"];
    const tag = () => {
      const key = pick(["env", "Owner", "cost center", " padded ", "x-y_z", "日本"]);
      switch (pick(["equals", "notEquals", "exists", "notExists", "in"] as const)) {
        case "equals":
          return { key, operator: "equals" as const, value: pick(tagValues) };
        case "notEquals":
          return { key, operator: "notEquals" as const, value: pick(tagValues) };
        case "exists":
          return { key, operator: "exists" as const };
        case "notExists":
          return { key, operator: "notExists" as const };
        case "in":
          return { key, operator: "in" as const, values: some(tagValues, 4) };
      }
    };
    const selector = () => ({
      subscriptions: maybe(() => some([SUB_A, SUB_B, SUB_B.toUpperCase()])),
      resourceGroups: maybe(() => some(["rg-prod", "rg-*", "rg(legacy).eu", "équipe-?", "RG.Mixed_Case"])),
      regions: maybe(() => some(["westeurope", "West Europe", "eastus2", "northeurope"])),
      tags: maybe(() => some([0, 1, 2, 3]).map(tag)),
      serverNames: maybe(() => some(["pg-*", "db-01", "*"])),
      postgresVersions: maybe(() => some(["11", "16", "17.2"])),
    });
    const definedOnly = <T extends object>(value: T) => Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined));
    const regions = ["westeurope", "northeurope", "eastus", "swedencentral"];
    const requirement = () => {
      const perRegion = random() < 0.5;
      const chosen = regions.filter(() => random() < 0.5);
      const regionVaults = (chosen.length ? chosen : ["westeurope"]).map((region, i) => ({ region, vaultArmId: vault(i % 2 ? SUB_A : SUB_B, `bv-${region}`) }));
      const vaultRequirement = perRegion
        ? { kind: "perRegion" as const, vaults: regionVaults }
        : (() => {
            const nameGlob = maybe(() => pick(["bv-*", "vault?", "x"]));
            const tags = maybe(() => some([0, 1]).map(tag));
            return definedOnly({ kind: "matchInRegion" as const, nameGlob: nameGlob ?? (tags ? undefined : "bv-*"), tags });
          })();
      const explicit = random() < 0.5;
      const policyRequirement = explicit
        ? { kind: "explicit" as const, policyArmIds: (perRegion ? regionVaults : [regionVaults[0]!]).map((v) => policy(v.vaultArmId, pick(["weekly", "daily"]))) }
        : (() => {
            const minRetention = maybe(() => pick(["P7D", "P3M", "P1Y6M", "P10Y"]));
            const maxBackupInterval = maybe(() => pick(["P1W", "PT4H", "P1D"]));
            return definedOnly({ kind: "constraints" as const, minRetention: minRetention ?? (maxBackupInterval ? undefined : "P3M"), maxBackupInterval });
          })();
      return { vault: vaultRequirement, policy: policyRequirement, roleAssignment: pick(["assign", "templateOnly"] as const) };
    };
    for (let i = 0; i < 500; i++) {
      const exclusions = Array.from({ length: Math.floor(random() * 3) }, () => {
        const s = definedOnly(selector());
        return Object.keys(s).length ? s : { regions: ["eastus"] };
      });
      const input = base({ scope: definedOnly(selector()), exclusions, requirement: requirement() } as Partial<ProtectionRuleInput>);
      expectRoundTrip(input);
    }
  });

  it("gives the schema's JSON from the boxes: empty criteria left out, blank entries kept where they are, ids trimmed, tag text exact", () => {
    const scope = { ...emptySelector(), subscriptions: [` ${SUB_A} `, ""], tags: [{ key: " env ", operator: "equals" as const, value: " prod ", values: ["kept aside"] }] };
    expect(selectorToJson(scope)).toEqual({ subscriptions: [SUB_A, ""], tags: [{ key: " env ", operator: "equals", value: " prod " }] });
    expect(selectorToJson(emptySelector())).toEqual({});
    expect(requirementToJson({ ...blankRequirement(), vaultNameGlob: "  ", minRetention: " P7D " })).toEqual({
      vault: { kind: "matchInRegion" },
      policy: { kind: "constraints", minRetention: "P7D" },
      roleAssignment: "templateOnly",
    });
    // Only the chosen kinds are sent; the others stay in the form for switching back.
    expect(
      requirementToJson({ ...blankRequirement(), vaultKind: "perRegion", regionVaults: [], vaultNameGlob: "bv-*", policyKind: "explicit", policyArmIds: [], minRetention: "P7D" }),
    ).toEqual({ vault: { kind: "perRegion", vaults: [] }, policy: { kind: "explicit", policyArmIds: [] }, roleAssignment: "templateOnly" });
  });

  it("keeps what a tag condition held when its operator changes", () => {
    const row = { ...newTagRow(), key: "env", value: "prod" };
    const asIn = withOperator(row, "in");
    expect(asIn).toEqual({ key: "env", operator: "in", value: "prod", values: ["prod"] });
    expect(withOperator(withOperator(asIn, "exists"), "equals")).toEqual({ key: "env", operator: "equals", value: "prod", values: ["prod"] });
    expect(withOperator({ ...newTagRow(), operator: "in", values: ["a", "b"] }, "notEquals").value).toBe("a");
  });

  it("reads the order as a number, or leaves text for the API to name", () => {
    expect(orderValue("10")).toBe(10);
    expect(orderValue(" 7 ")).toBe(7);
    expect(orderValue("")).toBe("");
    expect(orderValue("ten")).toBe("ten");
  });
});

describe("loading JSON typed in the advanced editor", () => {
  it("refuses what the form cannot show exactly, naming the field", () => {
    const problems = (value: unknown) => {
      const loaded = selectorFromJson(value);
      return loaded.ok ? [] : loaded.problems;
    };
    expect(problems({ subscriptions: [] })).toEqual([{ field: "scope.subscriptions", reason: expect.stringMatching(/empty list/) }]);
    expect(problems({ colour: ["blue"] })).toEqual([{ field: "scope", reason: expect.stringMatching(/unknown field "colour"/) }]);
    expect(problems({ regions: "westeurope" })).toEqual([{ field: "scope.regions", reason: "must be a list" }]);
    expect(problems({ regions: [42] })).toEqual([{ field: "scope.regions.0", reason: "must be text" }]);
    expect(problems({ tags: [{ key: "a", operator: "like" }] })).toEqual([{ field: "scope.tags.0.operator", reason: expect.stringMatching(/must be one of/) }]);
    expect(problems({ tags: [{ key: "a", operator: "exists", value: "x" }] })).toEqual([{ field: "scope.tags.0.value", reason: expect.stringMatching(/takes no value/) }]);
    expect(problems([])).toEqual([{ field: "scope", reason: "must be an object" }]);

    const rule = (requirement: unknown) => ruleFormFromJson({ scope: {}, exclusions: [], requirement });
    const r = base().requirement;
    expect(rule({ ...r, vault: { kind: "matchInRegion", nameGlob: "" } })).toEqual({ ok: false, problems: [{ field: "requirement.vault.nameGlob", reason: expect.stringMatching(/empty/) }] });
    expect(rule({ ...r, vault: { kind: "nearest" } })).toMatchObject({ ok: false, problems: [{ field: "requirement.vault.kind" }] });
    expect(rule({ ...r, roleAssignment: "yes" })).toMatchObject({ ok: false, problems: [{ field: "requirement.roleAssignment" }] });
    expect(rule({ ...r, policy: { kind: "explicit" } })).toMatchObject({ ok: false, problems: [{ field: "requirement.policy.policyArmIds" }] });
    expect(ruleFormFromJson({ scope: {}, exclusions: {}, requirement: r })).toMatchObject({ ok: false, problems: [{ field: "exclusions", reason: "must be a list" }] });
  });

  it("loads invalid rules the form can show, so that the API's message appears at the control", () => {
    // An empty exclusion, an "in" without values and no vault condition: the schema refuses all three, the form shows them.
    const loaded = ruleFormFromJson({
      scope: { tags: [{ key: "env", operator: "in", values: [] }] },
      exclusions: [{}],
      requirement: { vault: { kind: "perRegion", vaults: [] }, policy: { kind: "constraints" }, roleAssignment: "assign" },
    });
    expect(loaded.ok).toBe(true);
    if (loaded.ok)
      expect(ruleFormToJson(loaded.value)).toEqual({
        scope: { tags: [{ key: "env", operator: "in", values: [] }] },
        exclusions: [{}],
        requirement: { vault: { kind: "perRegion", vaults: [] }, policy: { kind: "constraints" }, roleAssignment: "assign" },
      });
  });
});

describe("where the API's issues show", () => {
  const form: RuleForm = {
    scope: { ...emptySelector(), subscriptions: ["x"], tags: [{ key: "env", operator: "equals", value: "", values: [] }, { key: "k", operator: "in", values: ["a"], value: "" }] },
    exclusions: [emptySelector()],
    requirement: { ...blankRequirement(), vaultKind: "perRegion", regionVaults: [{ region: "westeurope", vaultArmId: "bv" }], policyKind: "explicit", policyArmIds: ["p"] },
  };

  it("at the control holding the value, from the what-if's, the update's and the create's paths alike", () => {
    const placed = placeIssues(
      [
        { field: "rule.scope.tags.0.value", reason: "tag value may be at most 256 characters" },
        { field: "scope.subscriptions.0", reason: "subscription id must be a GUID" },
        { field: "rule.scope.tags.1.values.0", reason: "too long" },
        { field: "rule.exclusions.0", reason: "exclusion must name at least one criterion" },
        { field: "rule.requirement.vault.vaults.0.vaultArmId", reason: "vault id must be a Backup vault ARM id" },
        { field: "rule.requirement.policy.policyArmIds.0", reason: "policy id must be a backup policy ARM id" },
        { field: "rule.name", reason: "name must not be empty" },
      ],
      controlPaths(form),
    );
    expect(placed).toEqual({
      "scope.tags.0.value": ["tag value may be at most 256 characters"],
      "scope.subscriptions.0": ["subscription id must be a GUID"],
      "scope.tags.1.values.0": ["too long"],
      "exclusions.0": ["exclusion must name at least one criterion"],
      "requirement.vault.vaults.0.vaultArmId": ["vault id must be a Backup vault ARM id"],
      "requirement.policy.policyArmIds.0": ["policy id must be a backup policy ARM id"],
      name: ["name must not be empty"],
    });
  });

  it("at the nearest enclosing control, naming the path, when the form has none of its own", () => {
    const placed = placeIssues(
      [
        { field: "rule.scope", reason: 'scope has unknown field "x"' },
        { field: "rule.requirement.vault.kind", reason: "kind must be perRegion or matchInRegion" },
        // The constraints fields are hidden while explicit policies are chosen.
        { field: "rule.requirement.policy.minRetention", reason: "bad" },
        { field: "(body)", reason: "body must be an object" },
        { field: "rule.colour.deep", reason: "unknown" },
      ],
      controlPaths(form),
    );
    expect(placed).toEqual({
      scope: ['scope has unknown field "x"'],
      "requirement.vault": ["requirement.vault.kind: kind must be perRegion or matchInRegion"],
      "requirement.policy": ["requirement.policy.minRetention: bad"],
      "": ["body must be an object", "colour.deep: unknown"],
    });
  });

  it("hides no issue: each lands on some control", () => {
    const paths = controlPaths(form);
    const issues = [...paths].map((p) => ({ field: `rule.${p}`, reason: p }));
    const placed = placeIssues(issues, paths);
    expect(Object.values(placed).flat()).toHaveLength(issues.length);
    // A value box that is hidden (exists takes no value) is not a control.
    const exists = { ...form, scope: { ...form.scope, tags: [{ key: "k", operator: "exists" as const, value: "", values: [] }] } };
    expect(controlPaths(exists).has("scope.tags.0.value")).toBe(false);
    expect(controlPaths(exists).has("scope.tags.0.key")).toBe(true);
  });

  it("summarises each path once, linking to the control that shows it", () => {
    const summary = summariseIssues(
      [
        { field: "rule.requirement.policy.minRetention", reason: "must be an ISO 8601 duration" },
        { field: "rule.requirement.policy.minRetention", reason: "must be longer than zero" },
        { field: "rule.requirement.policy.minRetention", reason: "must be longer than zero" },
        { field: "rule.scope.regions", reason: "is an empty list" },
      ],
      controlPaths(form),
    );
    expect(summary).toEqual([
      { path: "requirement.policy.minRetention", control: "requirement.policy", reasons: ["must be an ISO 8601 duration", "must be longer than zero"] },
      { path: "scope.regions", control: "scope", reasons: ["is an empty list"] },
    ]);
  });

  it("names paths the way the admin reads the form", () => {
    expect(describePath("scope.tags.1.value")).toBe("Scope: tag condition 2, value");
    expect(describePath("exclusions.0.regions.2")).toBe("Exclusion 1: region 3");
    expect(describePath("requirement.vault.vaults.0.vaultArmId")).toBe("Requirement: vault, vault per region 1, vault id");
    expect(describePath("requirement.policy.minRetention")).toBe("Requirement: policy, minimum retention");
    expect(describePath("name")).toBe("Name");
    expect(describePath("")).toBe("The rule");
  });
});

describe("control helpers", () => {
  it("describes durations in words, with the fixed lengths used to compare them", () => {
    expect(describeDuration("P7D")).toBe("7 days");
    expect(describeDuration("PT4H")).toBe("4 hours");
    expect(describeDuration("P1W")).toBe("1 week");
    expect(describeDuration("P3M")).toBe("3 months (compared as 90 days)");
    expect(describeDuration("P1Y6M")).toBe("1 year, 6 months (compared as 545 days)");
    expect(describeDuration("7 days")).toBeNull();
    expect(describeDuration("p7d")).toBeNull();
  });

  it("tells which explicit vault has a policy in the list", () => {
    const we = vault(SUB_A, "bv-we");
    const ne = vault(SUB_A, "bv-ne");
    expect(
      policiesByVault({
        ...blankRequirement(),
        regionVaults: [{ region: "westeurope", vaultArmId: we }, { region: "northeurope", vaultArmId: ne }, { region: "eastus", vaultArmId: "" }],
        policyArmIds: [policy(we.toUpperCase(), "weekly"), ""],
      }),
    ).toEqual([
      { row: 0, vaultArmId: we, policyArmId: policy(we.toUpperCase(), "weekly") },
      { row: 1, vaultArmId: ne, policyArmId: null },
    ]);
  });

  it("writes the same rule as the same text whatever the key order", () => {
    expect(canonicalJson({ b: 1, a: { d: [{ z: 1, y: 2 }], c: null } })).toBe(canonicalJson({ a: { c: null, d: [{ y: 2, z: 1 }] }, b: 1 }));
    expect(canonicalJson({ b: 1, a: 2 })).toBe('{"a":2,"b":1}');
  });
});
