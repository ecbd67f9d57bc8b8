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
    // "16" also covers a server that reports a minor version ("16.4").
    checks.push((facts) => {
      const version = facts.server.version;
      return version !== null && versions.some((wanted) => version === wanted || version.startsWith(`${wanted}.`));
    });
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

/** A rule's reach: its scope matches and none of its exclusions does. */
export function compileRuleScope(scope: RuleScope, exclusions: readonly RuleExclusion[]): ServerPredicate {
  const inScope = compileSelector(scope);
  if (exclusions.length === 0) return inScope;
  const excluded = exclusions.map(compileSelector);
  return (facts) => inScope(facts) && !excluded.some((matches) => matches(facts));
}
