/**
 * `matches` patterns: each must be a string literal (so it is checked here, not first at
 * run time) and valid RE2, the linear-time syntax the runtime evaluates with. JavaScript
 * regular expressions backtrack exponentially on patterns like `(a+)+$`; RE2 has no
 * backreferences or lookaround, so such patterns cannot be written.
 */
import { RE2JS, RE2JSSyntaxException } from "re2js";
import type { CelCall, CelExpr } from "../../ast/cel.js";
import { decodeString } from "../../1-parse/strings.js";
import { type CelProblem, celProblem } from "./problems.js";
import { children } from "../../ast/cel-walk.js";

/** The pattern argument of a well-formed `matches` call. */
function patternOf(call: CelCall): CelExpr | undefined {
  const name = call.fn.startsWith(".") ? call.fn.slice(1) : call.fn;
  if (name !== "matches") return undefined;
  if (call.target !== undefined) return call.args.length === 1 ? call.args[0] : undefined;
  return call.args.length === 2 ? call.args[1] : undefined;
}

/** Verdicts by pattern text: projects repeat the same patterns, and compiling costs. */
const verdicts = new Map<string, string | undefined>();

/** RE2's complaint about a pattern, or undefined when it compiles. */
export function re2Error(pattern: string): string | undefined {
  if (verdicts.has(pattern)) return verdicts.get(pattern);
  let verdict: string | undefined;
  try {
    RE2JS.compile(pattern);
  } catch (e) {
    if (e instanceof RE2JSSyntaxException) verdict = e.input ? `${e.error} in \`${e.input}\`` : e.error;
    else verdict = e instanceof Error ? e.message : String(e);
  }
  if (verdicts.size < 10_000) verdicts.set(pattern, verdict);
  return verdict;
}

export function checkPatterns(expr: CelExpr): CelProblem[] {
  const problems: CelProblem[] = [];
  // A plain stack rather than the `nodes` generator: this runs on every condition of every check.
  const stack: CelExpr[] = [expr];
  for (let node = stack.pop(); node !== undefined; node = stack.pop()) {
    const kids = children(node);
    for (let i = kids.length - 1; i >= 0; i--) stack.push(kids[i] as CelExpr);
    if (node.kind !== "CelCall") continue;
    const pattern = patternOf(node);
    if (pattern === undefined || pattern.kind === "Missing") continue;
    if (pattern.kind !== "CelLiteral" || pattern.type !== "string") {
      problems.push(
        celProblem(
          "matchesNeedsLiteral",
          pattern.span,
          "the pattern of `matches` must be a string literal",
          'a pattern known only at run time cannot be checked ahead of time; write it out, e.g. `x.matches("^[a-z]+$")`',
        ),
      );
      continue;
    }
    const error = re2Error(decodeString(pattern.raw).value);
    if (error !== undefined) {
      problems.push(
        celProblem(
          "invalidRegex",
          pattern.span,
          `invalid pattern: ${error}`,
          /Perl|escape|named capture|backreference|lookaround/i.test(error)
            ? "patterns use RE2 syntax, which has no backreferences or lookaround"
            : "patterns use RE2 syntax (as Go's `regexp`); check brackets, parentheses and escapes",
        ),
      );
    }
  }
  return problems;
}
