// Turns a rule's scope, its exclusions and tag conditions into predicates, compiled once per
// evaluation. Cheap exact checks (set lookups) run before patterns and tags.
import { compileLowerCaseNamePattern, type NameMatcher } from "./glob";
import type { RuleExclusion, RuleScope, TagCondition } from "./schemas";
import type { ServerFacts } from "./server-facts";

export type ServerPredicate = (facts: ServerFacts) => boolean;
export type TagPredicate = (tags: ReadonlyMap<string, string>) => boolean;

function compileTagCondition(condition: TagCondition): TagPredicate {
  const key = condition.key.toLowerCase();
  switch (condition.operator) {
    case "equals":
      return (tags) => tags.get(key) === condition.value;
    // A server without the tag does not carry the value either, so it matches (as in Azure Policy).
    case "notEquals":
      return (tags) => tags.get(key) !== condition.value;
    case "exists":
      return (tags) => tags.has(key);
    case "notExists":
      return (tags) => !tags.has(key);
    case "in": {
      const values = new Set(condition.values);
      return (tags) => {
        const value = tags.get(key);
        return value !== undefined && values.has(value);
      };
    }
  }
}

/** All conditions must hold (AND); an empty list holds for every set of tags. */
export function compileTagConditions(conditions: readonly TagCondition[] | undefined): TagPredicate {
  if (!conditions || conditions.length === 0) return () => true;
  const predicates = conditions.map(compileTagCondition);
  return (tags) => predicates.every((predicate) => predicate(tags));
}

/** "16" also covers a server that reports a minor version ("16.4"). */
function versionMatches(wanted: readonly string[], version: string | null): boolean {
  return version !== null && wanted.some((major) => version === major || version.startsWith(`${major}.`));
}

const anyOf = (matchers: NameMatcher[]) => (name: string) => matchers.some((matches) => matches(name));

/** One selector (a scope, or one exclusion): any value within a criterion, all criteria together. */
export function compileSelector(selector: RuleScope | RuleExclusion): ServerPredicate {
  const checks: ServerPredicate[] = [];
  if (selector.subscriptions) {
    const subscriptions = new Set(selector.subscriptions.map((id) => id.toLowerCase()));
    checks.push((facts) => subscriptions.has(facts.subscriptionKey));
  }
  if (selector.regions) {
    const regions = new Set(selector.regions);
    checks.push((facts) => regions.has(facts.region));
  }
  if (selector.postgresVersions) {
    const versions = selector.postgresVersions;
    checks.push((facts) => versionMatches(versions, facts.server.version));
  }
  if (selector.resourceGroups) {
    const matches = anyOf(selector.resourceGroups.map(compileLowerCaseNamePattern));
    checks.push((facts) => matches(facts.resourceGroupNameKey));
  }
  if (selector.serverNames) {
    const matches = anyOf(selector.serverNames.map(compileLowerCaseNamePattern));
    checks.push((facts) => matches(facts.nameKey));
  }
  if (selector.tags) {
    const matches = compileTagConditions(selector.tags);
    checks.push((facts) => matches(facts.tags));
  }
  if (checks.length === 0) return () => true;
  return (facts) => {
    for (const check of checks) if (!check(facts)) return false;
    return true;
  };
}

/**
 * A rule's reach, split in two so the evaluator can sort rules into buckets once per combination of
 * subscription, region and PostgreSQL version (a few hundred in a fleet) instead of testing those
 * for every server: `placeMatches` holds the scope's subscription, region and version criteria;
 * `serverMatches` (null when there is nothing left to test) the rest of the scope and the exclusions.
 */
export interface RuleReach {
  placeMatches: (subscriptionKey: string, region: string, version: string | null) => boolean;
  serverMatches: ServerPredicate | null;
}

export function compileRuleReach(scope: RuleScope, exclusions: readonly RuleExclusion[]): RuleReach {
  const subscriptions = scope.subscriptions ? new Set(scope.subscriptions.map((id) => id.toLowerCase())) : null;
  const regions = scope.regions ? new Set(scope.regions) : null;
  const versions = scope.postgresVersions ?? null;
  const placeMatches = (subscriptionKey: string, region: string, version: string | null) =>
    (subscriptions === null || subscriptions.has(subscriptionKey)) &&
    (regions === null || regions.has(region)) &&
    (versions === null || versionMatches(versions, version));

  const rest: RuleScope = { resourceGroups: scope.resourceGroups, serverNames: scope.serverNames, tags: scope.tags };
  const hasRest = rest.resourceGroups !== undefined || rest.serverNames !== undefined || rest.tags !== undefined;
  const inScope = hasRest ? compileSelector(rest) : null;
  const excluded = exclusions.map(compileSelector);
  const serverMatches: ServerPredicate | null =
    excluded.length === 0
      ? inScope
      : (facts) => {
          if (inScope !== null && !inScope(facts)) return false;
          for (const matches of excluded) if (matches(facts)) return false;
          return true;
        };
  return { placeMatches, serverMatches };
}
