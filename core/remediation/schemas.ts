// Remediation plans: the zod schemas of what people send (draft, edit, decide, list) and of the plan's stored
// selection. Messages name the field: the route answers 400 with { field, reason } pairs taken from these issues.
import { z } from "zod";
import { serverQuerySchema } from "../dashboard/server-query";
import { strictObject } from "../rules/schemas";
import { planOptionsSchema } from "./plan-types";

/** The server filters a plan may be drafted from: the servers page's, as its URL carries them. */
export const PLAN_FILTER_KEYS = ["q", "state", "rule", "subscription", "resourceGroup", "region", "tag", "version"] as const;

/** The filter as typed (strings, as in the servers page URL); parsed with serverQuerySchema when used. */
export const planFilterSchema = strictObject(
  "filter",
  Object.fromEntries(PLAN_FILTER_KEYS.map((k) => [k, z.string({ error: `filter.${k} must be text` }).max(600, { error: `filter.${k} may be at most 600 characters` }).optional()])) as Record<
    (typeof PLAN_FILTER_KEYS)[number],
    z.ZodOptional<z.ZodString>
  >,
).superRefine((filter, ctx) => {
  const parsed = serverQuerySchema.safeParse(filter);
  if (!parsed.success) for (const issue of parsed.error.issues) ctx.addIssue({ code: "custom", path: issue.path, message: issue.message });
});
export type PlanFilter = z.output<typeof planFilterSchema>;

const uuid = (field: string) => z.uuid({ error: `${field} must be a server id (a UUID)` });

/** Which servers a plan covers: every non-compliant one, those matching a filter, or a hand-picked list. */
export const planSelectionSchema = z.discriminatedUnion(
  "kind",
  [
    strictObject("selection", { kind: z.literal("all") }),
    strictObject("selection", { kind: z.literal("filter"), filter: planFilterSchema }),
    strictObject("selection", {
      kind: z.literal("servers"),
      serverIds: z
        .array(uuid("serverIds entry"), { error: "serverIds must be a list of server ids" })
        .min(1, { error: "serverIds must name at least one server" })
        .max(100_000, { error: "serverIds may name at most 100000 servers" }),
    }),
  ],
  { error: "selection kind must be all, filter or servers" },
);
export type PlanSelection = z.output<typeof planSelectionSchema>;

/** What the plan row's selection column holds: the selection, plus servers removed from the plan by an edit. */
export const storedSelectionSchema = z.object({
  selection: planSelectionSchema,
  /** Servers whose items an edit removed: a re-draft (changing createVaultsIn) leaves them out again. */
  excludedServerIds: z.array(z.string()).default([]),
  /** Storage redundancy for vaults the plan creates, when the operator chose one. */
  vaultStorageType: z.enum(["LocallyRedundant", "GeoRedundant", "ZoneRedundant"]).nullable().default(null),
});
export type StoredSelection = z.output<typeof storedSelectionSchema>;

const planName = z
  .string({ error: "name must be text" })
  .trim()
  .min(1, { error: "name must not be empty" })
  .max(200, { error: "name may be at most 200 characters" })
  .regex(/^[^\p{Cc}]*$/u, { error: "name must not contain control characters" });

const regionList = z
  .array(z.string({ error: "each region must be text" }).regex(/^[A-Za-z0-9 ]{2,40}$/, { error: "each region must be an Azure region name such as westeurope" }), {
    error: "createVaultsIn must be a list of regions",
  })
  .max(100, { error: "createVaultsIn may name at most 100 regions" })
  .transform((regions) => [...new Set(regions.map((r) => r.replace(/ /g, "").toLowerCase()))].sort());

/** Options as people send them: every field optional (defaults from planOptionsSchema). */
export const planOptionsInputSchema = strictObject("options", {
  firstBackup: z.boolean({ error: "options.firstBackup must be true or false" }).optional(),
  concurrency: z.number({ error: "options.concurrency must be a number" }).int({ error: "options.concurrency must be a whole number" }).min(1, { error: "options.concurrency must be at least 1" }).max(500, { error: "options.concurrency may be at most 500" }).optional(),
  perVaultConcurrency: z.number({ error: "options.perVaultConcurrency must be a number" }).int({ error: "options.perVaultConcurrency must be a whole number" }).min(1, { error: "options.perVaultConcurrency must be at least 1" }).max(100, { error: "options.perVaultConcurrency may be at most 100" }).optional(),
  canarySize: z.number({ error: "options.canarySize must be a number" }).int({ error: "options.canarySize must be a whole number" }).min(0, { error: "options.canarySize must be 0 or more" }).max(500, { error: "options.canarySize may be at most 500" }).optional(),
  failureThresholdPercent: z.number({ error: "options.failureThresholdPercent must be a number" }).min(0, { error: "options.failureThresholdPercent must be 0 or more" }).max(100, { error: "options.failureThresholdPercent may be at most 100" }).optional(),
  failureMinItems: z.number({ error: "options.failureMinItems must be a number" }).int({ error: "options.failureMinItems must be a whole number" }).min(1, { error: "options.failureMinItems must be at least 1" }).max(100_000, { error: "options.failureMinItems may be at most 100000" }).optional(),
  createVaultsIn: regionList.optional(),
});
export type PlanOptionsInput = z.input<typeof planOptionsInputSchema>;

export const VAULT_STORAGE_TYPES = ["LocallyRedundant", "GeoRedundant", "ZoneRedundant"] as const;

/** POST /api/plans: draft a plan. */
export const draftPlanInputSchema = strictObject("plan", {
  name: planName.optional(),
  selection: planSelectionSchema,
  options: planOptionsInputSchema.default({}),
  /** Storage redundancy of vaults the plan creates; default: what the governing rule's existing vaults use, else GeoRedundant (Azure's default). */
  vaultStorageType: z.enum(VAULT_STORAGE_TYPES, { error: `vaultStorageType must be one of ${VAULT_STORAGE_TYPES.join(", ")}` }).optional(),
});
export type DraftPlanInput = z.input<typeof draftPlanInputSchema>;

/** Full options from what was sent, on top of the current ones. */
export function resolveOptions(input: z.output<typeof planOptionsInputSchema> | undefined, current: unknown = {}) {
  const base = planOptionsSchema.parse(current ?? {});
  const defined = Object.fromEntries(Object.entries(input ?? {}).filter(([, v]) => v !== undefined));
  return planOptionsSchema.parse({ ...base, ...defined });
}

/** PATCH /api/plans/:planId: rename, remove items, change options. `revision` is the one the editor saw. */
export const editPlanInputSchema = strictObject("edit", {
  revision: z.number({ error: "revision must be the plan revision you edited (a number)" }).int({ error: "revision must be a whole number" }).min(1, { error: "revision must be at least 1" }),
  name: planName.optional(),
  removeItems: z
    .array(z.number({ error: "each removeItems entry must be an item seq (a number)" }).int({ error: "each removeItems entry must be a whole number" }).min(1, { error: "each removeItems entry must be at least 1" }), {
      error: "removeItems must be a list of item seq numbers",
    })
    .max(100_000, { error: "removeItems may hold at most 100000 entries" })
    .optional(),
  options: planOptionsInputSchema.optional(),
});
export type EditPlanInput = z.input<typeof editPlanInputSchema>;

const sha256 = z.string({ error: "contentHash must be text" }).regex(/^[0-9a-f]{64}$/, { error: "contentHash must be the plan's content hash (64 lower-case hex digits) as you saw it" });

/** POST /api/plans/:planId/approve and /reject: the hash the approver reviewed, and why. */
export const decidePlanInputSchema = strictObject("decision", {
  contentHash: sha256,
  comment: z
    .string({ error: "comment must be text" })
    .trim()
    .min(1, { error: "comment must not be empty: say why you approve or reject" })
    .max(2000, { error: "comment may be at most 2000 characters" }),
});
export type DecidePlanInput = z.input<typeof decidePlanInputSchema>;

/** POST /api/plans/:planId/submit: the revision the author submits. */
export const submitPlanInputSchema = strictObject("submit", {
  contentHash: sha256.optional(),
});

export const PLAN_STATUSES = ["DRAFT", "AWAITING_APPROVAL", "APPROVED", "REJECTED", "RUNNING", "PAUSED", "SUCCEEDED", "FAILED", "CANCELLED"] as const;

/** GET /api/plans?status=&page=&pageSize= */
export const listPlansQuerySchema = z.strictObject({
  status: z
    .string()
    .optional()
    .transform((v) => (v ? v.split(",").map((s) => s.trim().toUpperCase()).filter(Boolean) : undefined))
    .pipe(z.array(z.enum(PLAN_STATUSES, { error: `status must be one or more of ${PLAN_STATUSES.join(", ")}` })).optional()),
  page: z.coerce.number({ error: "page must be a number" }).int().min(1, { error: "page must be at least 1" }).max(100_000).default(1),
  pageSize: z.coerce.number({ error: "pageSize must be a number" }).int().min(1, { error: "pageSize must be at least 1" }).max(200, { error: "pageSize may be at most 200" }).default(50),
});
export type ListPlansQuery = z.input<typeof listPlansQuerySchema>;

export const ITEM_KINDS = ["protectServer", "assignRoles", "createPolicy", "createVault", "needsTemplate", "needsDecision"] as const;

/** GET /api/plans/:planId?page=&pageSize=&kind=&status= : the plan with one page of items. */
export const getPlanQuerySchema = z.strictObject({
  page: z.coerce.number({ error: "page must be a number" }).int().min(1, { error: "page must be at least 1" }).max(1_000_000).default(1),
  pageSize: z.coerce.number({ error: "pageSize must be a number" }).int().min(1, { error: "pageSize must be at least 1" }).max(1000, { error: "pageSize may be at most 1000" }).default(100),
  kind: z.enum(ITEM_KINDS, { error: `kind must be one of ${ITEM_KINDS.join(", ")}` }).optional(),
  status: z.string().max(40).optional(),
});
export type GetPlanQuery = z.input<typeof getPlanQuerySchema>;
