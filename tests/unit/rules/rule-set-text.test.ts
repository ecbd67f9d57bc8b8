import { describe, expect, it } from "vitest";
import { AppError } from "@/core/errors";
import { formatRuleSet, parseRuleSet } from "@/core/rules/rule-set-text";
import type { RuleSet } from "@/core/rules/schemas";
import { buildRule } from "./builders";

const strip = ({ id: _id, revision: _revision, ...rule }: ReturnType<typeof buildRule>) => rule;

function issuesOf(fn: () => unknown) {
  try {
    fn();
  } catch (err) {
    if (err instanceof AppError) return err.opts.issues;
    throw err;
  }
  throw new Error("expected a validation error");
}

describe("rule set files", () => {
  const set: RuleSet = {
    version: 1,
    rules: [
      strip(buildRule({ name: "gold: 'quoted' #not-a-comment", order: 1, description: "multi\nline", scope: { postgresVersions: ["16", "9.6"], tags: [{ key: "env", operator: "in", values: ["yes", "no", "1e3", "null"] }] } })),
      strip(buildRule({ name: "silver", order: 2, mode: "enforce", exclusions: [{ resourceGroups: ["rg-*-test"] }] })),
    ],
  };

  it("round-trips through YAML and JSON unchanged, strings that look like numbers, booleans or null included", () => {
    for (const format of ["yaml", "json"] as const) expect(parseRuleSet(formatRuleSet(set, format), format)).toEqual(set);
    const yaml = formatRuleSet(set, "yaml");
    expect(yaml).toMatch(/^version: 1\nrules:\n/);
    expect(yaml).toContain('- "16"');
  });

  it("refuses a rule set the schema refuses, naming the field", () => {
    expect(() => formatRuleSet({ ...set, rules: [set.rules[0]!, { ...set.rules[1]!, order: 1 }] }, "yaml")).toThrow();
    expect(issuesOf(() => parseRuleSet("version: 2\nrules: []\n", "yaml"))).toEqual([{ field: "version", reason: "version must be 1" }]);
    expect(issuesOf(() => parseRuleSet("version: 1\nrules:\n  - name: x\n    order: -1\n", "yaml"))!.map((i) => i.field)).toEqual(["rules.0.order", "rules.0.scope", "rules.0.requirement"]);
  });

  it("reports syntax errors against the content, and never builds more than plain data", () => {
    expect(issuesOf(() => parseRuleSet("version: 1\nrules: [\n", "yaml"))).toEqual([{ field: "content", reason: expect.stringMatching(/^not valid YAML: .*line/) }]);
    expect(issuesOf(() => parseRuleSet("version: 1\nversion: 1\nrules: []\n", "yaml"))).toEqual([{ field: "content", reason: expect.stringMatching(/not valid YAML/) }]);
    expect(issuesOf(() => parseRuleSet("!!js/function 'function () {}'", "yaml"))![0]!.field).toMatch(/content|\(rule set\)/);
    const bomb = `a: &a [x,x,x,x,x,x,x,x,x,x]\n${Array.from({ length: 12 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(10).fill(`*${String.fromCharCode(97 + i)}`).join(",")}]`).join("\n")}\n`;
    expect(issuesOf(() => parseRuleSet(bomb, "yaml"))).toEqual([{ field: "content", reason: expect.stringMatching(/alias/i) }]);
    expect(issuesOf(() => parseRuleSet('{"version": 1, "rules": [', "json"))).toEqual([{ field: "content", reason: expect.stringMatching(/^not valid JSON/) }]);
  });
});
