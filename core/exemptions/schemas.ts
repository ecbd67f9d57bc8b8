// Exemptions: a server, or a whole scope, is let off one rule or all of them until a set time, with a
// recorded reason. The structure is checked by exemptionSchema; a new or edited exemption also goes
// through exemptionInputSchema, which checks its expiry against the clock and the configured maximum.
import { z } from "zod";
import { isoDurationSeconds } from "@/core/rules/duration";
import {
  resourceGroupNameSchema,
  serverArmIdSchema,
  strictObject,
  subscriptionIdSchema,
  tagKeySchema,
  tagValueSchema,
} from "@/core/rules/schemas";

export const exemptionTargetSchema = z.discriminatedUnion(
  "kind",
  [
    strictObject("exemption target", { kind: z.literal("server"), serverArmId: serverArmIdSchema }),
    strictObject("exemption target", { kind: z.literal("subscription"), subscriptionId: subscriptionIdSchema }),
    strictObject("exemption target", {
      kind: z.literal("resourceGroup"),
      subscriptionId: subscriptionIdSchema,
      resourceGroup: resourceGroupNameSchema,
    }),
    /** Servers carrying the tag; with a value, only those whose tag has exactly that value. */
    strictObject("exemption target", { kind: z.literal("tag"), key: tagKeySchema, value: tagValueSchema.optional() }),
  ],
  { error: "exemption target kind must be server, subscription, resourceGroup or tag" },
);
export type ExemptionTarget = z.output<typeof exemptionTargetSchema>;

export const EXEMPTION_CATEGORIES = ["waiver", "mitigated"] as const;
export type ExemptionCategory = (typeof EXEMPTION_CATEGORIES)[number];

const personSchema = (field: string) =>
  z
    .string({ error: `${field} must be text` })
    .trim()
    .min(1, { error: `${field} is required: who it was` })
    .max(320, { error: `${field} may be at most 320 characters` });

// A stored row hands over a Date, JSON or YAML an ISO 8601 string with an offset ("Z" or "+02:00").
const EXPIRES_AT_FORMAT = "expiresAt must be a date and time with an offset, such as 2026-03-31T23:59:59Z";
const expiresAtSchema = z
  .union([z.date(), z.iso.datetime({ offset: true, error: EXPIRES_AT_FORMAT })], { error: EXPIRES_AT_FORMAT })
  .transform((value) => (value instanceof Date ? value : new Date(value)))
  .refine((date) => !Number.isNaN(date.getTime()), { error: "expiresAt must be a valid date and time" });

export const exemptionSchema = strictObject("exemption", {
  target: exemptionTargetSchema,
  /** The rule the server is let off; null for every rule. The field is required so that "all rules" is said explicitly. */
  ruleId: z.string({ error: "ruleId must be a rule id, or null to exempt from every rule" }).min(1, { error: "ruleId must not be empty; use null to exempt from every rule" }).nullable(),
  /** waiver: the risk is accepted; mitigated: the server is protected some other way. */
  category: z.enum(EXEMPTION_CATEGORIES, { error: "category must be waiver (risk accepted) or mitigated (protected another way)" }),
  justification: z
    .string({ error: "justification must be text" })
    .trim()
    .min(1, { error: "justification is required: say why the exemption is needed" })
    .max(4000, { error: "justification may be at most 4000 characters" }),
  expiresAt: expiresAtSchema,
  requestedBy: personSchema("requestedBy"),
  grantedBy: personSchema("grantedBy"),
});
export type Exemption = z.output<typeof exemptionSchema>;
export type ExemptionInput = z.input<typeof exemptionSchema>;

/** An exemption as stored. */
export type StoredExemption = Exemption & { id: string };

/** The default longest an exemption may run, when the configuration names none. */
export const DEFAULT_MAX_EXEMPTION_VALIDITY = "P1Y";

export interface ExemptionPolicy {
  /** The moment the exemption is being saved. */
  now: Date;
  /** How far ahead an expiry may lie, as an ISO 8601 duration (P1Y counts 365 days, see core/rules/duration.ts). */
  maxValidity: string;
}

/**
 * The schema for creating or changing an exemption: the expiry must lie in the future and no
 * further ahead than the configured maximum.
 */
export function exemptionInputSchema({ now, maxValidity }: ExemptionPolicy) {
  const maxSeconds = isoDurationSeconds(maxValidity);
  if (maxSeconds === null || maxSeconds <= 0) throw new RangeError(`maxValidity is not a positive ISO 8601 duration: ${JSON.stringify(maxValidity)}`);
  const latest = new Date(now.getTime() + maxSeconds * 1000);
  return exemptionSchema.superRefine((exemption, ctx) => {
    // zod still runs this refinement when expiresAt failed its own format check (untransformed).
    if (!(exemption.expiresAt instanceof Date)) return;
    const expires = exemption.expiresAt.getTime();
    if (expires <= now.getTime())
      ctx.addIssue({ code: "custom", path: ["expiresAt"], message: "expiresAt must lie in the future" });
    else if (expires > latest.getTime())
      ctx.addIssue({
        code: "custom",
        path: ["expiresAt"],
        message: `expiresAt may be at most ${maxValidity} ahead, that is no later than ${latest.toISOString()}`,
      });
  });
}
