// Rules and exemptions for the evaluator tests, parsed through the real schemas so that a test can
// never hand the evaluator a rule the product would refuse to store.
import { exemptionSchema, type ExemptionInput, type StoredExemption } from "@/core/exemptions/schemas";
import { protectionRuleSchema, type ProtectionRuleInput, type StoredProtectionRule } from "@/core/rules/schemas";

let sequence = 0;

type RuleOverrides = Partial<Omit<ProtectionRuleInput, "requirement">> & {
  requirement?: Partial<ProtectionRuleInput["requirement"]>;
  id?: string;
  revision?: number;
};

/** A rule over the whole fleet that accepts any vault named bv-* and any policy keeping backups 3 months, weekly. */
export function buildRule(overrides: RuleOverrides = {}): StoredProtectionRule {
  const n = ++sequence;
  const { id, revision, requirement, ...fields } = overrides;
  const rule = protectionRuleSchema.parse({
    name: `rule ${n}`,
    order: n,
    scope: {},
    ...fields,
    requirement: {
      vault: { kind: "matchInRegion", nameGlob: "bv-*" },
      policy: { kind: "constraints", minRetention: "P3M", maxBackupInterval: "P1W" },
      roleAssignment: "assign",
      ...requirement,
    },
  });
  return { ...rule, id: id ?? `rule-${n}`, revision: revision ?? 1 };
}

export function buildExemption(overrides: Partial<ExemptionInput> & { id?: string } = {}): StoredExemption {
  const n = ++sequence;
  const { id, ...fields } = overrides;
  const exemption = exemptionSchema.parse({
    target: { kind: "subscription", subscriptionId: "00000000-0000-4000-8000-000000000001" },
    ruleId: null,
    category: "waiver",
    justification: "Decommissioning next quarter",
    expiresAt: "2030-01-01T00:00:00Z",
    requestedBy: "dba@example.com",
    grantedBy: "ciso@example.com",
    ...fields,
  });
  return { ...exemption, id: id ?? `exemption-${n}` };
}
