// What changed between two revisions of a rule, as field paths with their before and after values: what
// RuleRevision.changes stores and what the rule history, the import dry run and the audit log show.
// Objects are walked field by field; lists are compared whole, because "regions: [a] -> [a, b]" reads
// better than index-by-index changes that shift when an entry is inserted.

/** One changed field: its dotted path ("scope.regions", "requirement.policy.minRetention"), null for absent. */
export interface RuleFieldChange {
  field: string;
  before: unknown;
  after: unknown;
}

type Plain = Record<string, unknown>;

const isPlainObject = (value: unknown): value is Plain => typeof value === "object" && value !== null && !Array.isArray(value);

/** Canonical JSON: keys sorted, so that jsonb's reordering of stored definitions never reads as a change. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    isPlainObject(v) ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, v[k]])) : v,
  );
}

/** Whether two JSON-like values are equal, ignoring key order. */
export function sameValue(a: unknown, b: unknown): boolean {
  return canonical(a ?? null) === canonical(b ?? null);
}

/**
 * The fields that differ between two rule definitions, in a stable order (field path). Pass null as
 * `before` for a new rule: every field it sets is listed with before null.
 */
export function diffRules(before: object | null, after: object | null): RuleFieldChange[] {
  const changes: RuleFieldChange[] = [];
  walk(before ?? {}, after ?? {}, "", changes);
  return changes.sort((a, b) => (a.field < b.field ? -1 : a.field > b.field ? 1 : 0));
}

function walk(before: unknown, after: unknown, path: string, into: RuleFieldChange[]): void {
  if (isPlainObject(before) && isPlainObject(after)) {
    for (const key of new Set([...Object.keys(before), ...Object.keys(after)]))
      walk(before[key], after[key], path ? `${path}.${key}` : key, into);
    return;
  }
  // An object that appears or disappears is listed leaf by leaf, so a new rule reads as the fields it sets.
  if (isPlainObject(after) && (before === undefined || before === null)) return walk({}, after, path, into);
  if (isPlainObject(before) && (after === undefined || after === null)) return walk(before, {}, path, into);
  if (!sameValue(before, after)) into.push({ field: path, before: before ?? null, after: after ?? null });
}

/** One change as a line of text: `scope.regions: ["westeurope"] -> ["westeurope","northeurope"]`. */
export function describeChange(change: RuleFieldChange): string {
  const show = (value: unknown) => (value === null ? "(none)" : JSON.stringify(value));
  return `${change.field}: ${show(change.before)} -> ${show(change.after)}`;
}
