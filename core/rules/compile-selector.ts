// Turns a rule's scope, its exclusions and tag conditions into plain data checked by a few
// monomorphic functions. The evaluator runs these checks millions of times (100,000 servers times
// up to 50 rules); data plus one switch lets V8 inline them, where a tree of closures would make
// every call site megamorphic.
import { compileNamePatternData, namePatternMatches, type NamePattern } from "./glob";
import type { RuleExclusion, RuleScope, TagCondition } from "./schemas";
import type { ServerFacts } from "./server-facts";

export type TagPredicate = (tags: ReadonlyMap<string, string>) => boolean;

const EQUALS = 0;
const NOT_EQUALS = 1;
const EXISTS = 2;
const NOT_EXISTS = 3;
const IN = 4;
const OPERATOR_CODES = { equals: EQUALS, notEquals: NOT_EQUALS, exists: EXISTS, notExists: NOT_EXISTS, in: IN } as const;

interface CompiledTagCondition {
  /** Lower-cased: tag names compare case-insensitively, values case-sensitively. */
  key: string;
  operator: number;
  value: string;
  values: ReadonlySet<string> | null;
}

/** One selector (a scope, or one exclusion): any value within a criterion, all criteria together; null criteria place no condition. */
export interface CompiledSelector {
  subscriptions: ReadonlySet<string> | null;
  regions: ReadonlySet<string> | null;
  versions: readonly string[] | null;
  resourceGroups: readonly NamePattern[] | null;
  serverNames: readonly NamePattern[] | null;
  tags: readonly CompiledTagCondition[] | null;
}

function compileTagCondition(condition: TagCondition): CompiledTagCondition {
  return {
    key: condition.key.toLowerCase(),
    operator: OPERATOR_CODES[condition.operator],
    value: condition.operator === "equals" || condition.operator === "notEquals" ? condition.value : "",
    values: condition.operator === "in" ? new Set(condition.values) : null,
  };
}

/** All conditions must hold (AND). */
function tagsMatch(conditions: readonly CompiledTagCondition[], tags: ReadonlyMap<string, string>): boolean {
  for (const condition of conditions) {
    const value = tags.get(condition.key);
    switch (condition.operator) {
      case EQUALS:
        if (value !== condition.value) return false;
        break;
      // A server without the tag does not carry the value either, so it matches (as in Azure Policy).
      case NOT_EQUALS:
        if (value === condition.value) return false;
        break;
      case EXISTS:
        if (value === undefined) return false;
        break;
      case NOT_EXISTS:
        if (value !== undefined) return false;
        break;
      default:
        if (value === undefined || !condition.values!.has(value)) return false;
    }
  }
  return true;
}

/** Tag conditions as one predicate (for vault selection, which runs once per rule and region). */
export function compileTagConditions(conditions: readonly TagCondition[] | undefined): TagPredicate {
  if (!conditions || conditions.length === 0) return () => true;
  const compiled = conditions.map(compileTagCondition);
  return (tags) => tagsMatch(compiled, tags);
}

/** "16" also covers a server that reports a minor version ("16.4"). */
function versionMatches(wanted: readonly string[], version: string | null): boolean {
  if (version === null) return false;
  for (const major of wanted) if (version === major || version.startsWith(`${major}.`)) return true;
  return false;
}

function anyPatternMatches(patterns: readonly NamePattern[], lowerCaseName: string): boolean {
  for (const pattern of patterns) if (namePatternMatches(pattern, lowerCaseName)) return true;
  return false;
}

export function compileSelector(selector: RuleScope | RuleExclusion): CompiledSelector {
  return {
    subscriptions: selector.subscriptions ? new Set(selector.subscriptions.map((id) => id.toLowerCase())) : null,
    regions: selector.regions ? new Set(selector.regions) : null,
    versions: selector.postgresVersions ?? null,
    resourceGroups: selector.resourceGroups ? selector.resourceGroups.map(compileNamePatternData) : null,
    serverNames: selector.serverNames ? selector.serverNames.map(compileNamePatternData) : null,
    tags: selector.tags && selector.tags.length > 0 ? selector.tags.map(compileTagCondition) : null,
  };
}

/** Whether the subscription, region and version criteria admit this place. */
export function placeMatches(selector: CompiledSelector, subscriptionKey: string, region: string, version: string | null): boolean {
  return (
    (selector.subscriptions === null || selector.subscriptions.has(subscriptionKey)) &&
    (selector.regions === null || selector.regions.has(region)) &&
    (selector.versions === null || versionMatches(selector.versions, version))
  );
}

/** Whether the resource group, name and tag criteria admit this server. */
export function serverMatches(selector: CompiledSelector, facts: ServerFacts): boolean {
  return (
    (selector.resourceGroups === null || anyPatternMatches(selector.resourceGroups, facts.resourceGroupNameKey)) &&
    (selector.serverNames === null || anyPatternMatches(selector.serverNames, facts.nameKey)) &&
    (selector.tags === null || tagsMatch(selector.tags, facts.tags))
  );
}

export function selectorMatches(selector: CompiledSelector, facts: ServerFacts): boolean {
  return placeMatches(selector, facts.subscriptionKey, facts.region, facts.server.version) && serverMatches(selector, facts);
}

/**
 * A rule's reach: its scope matches and none of its exclusions does. The scope's subscription,
 * region and version criteria are checked once per place (placeMatches on `scope`), so the evaluator
 * can sort rules into buckets per combination of subscription, region and version, a few hundred in
 * a fleet, instead of testing those for every server; reachesServer checks the rest.
 */
export interface RuleReach {
  scope: CompiledSelector;
  /** Whether the scope has resource group, name or tag criteria, or the rule has exclusions. */
  needsServerCheck: boolean;
  exclusions: readonly CompiledSelector[];
}

export function compileRuleReach(scope: RuleScope, exclusions: readonly RuleExclusion[]): RuleReach {
  const compiled = compileSelector(scope);
  return {
    scope: compiled,
    needsServerCheck: compiled.resourceGroups !== null || compiled.serverNames !== null || compiled.tags !== null || exclusions.length > 0,
    exclusions: exclusions.map(compileSelector),
  };
}

/** The server-level half of a rule's reach, for a server whose place the scope already admits. */
export function reachesServer(reach: RuleReach, facts: ServerFacts): boolean {
  if (!reach.needsServerCheck) return true;
  if (!serverMatches(reach.scope, facts)) return false;
  for (const exclusion of reach.exclusions) if (selectorMatches(exclusion, facts)) return false;
  return true;
}
