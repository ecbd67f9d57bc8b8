// The rule editor's form state, and its conversion to and from the rule the API reads (core/rules/schemas.ts).
// Framework-free, so unit tests pin it down: every rule the schema accepts loads into the form and comes back
// unchanged, and what the form holds becomes the JSON the schema reads with each entry at the index the form shows
// it at, so that an issue the API names ("rule.scope.tags.0.value") leads back to the control holding that value.
//
// Blank list entries are sent as they are rather than dropped: dropping them would shift the indices of the entries
// after them, and the API's message then shows at the blank entry the admin added, which is where it belongs.
import { parseIsoDuration } from "@/core/rules/duration";
import { ROLE_ASSIGNMENT_MODES, vaultIdOfPolicy } from "@/core/rules/schemas";

export interface FieldIssue {
  field: string;
  reason: string;
}

// ---------------------------------------------------------------------------------------------
// Form state

export const TAG_OPERATORS = ["equals", "notEquals", "exists", "notExists", "in"] as const;
export type TagOperator = (typeof TAG_OPERATORS)[number];

/** One tag condition. `value` and `values` are both kept so that switching the operator back and forth loses nothing. */
export interface TagRow {
  key: string;
  operator: TagOperator;
  value: string;
  values: string[];
}

/** The criteria of a scope or an exclusion, in the schema's order. */
export const CRITERIA = ["subscriptions", "resourceGroups", "regions", "tags", "serverNames", "postgresVersions"] as const;
export type Criterion = (typeof CRITERIA)[number];
export type TextCriterion = Exclude<Criterion, "tags">;

export interface SelectorForm {
  subscriptions: string[];
  resourceGroups: string[];
  regions: string[];
  tags: TagRow[];
  serverNames: string[];
  postgresVersions: string[];
}

export type VaultKind = "perRegion" | "matchInRegion";
export type PolicyKind = "explicit" | "constraints";
export type RoleAssignmentMode = (typeof ROLE_ASSIGNMENT_MODES)[number];

export interface RegionVaultRow {
  region: string;
  vaultArmId: string;
}

/** Both kinds of vault and policy requirement are kept, so that switching kinds loses nothing; only the chosen one is sent. */
export interface RequirementForm {
  vaultKind: VaultKind;
  regionVaults: RegionVaultRow[];
  /** "": no name condition. */
  vaultNameGlob: string;
  vaultTags: TagRow[];
  policyKind: PolicyKind;
  policyArmIds: string[];
  /** "": no minimum. */
  minRetention: string;
  /** "": no maximum. */
  maxBackupInterval: string;
  roleAssignment: RoleAssignmentMode;
}

export interface RuleForm {
  scope: SelectorForm;
  exclusions: SelectorForm[];
  requirement: RequirementForm;
}

export const emptySelector = (): SelectorForm => ({ subscriptions: [], resourceGroups: [], regions: [], tags: [], serverNames: [], postgresVersions: [] });
export const newTagRow = (): TagRow => ({ key: "", operator: "equals", value: "", values: [] });
export const isEmptySelector = (selector: SelectorForm): boolean => CRITERIA.every((c) => selector[c].length === 0);
export const operatorTakesValue = (op: TagOperator) => op === "equals" || op === "notEquals";

/** A tag condition under another operator; a single value and a list of values carry over to each other. */
export function withOperator(row: TagRow, operator: TagOperator): TagRow {
  if (operator === "in" && row.values.length === 0 && row.value !== "") return { ...row, operator, values: [row.value] };
  if (operatorTakesValue(operator) && row.value === "" && row.values.length > 0) return { ...row, operator, value: row.values[0]! };
  return { ...row, operator };
}

// ---------------------------------------------------------------------------------------------
// Form -> rule JSON

export type TagConditionJson =
  | { key: string; operator: "equals" | "notEquals"; value: string }
  | { key: string; operator: "exists" | "notExists" }
  | { key: string; operator: "in"; values: string[] };

export type SelectorJson = Partial<Record<TextCriterion, string[]>> & { tags?: TagConditionJson[] };

export type VaultRequirementJson =
  | { kind: "perRegion"; vaults: RegionVaultRow[] }
  | { kind: "matchInRegion"; nameGlob?: string; tags?: TagConditionJson[] };

export type PolicyRequirementJson = { kind: "explicit"; policyArmIds: string[] } | { kind: "constraints"; minRetention?: string; maxBackupInterval?: string };

export interface RequirementJson {
  vault: VaultRequirementJson;
  policy: PolicyRequirementJson;
  roleAssignment: RoleAssignmentMode;
}

export interface RuleShapeJson {
  scope: SelectorJson;
  exclusions: SelectorJson[];
  requirement: RequirementJson;
}

// Subscription ids, resource group and name patterns, regions, versions, ARM ids and durations cannot hold spaces at
// either end (a region's inner spaces are dropped by the schema), so a pasted id with a stray space still works.
// Tag keys and values are sent exactly as typed: Azure allows spaces in them.
const tidy = (text: string) => text.trim();

export function tagToJson(row: TagRow): TagConditionJson {
  switch (row.operator) {
    case "equals":
    case "notEquals":
      return { key: row.key, operator: row.operator, value: row.value };
    case "exists":
    case "notExists":
      return { key: row.key, operator: row.operator };
    case "in":
      return { key: row.key, operator: "in", values: [...row.values] };
  }
}

/** The scope or exclusion the form shows: criteria without entries are left out (an absent criterion places no condition). */
export function selectorToJson(selector: SelectorForm): SelectorJson {
  const out: SelectorJson = {};
  for (const criterion of CRITERIA) {
    if (criterion === "tags") {
      if (selector.tags.length) out.tags = selector.tags.map(tagToJson);
    } else if (selector[criterion].length) out[criterion] = selector[criterion].map(tidy);
  }
  return out;
}

export function requirementToJson(form: RequirementForm): RequirementJson {
  const vault: VaultRequirementJson =
    form.vaultKind === "perRegion"
      ? { kind: "perRegion", vaults: form.regionVaults.map((row) => ({ region: tidy(row.region), vaultArmId: tidy(row.vaultArmId) })) }
      : {
          kind: "matchInRegion",
          ...(tidy(form.vaultNameGlob) ? { nameGlob: tidy(form.vaultNameGlob) } : {}),
          ...(form.vaultTags.length ? { tags: form.vaultTags.map(tagToJson) } : {}),
        };
  const policy: PolicyRequirementJson =
    form.policyKind === "explicit"
      ? { kind: "explicit", policyArmIds: form.policyArmIds.map(tidy) }
      : {
          kind: "constraints",
          ...(tidy(form.minRetention) ? { minRetention: tidy(form.minRetention) } : {}),
          ...(tidy(form.maxBackupInterval) ? { maxBackupInterval: tidy(form.maxBackupInterval) } : {}),
        };
  return { vault, policy, roleAssignment: form.roleAssignment };
}

export function ruleFormToJson(form: RuleForm): RuleShapeJson {
  return { scope: selectorToJson(form.scope), exclusions: form.exclusions.map(selectorToJson), requirement: requirementToJson(form.requirement) };
}

/** The order as typed: a number when it reads as one, else the text itself, so that the API names the problem at the field. */
export function orderValue(text: string): number | string {
  return text.trim() === "" || Number.isNaN(Number(text)) ? text : Number(text);
}

// ---------------------------------------------------------------------------------------------
// Rule JSON -> form. Stored rules always load; JSON typed in the advanced editor loads when the form can show it
// exactly, else the problems say what it cannot show (the API would refuse most of it anyway).

export type Loaded<T> = { ok: true; value: T } | { ok: false; problems: FieldIssue[] };

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

class Reader {
  readonly problems: FieldIssue[] = [];
  problem(field: string, reason: string) {
    this.problems.push({ field, reason });
  }
  /** An object with only the known fields; unknown ones are problems. */
  object(value: unknown, path: string, known: readonly string[]): Record<string, unknown> | null {
    if (!isRecord(value)) {
      this.problem(path, "must be an object");
      return null;
    }
    for (const key of Object.keys(value)) if (!known.includes(key)) this.problem(path, `has unknown field ${JSON.stringify(key)}; known fields: ${known.join(", ")}`);
    return value;
  }
  text(value: unknown, path: string): string {
    if (typeof value === "string") return value;
    this.problem(path, "must be text");
    return "";
  }
  /** Text that the form shows as an empty box when absent: "" would then be lost, so it is refused. */
  optionalText(value: unknown, path: string): string {
    if (value === undefined) return "";
    const text = this.text(value, path);
    if (value === "") this.problem(path, "is empty; leave the field out instead");
    return text;
  }
  /**
   * A list. An optional one (a criterion) must not be empty, since the form shows an absent list and an empty one
   * alike (and the schema refuses empty ones); a required one (the values of "in", the vaults per region) must be there.
   */
  list<T>(value: unknown, path: string, item: (entry: unknown, path: string) => T, presence: "optional" | "required" = "optional"): T[] {
    if (value === undefined) {
      if (presence === "required") this.problem(path, "must be a list");
      return [];
    }
    if (!Array.isArray(value)) {
      this.problem(path, "must be a list");
      return [];
    }
    if (value.length === 0 && presence === "optional") this.problem(path, "is an empty list; leave the field out to place no condition on it");
    return value.map((entry, index) => item(entry, `${path}.${index}`));
  }
  tag(value: unknown, path: string): TagRow {
    const tag = this.object(value, path, ["key", "operator", "value", "values"]);
    if (!tag) return newTagRow();
    const key = this.text(tag.key, `${path}.key`);
    const operator = tag.operator;
    if (typeof operator !== "string" || !(TAG_OPERATORS as readonly string[]).includes(operator)) {
      this.problem(`${path}.operator`, `must be one of ${TAG_OPERATORS.join(", ")}`);
      return newTagRow();
    }
    const op = operator as TagOperator;
    const row: TagRow = { key, operator: op, value: "", values: [] };
    if (operatorTakesValue(op)) row.value = this.text(tag.value, `${path}.value`);
    else if (tag.value !== undefined) this.problem(`${path}.value`, `a condition with operator ${op} takes no value`);
    if (op === "in") row.values = this.list(tag.values, `${path}.values`, (v, p) => this.text(v, p), "required");
    else if (tag.values !== undefined) this.problem(`${path}.values`, `a condition with operator ${op} takes no values`);
    return row;
  }
  selector(value: unknown, path: string): SelectorForm {
    const form = emptySelector();
    const selector = this.object(value, path, CRITERIA);
    if (!selector) return form;
    for (const criterion of CRITERIA) {
      if (criterion === "tags") form.tags = this.list(selector.tags, `${path}.tags`, (v, p) => this.tag(v, p));
      else form[criterion] = this.list(selector[criterion], `${path}.${criterion}`, (v, p) => this.text(v, p));
    }
    return form;
  }
}

/** The criteria of a scope or exclusion as the form shows them, or what the form cannot show. */
export function selectorFromJson(value: unknown, path = "scope"): Loaded<SelectorForm> {
  const reader = new Reader();
  const form = reader.selector(value, path);
  return reader.problems.length ? { ok: false, problems: reader.problems } : { ok: true, value: form };
}

export function exclusionsFromJson(value: unknown, path = "exclusions"): Loaded<SelectorForm[]> {
  const reader = new Reader();
  let forms: SelectorForm[] = [];
  if (value === undefined) forms = [];
  else if (!Array.isArray(value)) reader.problem(path, "must be a list");
  else forms = value.map((entry, index) => reader.selector(entry, `${path}.${index}`));
  return reader.problems.length ? { ok: false, problems: reader.problems } : { ok: true, value: forms };
}

/** A form requirement before anything is chosen: the kinds a new rule starts with, every box empty. */
export const blankRequirement = (): RequirementForm => ({
  vaultKind: "matchInRegion",
  regionVaults: [],
  vaultNameGlob: "",
  vaultTags: [],
  policyKind: "constraints",
  policyArmIds: [],
  minRetention: "",
  maxBackupInterval: "",
  roleAssignment: "templateOnly",
});

export function requirementFromJson(value: unknown, path = "requirement"): Loaded<RequirementForm> {
  const reader = new Reader();
  const form = blankRequirement();
  const requirement = reader.object(value, path, ["vault", "policy", "roleAssignment"]);
  if (requirement) {
    const vault = reader.object(requirement.vault, `${path}.vault`, ["kind", "vaults", "nameGlob", "tags"]);
    if (vault?.kind === "perRegion") {
      form.vaultKind = "perRegion";
      for (const extra of ["nameGlob", "tags"]) if (vault[extra] !== undefined) reader.problem(`${path}.vault`, `a perRegion vault requirement takes no ${extra}`);
      form.regionVaults = reader.list(
        vault.vaults,
        `${path}.vault.vaults`,
        (entry, p) => {
          const row = reader.object(entry, p, ["region", "vaultArmId"]);
          return row ? { region: reader.text(row.region, `${p}.region`), vaultArmId: reader.text(row.vaultArmId, `${p}.vaultArmId`) } : { region: "", vaultArmId: "" };
        },
        "required",
      );
    } else if (vault?.kind === "matchInRegion") {
      form.vaultKind = "matchInRegion";
      if (vault.vaults !== undefined) reader.problem(`${path}.vault`, "a matchInRegion vault requirement takes no vaults");
      form.vaultNameGlob = reader.optionalText(vault.nameGlob, `${path}.vault.nameGlob`);
      form.vaultTags = reader.list(vault.tags, `${path}.vault.tags`, (v, p) => reader.tag(v, p));
    } else if (vault) reader.problem(`${path}.vault.kind`, "must be perRegion or matchInRegion");

    const policy = reader.object(requirement.policy, `${path}.policy`, ["kind", "policyArmIds", "minRetention", "maxBackupInterval"]);
    if (policy?.kind === "explicit") {
      form.policyKind = "explicit";
      for (const extra of ["minRetention", "maxBackupInterval"]) if (policy[extra] !== undefined) reader.problem(`${path}.policy`, `an explicit policy requirement takes no ${extra}`);
      form.policyArmIds = reader.list(policy.policyArmIds, `${path}.policy.policyArmIds`, (v, p) => reader.text(v, p), "required");
    } else if (policy?.kind === "constraints") {
      form.policyKind = "constraints";
      if (policy.policyArmIds !== undefined) reader.problem(`${path}.policy`, "a constraints policy requirement takes no policyArmIds");
      form.minRetention = reader.optionalText(policy.minRetention, `${path}.policy.minRetention`);
      form.maxBackupInterval = reader.optionalText(policy.maxBackupInterval, `${path}.policy.maxBackupInterval`);
    } else if (policy) reader.problem(`${path}.policy.kind`, "must be explicit or constraints");

    if ((ROLE_ASSIGNMENT_MODES as readonly unknown[]).includes(requirement.roleAssignment)) form.roleAssignment = requirement.roleAssignment as RoleAssignmentMode;
    else reader.problem(`${path}.roleAssignment`, "must be assign or templateOnly");
  }
  return reader.problems.length ? { ok: false, problems: reader.problems } : { ok: true, value: form };
}

/** The form for a rule's scope, exclusions and requirement, or every reason the form cannot show them exactly. */
export function ruleFormFromJson(rule: { scope: unknown; exclusions?: unknown; requirement: unknown }): Loaded<RuleForm> {
  const scope = selectorFromJson(rule.scope, "scope");
  const exclusions = exclusionsFromJson(rule.exclusions, "exclusions");
  const requirement = requirementFromJson(rule.requirement, "requirement");
  if (scope.ok && exclusions.ok && requirement.ok) return { ok: true, value: { scope: scope.value, exclusions: exclusions.value, requirement: requirement.value } };
  return { ok: false, problems: [scope, exclusions, requirement].flatMap((part) => (part.ok ? [] : part.problems)) };
}

// ---------------------------------------------------------------------------------------------
// Where the API's issues show

/** Every path the form has a control (or a group of controls) for; "" is the form as a whole. */
export function controlPaths(form: RuleForm): Set<string> {
  const paths = new Set(["", "name", "description", "enabled", "mode", "order", "scope", "exclusions", "requirement"]);
  // A list's group shows only while it has entries (the form offers an "add" button instead), except the ones
  // a requirement kind always shows.
  const tags = (base: string, rows: TagRow[]) => {
    if (rows.length) paths.add(base);
    rows.forEach((row, i) => {
      for (const leaf of ["", ".key", ".operator"]) paths.add(`${base}.${i}${leaf}`);
      if (operatorTakesValue(row.operator)) paths.add(`${base}.${i}.value`);
      if (row.operator === "in") {
        paths.add(`${base}.${i}.values`);
        row.values.forEach((_, j) => paths.add(`${base}.${i}.values.${j}`));
      }
    });
  };
  const selector = (base: string, s: SelectorForm) => {
    for (const criterion of CRITERIA) {
      if (criterion === "tags") tags(`${base}.tags`, s.tags);
      else {
        if (s[criterion].length) paths.add(`${base}.${criterion}`);
        s[criterion].forEach((_, i) => paths.add(`${base}.${criterion}.${i}`));
      }
    }
  };
  selector("scope", form.scope);
  form.exclusions.forEach((exclusion, i) => {
    paths.add(`exclusions.${i}`);
    selector(`exclusions.${i}`, exclusion);
  });
  const r = form.requirement;
  paths.add("requirement.roleAssignment");
  paths.add("requirement.vault");
  if (r.vaultKind === "perRegion") {
    paths.add("requirement.vault.vaults");
    r.regionVaults.forEach((_, i) => ["", ".region", ".vaultArmId"].forEach((leaf) => paths.add(`requirement.vault.vaults.${i}${leaf}`)));
  } else {
    paths.add("requirement.vault.nameGlob");
    tags("requirement.vault.tags", r.vaultTags);
  }
  paths.add("requirement.policy");
  if (r.policyKind === "explicit") {
    paths.add("requirement.policy.policyArmIds");
    r.policyArmIds.forEach((_, i) => paths.add(`requirement.policy.policyArmIds.${i}`));
  } else {
    paths.add("requirement.policy.minRetention");
    paths.add("requirement.policy.maxBackupInterval");
  }
  return paths;
}

/** The paths the JSON editor has controls for: the rule's own fields, with scope, exclusions and requirement as text. */
export const JSON_CONTROL_PATHS: ReadonlySet<string> = new Set(["", "name", "description", "enabled", "mode", "order", "scope", "exclusions", "requirement"]);

/** An API issue's path within the rule: "rule.scope.tags.0.value" and "scope.tags.0.value" alike give "scope.tags.0.value"; the body as a whole is "". */
export function rulePath(field: string): string {
  if (field === "(body)" || field === "rule") return "";
  return field.startsWith("rule.") ? field.slice("rule.".length) : field;
}

/** The control that shows a path's issues: the deepest enclosing path the form has a control for ("" is the form). */
export function controlFor(path: string, paths: ReadonlySet<string>): string {
  let at = path;
  while (at !== "" && !paths.has(at)) at = at.includes(".") ? at.slice(0, at.lastIndexOf(".")) : "";
  return at;
}

/**
 * The API's issues by the control that shows each (controlFor). At the control of its own path an issue shows its
 * reason; at an enclosing one (a group, or the form) it names its path first.
 */
export function placeIssues(issues: readonly FieldIssue[], paths: ReadonlySet<string>): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const issue of issues) {
    const path = rulePath(issue.field);
    const at = controlFor(path, paths);
    const list = (out[at] ??= []);
    const message = at === path || path === "" ? issue.reason : `${path}: ${issue.reason}`;
    if (!list.includes(message)) list.push(message);
  }
  return out;
}

const LIST_WORDS: Record<string, [plural: string, singular: string]> = {
  exclusions: ["Exclusions", "Exclusion"],
  subscriptions: ["subscriptions", "subscription"],
  resourceGroups: ["resource groups", "resource group"],
  regions: ["regions", "region"],
  tags: ["tag conditions", "tag condition"],
  serverNames: ["server names", "server name"],
  postgresVersions: ["PostgreSQL versions", "PostgreSQL version"],
  values: ["values", "value"],
  vaults: ["vaults per region", "vault per region"],
  policyArmIds: ["policies", "policy"],
};
const WORDS: Record<string, string> = {
  name: "Name",
  description: "Description",
  enabled: "Enabled",
  mode: "Mode",
  order: "Order",
  scope: "Scope",
  requirement: "Requirement",
  vault: "vault",
  policy: "policy",
  kind: "kind",
  key: "key",
  operator: "operator",
  value: "value",
  region: "region",
  vaultArmId: "vault id",
  nameGlob: "vault name pattern",
  minRetention: "minimum retention",
  maxBackupInterval: "maximum interval between backups",
  roleAssignment: "role assignment",
};

/** For an error summary: each path with issues, once, in the order first named, with its reasons and the control showing them. */
export function summariseIssues(issues: readonly FieldIssue[], paths: ReadonlySet<string>): { path: string; control: string; reasons: string[] }[] {
  const byPath = new Map<string, { path: string; control: string; reasons: string[] }>();
  for (const issue of issues) {
    const path = rulePath(issue.field);
    let entry = byPath.get(path);
    if (!entry) byPath.set(path, (entry = { path, control: controlFor(path, paths), reasons: [] }));
    if (!entry.reasons.includes(issue.reason)) entry.reasons.push(issue.reason);
  }
  return [...byPath.values()];
}

/** A path as the admin reads it: "scope.tags.1.value" is "Scope: tag condition 2, value". */
export function describePath(path: string): string {
  if (path === "") return "The rule";
  const segments = path.split(".");
  const words: string[] = [];
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i]!;
    const list = LIST_WORDS[segment];
    const next = segments[i + 1];
    if (list && next !== undefined && /^\d+$/.test(next)) {
      words.push(`${list[1]} ${Number(next) + 1}`);
      i++;
    } else words.push(list ? list[0] : (WORDS[segment] ?? segment));
  }
  const [first, ...rest] = words;
  return rest.length ? `${first}: ${rest.join(", ")}` : first!;
}

// ---------------------------------------------------------------------------------------------
// Helpers for the controls

/** A duration as words ("3 months, 90 days as compared"), or null when the text is no ISO 8601 duration. */
export function describeDuration(text: string): string | null {
  const d = parseIsoDuration(text.trim());
  if (!d) return null;
  const part = (n: number, unit: string) => (n ? [`${n} ${unit}${n === 1 ? "" : "s"}`] : []);
  const parts = [...part(d.years, "year"), ...part(d.months, "month"), ...part(d.weeks, "week"), ...part(d.days, "day"), ...part(d.hours, "hour"), ...part(d.minutes, "minute"), ...part(d.seconds, "second")];
  const words = parts.length ? parts.join(", ") : "zero";
  if (!d.years && !d.months) return words;
  // Years and months have fixed lengths when compared (core/rules/duration.ts): say what that is.
  const days = (d.years + Math.floor(d.months / 12)) * 365 + (d.months % 12) * 30 + d.weeks * 7 + d.days;
  return `${words} (compared as ${days} day${days === 1 ? "" : "s"})`;
}

/** For rules naming explicit vaults and policies: each vault, and the policy the list gives it (null: none yet). */
export function policiesByVault(form: RequirementForm): { row: number; vaultArmId: string; policyArmId: string | null }[] {
  const byVault = new Map<string, string>();
  for (const id of form.policyArmIds) if (id.trim()) byVault.set(vaultIdOfPolicy(id.trim()).toLowerCase(), id.trim());
  return form.regionVaults
    .map((row, index) => ({ row: index, vaultArmId: row.vaultArmId.trim(), policyArmId: byVault.get(row.vaultArmId.trim().toLowerCase()) ?? null }))
    .filter((entry) => entry.vaultArmId !== "");
}

/** JSON with object keys sorted: the same rule gives the same text whichever editor (form or JSON) it came from. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    isRecord(v) ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, v[k]])) : v,
  );
}

/** A copy of a list with one entry replaced, removed or added: the editors' one way to change a list. */
export const replaceAt = <T>(list: readonly T[], index: number, value: T): T[] => list.map((entry, i) => (i === index ? value : entry));
export const removeAt = <T>(list: readonly T[], index: number): T[] => list.filter((_, i) => i !== index);
