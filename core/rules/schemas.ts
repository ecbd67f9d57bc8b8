// Protection rules: the zod schemas shared by route handlers, server actions, forms and the rules
// import, and the types inferred from them. Objects are strict (a misspelt field is an error, not a
// silently ignored setting) and every message names the field and says what is wrong, because the
// route answers 400 with { field, reason } pairs taken straight from these issues.
import { z } from "zod";
import { MAX_AZURE_RETENTION, isoDurationSeconds } from "./duration";

// ---------------------------------------------------------------------------------------------
// Building blocks, shared with core/exemptions/schemas.ts

/** A strict object whose unknown-field message lists the fields it does know. */
export function strictObject<Shape extends z.core.$ZodLooseShape>(what: string, shape: Shape) {
  const known = Object.keys(shape).join(", ");
  return z.strictObject(shape, {
    error: (issue) =>
      issue.code === "unrecognized_keys"
        ? `${what} has unknown field${issue.keys.length === 1 ? "" : "s"} ${issue.keys.map((k) => JSON.stringify(k)).join(", ")}; known fields: ${known}`
        : `${what} must be an object`,
  });
}

/** A list with at least one entry: an empty list is ambiguous (match nothing, or everything?). */
export function nonEmptyList<Item extends z.ZodType>(field: string, item: Item, max = 500) {
  return z
    .array(item, { error: `${field} must be a list` })
    .min(1, { error: `${field} must not be empty; leave the field out to place no condition on it` })
    .max(max, { error: `${field} may hold at most ${max} entries` });
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const SUBSCRIPTION_PATH = String.raw`/subscriptions/[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}`;
const VAULT_ID = new RegExp(
  String.raw`^${SUBSCRIPTION_PATH}/resourceGroups/[^/]{1,90}/providers/Microsoft\.DataProtection/backupVaults/[^/]{1,50}$`,
  "i",
);
const POLICY_ID = new RegExp(VAULT_ID.source.slice(0, -1) + String.raw`/backupPolicies/[^/]{1,150}$`, "i");
const SERVER_ID = new RegExp(
  String.raw`^${SUBSCRIPTION_PATH}/resourceGroups/[^/]{1,90}/providers/Microsoft\.DBforPostgreSQL/flexibleServers/[^/]{1,63}$`,
  "i",
);

/** A subscription id (GUID), lower-cased so that later comparisons need not care. */
export const subscriptionIdSchema = z
  .string({ error: "subscription id must be text" })
  .regex(GUID, { error: "subscription id must be a GUID such as 00000000-0000-0000-0000-000000000000" })
  .transform((id) => id.toLowerCase());

/** An Azure region by name ("westeurope"); the display name ("West Europe") is accepted and normalised. */
export const regionSchema = z
  .string({ error: "region must be text" })
  .regex(/^[A-Za-z0-9 ]{2,40}$/, { error: "region must be an Azure region name such as westeurope" })
  .transform(normaliseRegion);

/** Azure's location names are lower-case without spaces; display names only add case and spaces. */
export function normaliseRegion(region: string): string {
  return region.replace(/ /g, "").toLowerCase();
}

// Resource group names: letters and digits of any script, "_", "-", ".", "(" and ")", up to 90.
export const resourceGroupNameSchema = z
  .string({ error: "resource group must be text" })
  .regex(/^[\p{L}\p{N}_\-.()]{1,90}$/u, {
    error: "resource group must be 1 to 90 letters, digits, '_', '-', '.', '(' or ')'",
  });

export const resourceGroupPatternSchema = z
  .string({ error: "resource group pattern must be text" })
  .regex(/^[\p{L}\p{N}_\-.()*?]{1,90}$/u, {
    error: "resource group pattern must be a name or a glob ('*' any run, '?' one character) of at most 90 characters",
  });

export const serverNamePatternSchema = z
  .string({ error: "server name pattern must be text" })
  .regex(/^[A-Za-z0-9\-*?]{1,63}$/, {
    error: "server name pattern must be a name or a glob ('*', '?') of letters, digits and '-', at most 63 characters",
  });

export const vaultNamePatternSchema = z
  .string({ error: "vault name pattern must be text" })
  .regex(/^[A-Za-z0-9\-*?]{1,50}$/, {
    error: "vault name pattern must be a name or a glob ('*', '?') of letters, digits and '-', at most 50 characters",
  });

export const postgresVersionSchema = z
  .string({ error: "PostgreSQL version must be text, such as \"16\"" })
  .regex(/^\d{1,2}(\.\d{1,2})?$/, { error: "PostgreSQL version must be a major version such as \"16\"" });

// Azure forbids < > % & \ ? / in tag names, limits them to 512 characters and values to 256.
export const tagKeySchema = z
  .string({ error: "tag key must be text" })
  .min(1, { error: "tag key must not be empty" })
  .max(512, { error: "tag key may be at most 512 characters" })
  .regex(/^[^<>%&\\?/]+$/, { error: "tag key must not contain < > % & \\ ? or /" });

export const tagValueSchema = z
  .string({ error: "tag value must be text" })
  .max(256, { error: "tag value may be at most 256 characters" });

export const vaultArmIdSchema = z
  .string({ error: "vault id must be text" })
  .regex(VAULT_ID, {
    error: "vault id must be a Backup vault ARM id: /subscriptions/{id}/resourceGroups/{group}/providers/Microsoft.DataProtection/backupVaults/{name}",
  });

export const policyArmIdSchema = z
  .string({ error: "policy id must be text" })
  .regex(POLICY_ID, {
    error: "policy id must be a backup policy ARM id: {vault id}/backupPolicies/{name}",
  });

export const serverArmIdSchema = z
  .string({ error: "server id must be text" })
  .regex(SERVER_ID, {
    error: "server id must be a flexible server ARM id: /subscriptions/{id}/resourceGroups/{group}/providers/Microsoft.DBforPostgreSQL/flexibleServers/{name}",
  });

/** The vault a policy ARM id belongs to: the part before "/backupPolicies/". */
export function vaultIdOfPolicy(policyArmId: string): string {
  const at = policyArmId.toLowerCase().lastIndexOf("/backuppolicies/");
  return at === -1 ? policyArmId : policyArmId.slice(0, at);
}

/** A positive ISO 8601 duration such as P1W, P3M, P10Y or PT4H. */
export function isoDurationSchema(field: string) {
  return z
    .string({ error: `${field} must be an ISO 8601 duration such as P1W or P3M` })
    .refine((text) => isoDurationSeconds(text) !== null, {
      error: `${field} must be an ISO 8601 duration such as P1D, P1W, P3M, P10Y or PT4H (upper-case designators)`,
    })
    .refine((text) => (isoDurationSeconds(text) ?? 0) > 0, { error: `${field} must be longer than zero` });
}

// ---------------------------------------------------------------------------------------------
// Tag conditions: all the conditions of a list must hold (AND). Keys compare case-insensitively and
// values case-sensitively, as Azure treats tags.

export const tagConditionSchema = z.discriminatedUnion(
  "operator",
  [
    strictObject("tag condition", { key: tagKeySchema, operator: z.literal("equals"), value: tagValueSchema }),
    strictObject("tag condition", { key: tagKeySchema, operator: z.literal("notEquals"), value: tagValueSchema }),
    strictObject("tag condition", { key: tagKeySchema, operator: z.literal("exists") }),
    strictObject("tag condition", { key: tagKeySchema, operator: z.literal("notExists") }),
    strictObject("tag condition", {
      key: tagKeySchema,
      operator: z.literal("in"),
      values: nonEmptyList("tag condition values", tagValueSchema, 100),
    }),
  ],
  { error: "tag condition operator must be one of equals, notEquals, exists, notExists, in" },
);
export type TagCondition = z.output<typeof tagConditionSchema>;

// ---------------------------------------------------------------------------------------------
// Scope and exclusions: the same kinds of criteria. Within one criterion any listed value matches
// (OR); across criteria all must match (AND). An absent criterion places no condition.

const selectorShape = {
  subscriptions: nonEmptyList("subscriptions", subscriptionIdSchema).optional(),
  resourceGroups: nonEmptyList("resourceGroups", resourceGroupPatternSchema).optional(),
  regions: nonEmptyList("regions", regionSchema, 100).optional(),
  tags: nonEmptyList("tags", tagConditionSchema, 50).optional(),
  serverNames: nonEmptyList("serverNames", serverNamePatternSchema).optional(),
  postgresVersions: nonEmptyList("postgresVersions", postgresVersionSchema, 50).optional(),
};

/** Which servers a rule governs; {} is the whole fleet. */
export const ruleScopeSchema = strictObject("scope", selectorShape);
export type RuleScope = z.output<typeof ruleScopeSchema>;

/** Servers taken out of a rule's scope: excluded when all the criteria of any one exclusion match. */
export const ruleExclusionSchema = strictObject("exclusion", selectorShape).refine(
  (exclusion) => Object.values(exclusion).some((criterion) => criterion !== undefined),
  { error: "exclusion must name at least one criterion; an empty exclusion would exclude every server" },
);
export type RuleExclusion = z.output<typeof ruleExclusionSchema>;

// ---------------------------------------------------------------------------------------------
// Requirement: where and how a governed server must be protected.

export const vaultRequirementSchema = z.discriminatedUnion(
  "kind",
  [
    strictObject("vault requirement", {
      kind: z.literal("perRegion"),
      vaults: nonEmptyList(
        "vaults",
        strictObject("vault for a region", { region: regionSchema, vaultArmId: vaultArmIdSchema }),
        100,
      ).superRefine((entries, ctx) => {
        const seen = new Set<string>();
        entries.forEach((entry, index) => {
          if (seen.has(entry.region))
            ctx.addIssue({ code: "custom", path: [index, "region"], message: `vaults names region ${entry.region} twice; give one vault per region` });
          seen.add(entry.region);
        });
      }),
    }),
    strictObject("vault requirement", {
      kind: z.literal("matchInRegion"),
      nameGlob: vaultNamePatternSchema.optional(),
      tags: nonEmptyList("vault tags", tagConditionSchema, 50).optional(),
    }).refine((selector) => selector.nameGlob !== undefined || selector.tags !== undefined, {
      error: "vault requirement of kind matchInRegion needs nameGlob, tags or both; otherwise any vault would do",
    }),
  ],
  { error: "vault requirement kind must be perRegion (a vault per region) or matchInRegion (the vault in the server's region whose name or tags match)" },
);
export type VaultRequirement = z.output<typeof vaultRequirementSchema>;

export const policyRequirementSchema = z.discriminatedUnion(
  "kind",
  [
    strictObject("policy requirement", {
      kind: z.literal("explicit"),
      policyArmIds: nonEmptyList("policyArmIds", policyArmIdSchema, 100).superRefine((ids, ctx) => {
        const vaults = new Set<string>();
        ids.forEach((id, index) => {
          const vault = vaultIdOfPolicy(id).toLowerCase();
          if (vaults.has(vault))
            ctx.addIssue({ code: "custom", path: [index], message: "policyArmIds names two policies of the same vault; give one policy per vault" });
          vaults.add(vault);
        });
      }),
    }),
    strictObject("policy requirement", {
      kind: z.literal("constraints"),
      minRetention: isoDurationSchema("minRetention")
        .refine((text) => (isoDurationSeconds(text) ?? 0) <= (isoDurationSeconds(MAX_AZURE_RETENTION) ?? 0), {
          error: `minRetention may be at most ${MAX_AZURE_RETENTION}: Azure Backup keeps PostgreSQL backups for at most 10 years`,
        })
        .optional(),
      maxBackupInterval: isoDurationSchema("maxBackupInterval").optional(),
    }).refine((constraints) => constraints.minRetention !== undefined || constraints.maxBackupInterval !== undefined, {
      error: "policy requirement of kind constraints needs minRetention, maxBackupInterval or both",
    }),
  ],
  { error: "policy requirement kind must be explicit (a policy per vault) or constraints (minimum retention, maximum backup interval)" },
);
export type PolicyRequirement = z.output<typeof policyRequirementSchema>;

export const ROLE_ASSIGNMENT_MODES = ["assign", "templateOnly"] as const;

export const ruleRequirementSchema = strictObject("requirement", {
  vault: vaultRequirementSchema,
  policy: policyRequirementSchema,
  /** assign: Flexguard may assign the vault's missing roles itself; templateOnly: it hands out a template. */
  roleAssignment: z.enum(ROLE_ASSIGNMENT_MODES, {
    error: "roleAssignment must be assign (Flexguard may assign missing roles) or templateOnly (hand out a template)",
  }),
}).superRefine((requirement, ctx) => {
  // With explicit vaults and explicit policies, every vault needs its policy; otherwise a server in
  // that region could never be compliant.
  if (requirement.vault.kind !== "perRegion" || requirement.policy.kind !== "explicit") return;
  const vaultsWithPolicy = new Set(requirement.policy.policyArmIds.map((id) => vaultIdOfPolicy(id).toLowerCase()));
  requirement.vault.vaults.forEach((entry, index) => {
    if (!vaultsWithPolicy.has(entry.vaultArmId.toLowerCase()))
      ctx.addIssue({
        code: "custom",
        path: ["vault", "vaults", index, "vaultArmId"],
        message: `the vault for region ${entry.region} has no policy in policy.policyArmIds; name one of its backup policies`,
      });
  });
});
export type RuleRequirement = z.output<typeof ruleRequirementSchema>;

// ---------------------------------------------------------------------------------------------
// The rule

export const RULE_MODES = ["audit", "enforce"] as const;
export type RuleMode = (typeof RULE_MODES)[number];

export const protectionRuleSchema = strictObject("rule", {
  name: z
    .string({ error: "name must be text" })
    .trim()
    .min(1, { error: "name must not be empty" })
    .max(100, { error: "name may be at most 100 characters" })
    .regex(/^[^\p{Cc}]*$/u, { error: "name must not contain control characters" }),
  description: z.string({ error: "description must be text" }).max(2000, { error: "description may be at most 2000 characters" }).default(""),
  enabled: z.boolean({ error: "enabled must be true or false" }).default(true),
  /** audit: report only; enforce: non-compliant servers are eligible for remediation. */
  mode: z.enum(RULE_MODES, { error: "mode must be audit (report only) or enforce (eligible for remediation)" }).default("audit"),
  /** Precedence: a server is governed by the enabled rule with the lowest order whose scope matches. */
  order: z
    .number({ error: "order must be a number" })
    .int({ error: "order must be a whole number" })
    .min(0, { error: "order must be 0 or more" })
    .max(1_000_000, { error: "order may be at most 1000000" }),
  scope: ruleScopeSchema,
  exclusions: z.array(ruleExclusionSchema, { error: "exclusions must be a list" }).max(100, { error: "exclusions may hold at most 100 entries" }).default([]),
  requirement: ruleRequirementSchema,
});
export type ProtectionRule = z.output<typeof protectionRuleSchema>;
export type ProtectionRuleInput = z.input<typeof protectionRuleSchema>;

/** A rule as stored: its row id and the revision that the verdicts it produces record. */
export type StoredProtectionRule = ProtectionRule & { id: string; revision: number };

/** The whole rule set, as exported and imported for teams who keep policy in git. */
export const ruleSetSchema = strictObject("rule set", {
  version: z.literal(1, { error: "version must be 1" }),
  rules: z.array(protectionRuleSchema, { error: "rules must be a list" }).max(500, { error: "rules may hold at most 500 rules" }),
}).superRefine((set, ctx) => {
  const names = new Map<string, number>();
  const orders = new Map<number, number>();
  set.rules.forEach((rule, index) => {
    const name = rule.name.toLowerCase();
    const sameName = names.get(name);
    if (sameName !== undefined)
      ctx.addIssue({ code: "custom", path: ["rules", index, "name"], message: `name is already used by rules.${sameName}; rule names must be unique` });
    else names.set(name, index);
    const sameOrder = orders.get(rule.order);
    if (sameOrder !== undefined)
      ctx.addIssue({ code: "custom", path: ["rules", index, "order"], message: `order ${rule.order} is already used by rules.${sameOrder}; precedence must be unambiguous` });
    else orders.set(rule.order, index);
  });
});
export type RuleSet = z.output<typeof ruleSetSchema>;
