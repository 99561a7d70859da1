/**
 * `matches` on RE2: CEL's `s.matches(p)` and `matches(s, p)` are a partial match, and
 * cel-js's built-in backtracks (`"aaaa…b".matches("(a+)+$")` takes exponential time).
 * re2js runs in time linear in the text. Compiled patterns are cached by source: the
 * checker only admits literal patterns, so a bundle has a fixed, small set of them.
 *
 * This file owns pattern compilation and the match; it does not know about cel-js.
 */
import { RE2JS } from "re2js";

/** Enough for every literal pattern of a large bundle; a cache, not a store. */
const MAX_CACHED = 4096;
const compiled = new Map<string, RE2JS>();

/** The compiled pattern; throws (an evaluation error) for a pattern RE2 refuses. */
export function re2Pattern(pattern: string): RE2JS {
  let re = compiled.get(pattern);
  if (re === undefined) {
    try {
      re = RE2JS.compile(pattern);
    } catch (e) {
      const why = e instanceof Error ? e.message : String(e);
      throw new Error(`invalid regular expression \`${pattern}\`: ${why}`);
    }
    if (compiled.size >= MAX_CACHED) compiled.clear();
    compiled.set(pattern, re);
  }
  return re;
}

/** CEL `matches`: true when some substring of `text` matches `pattern` (RE2 syntax). */
export function re2Matches(text: string, pattern: string): boolean {
  return re2Pattern(pattern).test(text);
}
