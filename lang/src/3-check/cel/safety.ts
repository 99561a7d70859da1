/**
 * The bounds that keep evaluation predictable (DESIGN.md, "Evaluation is bounded"): a
 * size limit on a condition, a static cost bound, and `matches` patterns that are
 * literal RE2. Runs after type checking, over its side table of types.
 */
import type { CelExpr } from "../../ast/cel.js";
import { printCel } from "../../format/cel-print.js";
import { type CelType, typeName } from "./cel-types.js";
import { estimateCost, MAX_CONDITION_COST } from "./cost.js";
import { type CelProblem, celProblem } from "./problems.js";
import { checkPatterns } from "./regex.js";
import { children } from "../../ast/cel-walk.js";

export const MAX_CONDITION_NODES = 1000;

/** Longer expressions are not quoted in messages. */
const QUOTED = 60;

export function checkSafety(expr: CelExpr, types: ReadonlyMap<CelExpr, CelType>): CelProblem[] {
  const problems: CelProblem[] = [];
  const size = countNodes(expr);
  if (size > MAX_CONDITION_NODES) {
    problems.push(
      celProblem(
        "expressionTooLarge",
        expr.span,
        `the condition has ${size} operations and values, more than ${MAX_CONDITION_NODES}`,
        "split it into several policies",
      ),
    );
  }
  problems.push(...checkPatterns(expr));
  const estimate = estimateCost(expr, types);
  if ("unbounded" in estimate) {
    const range = estimate.unbounded;
    const text = printCel(range);
    const what = text.length <= QUOTED ? `\`${text}\`` : "this value";
    const type = types.get(range);
    const typed = type === undefined ? "" : ` (a \`${typeName(type)}\`)`;
    problems.push(
      celProblem(
        "costTooHigh",
        range.span,
        `${what}${typed} has no size limit, so the cost of going through it has no bound`,
        type?.kind === "list" || (type?.kind === "nullable" && type.inner.kind === "list")
          ? "declare a `max:` on the list where it is declared, e.g. `tags: list(string, max: 20)`"
          : "only lists with a declared `max:` (and the runtime's capped lists such as `principal.roles`) can be gone through",
      ),
    );
  } else if (estimate.cost > MAX_CONDITION_COST) {
    const steps = (n: number): string => n.toLocaleString("en-US");
    const part = estimate.dominant === expr ? "" : `; most of it is ${quoted(estimate.dominant)} (${steps(estimate.dominantCost)} steps)`;
    problems.push(
      celProblem(
        "costTooHigh",
        expr.span,
        `the condition may take up to ${steps(estimate.cost)} steps to evaluate, more than ${steps(MAX_CONDITION_COST)}${part}`,
        "lower the `max:` of the lists and strings it goes through (declare one where there is none), or simplify it: fewer nested comprehensions, `matches` and `in` over smaller values",
      ),
    );
  }
  return problems;
}

/** A part of a condition in a message: its text when short, else where it starts. */
function quoted(expr: CelExpr): string {
  const text = printCel(expr);
  return text.length <= QUOTED ? `\`${text}\`` : `the part starting \`${text.slice(0, 30)}…\``;
}

/** The number of nodes (a plain stack, not the `nodes` generator: this runs on every condition). */
function countNodes(expr: CelExpr): number {
  let count = 0;
  const stack: CelExpr[] = [expr];
  for (let node = stack.pop(); node !== undefined; node = stack.pop()) {
    count++;
    for (const kid of children(node)) stack.push(kid);
  }
  return count;
}
