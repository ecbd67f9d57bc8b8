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
 * Compiles a pattern for names that are already lower-cased: the evaluator lower-cases each name
 * once and tests it against every rule's patterns (100,000 servers times 50 rules).
 */
export function compileLowerCaseNamePattern(pattern: string): NameMatcher {
  const lowered = pattern.toLowerCase();
  if (!hasWildcard(lowered)) return (lowerCaseName) => lowerCaseName === lowered;
  const tokens = characters(lowered);
  return (lowerCaseName) => wildcardMatch(tokens, characters(lowerCaseName));
}

/** Compiles a pattern once; the matcher takes names in any case. */
export function compileNamePattern(pattern: string): NameMatcher {
  const matchLowerCase = compileLowerCaseNamePattern(pattern);
  return (name) => matchLowerCase(name.toLowerCase());
}
