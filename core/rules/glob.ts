// Name patterns for servers, resource groups and vaults: "*" stands for any run of characters
// (none included), "?" for exactly one character, and everything else is literal. Matching ignores
// case, as Azure does for resource names.
//
// Hand-written rather than picomatch/minimatch: those are path globs, where "(", ")" and "." carry
// meaning (extglobs, dotfiles), but they are ordinary characters of a resource group name, so
// "rg(prod).eu" must match itself. No Azure resource name may contain "*" or "?", so the two
// wildcards need no escape syntax. The matcher is the linear-backtracking wildcard algorithm, not a
// regular expression, so no pattern can make matching exponential.

/** A compiled name pattern: tells whether a name matches. */
export type NameMatcher = (name: string) => boolean;

export const hasWildcard = (pattern: string): boolean => pattern.includes("*") || pattern.includes("?");

// A string indexes by UTF-16 unit; a name with astral characters (emoji, rare scripts) is split into
// code points so that "?" stands for one character, not half of one.
const SURROGATE = /[\uD800-\uDFFF]/;
const characters = (text: string): ArrayLike<string> => (SURROGATE.test(text) ? Array.from(text) : text);

function wildcardMatch(pattern: ArrayLike<string>, name: ArrayLike<string>): boolean {
  let p = 0;
  let n = 0;
  let starAt = -1; // position of the last "*" seen in the pattern
  let resumeAt = 0; // where in the name that "*" would take up matching again
  while (n < name.length) {
    const token = p < pattern.length ? pattern[p] : undefined;
    if (token === "*") {
      starAt = p++;
      resumeAt = n;
    } else if (token !== undefined && (token === "?" || token === name[n])) {
      p++;
      n++;
    } else if (starAt !== -1) {
      // Let the last "*" swallow one more character and retry from just after it.
      p = starAt + 1;
      n = ++resumeAt;
    } else {
      return false;
    }
  }
  while (p < pattern.length && pattern[p] === "*") p++;
  return p === pattern.length;
}

/**
 * A pattern as data rather than a closure, for the evaluator's hot loop: one monomorphic function
 * (namePatternMatches) then serves every pattern, which V8 can inline.
 */
export interface NamePattern {
  /** The lower-cased name when the pattern has no wildcard. */
  exact: string | null;
  /** The lower-cased pattern, split into code points when it holds astral characters. */
  tokens: ArrayLike<string>;
  /** Whether "?" occurs: only then must a name with astral characters be split into code points. */
  countsCharacters: boolean;
  /** The literal text before the first wildcard: most patterns are "prefix*", and most names fail on it at once. */
  prefix: string;
  /** True when the pattern is exactly prefix + "*", so the prefix decides alone. */
  prefixDecides: boolean;
}

export function compileNamePatternData(pattern: string): NamePattern {
  const lowered = pattern.toLowerCase();
  const firstWildcard = lowered.search(/[*?]/);
  const prefix = firstWildcard === -1 ? lowered : lowered.slice(0, firstWildcard);
  return {
    exact: firstWildcard === -1 ? lowered : null,
    tokens: characters(lowered),
    countsCharacters: lowered.includes("?"),
    prefix,
    prefixDecides: /^\*+$/.test(lowered.slice(prefix.length)),
  };
}

/** Whether an already lower-cased name matches the pattern. */
export function namePatternMatches(pattern: NamePattern, lowerCaseName: string): boolean {
  if (pattern.exact !== null) return lowerCaseName === pattern.exact;
  if (!lowerCaseName.startsWith(pattern.prefix)) return false;
  if (pattern.prefixDecides) return true;
  // With only "*" and literals, matching UTF-16 units gives the same answer as matching code points.
  return wildcardMatch(pattern.tokens, pattern.countsCharacters ? characters(lowerCaseName) : lowerCaseName);
}

/** Compiles a pattern for names that are already lower-cased. */
export function compileLowerCaseNamePattern(pattern: string): NameMatcher {
  const compiled = compileNamePatternData(pattern);
  return (lowerCaseName) => namePatternMatches(compiled, lowerCaseName);
}

/** Compiles a pattern once; the matcher takes names in any case. */
export function compileNamePattern(pattern: string): NameMatcher {
  const compiled = compileNamePatternData(pattern);
  return (name) => namePatternMatches(compiled, name.toLowerCase());
}
