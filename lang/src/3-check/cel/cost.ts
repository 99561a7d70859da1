/**
 * A static upper bound on the steps a condition takes to evaluate, from the size caps
 * (`max`) of the lists and maps it goes through.
 *
 * Every node costs 1. A comprehension costs its range, plus the range's `max` times its
 * body plus one, so nested comprehensions multiply. A range with no `max` (or `dyn`) has
 * no bound, and the first such range is returned instead of a number. String functions
 * count as one step each: their inputs are capped by the input size limits at run time.
 */
import type { CelExpr } from "../../ast/cel.js";
import type { CelType } from "./cel-types.js";
import { comprehensionOf } from "./macros.js";
import { unwrap } from "./type-utils.js";
import { children } from "../../ast/cel-walk.js";

export const MAX_CONDITION_COST = 100_000;

export type CostEstimate = { readonly cost: number } | { readonly unbounded: CelExpr };

/** The most elements a range of this type has; undefined when nothing caps it. */
function sizeBound(type: CelType | undefined): number | undefined {
  if (type === undefined) return undefined;
  const inner = unwrap(type);
  switch (inner.kind) {
    case "list":
    case "map":
      return inner.max;
    case "dyn":
      return undefined;
    default:
      // An `error` or a non-collection was reported by the checker; count it once.
      return 1;
  }
}

function costOf(expr: CelExpr, types: ReadonlyMap<CelExpr, CelType>): number | CelExpr {
  const comprehension = expr.kind === "CelCall" ? comprehensionOf(expr) : undefined;
  if (comprehension !== undefined) {
    const range = costOf(comprehension.range, types);
    if (typeof range !== "number") return range;
    const bound = sizeBound(types.get(comprehension.range));
    if (bound === undefined) return comprehension.range;
    let body = 1;
    for (const part of comprehension.body) {
      const cost = costOf(part, types);
      if (typeof cost !== "number") return cost;
      body += cost;
    }
    return 1 + range + bound * body;
  }
  let total = 1;
  for (const child of children(expr)) {
    const cost = costOf(child, types);
    if (typeof cost !== "number") return cost;
    total += cost;
  }
  return total;
}

export function estimateCost(expr: CelExpr, types: ReadonlyMap<CelExpr, CelType>): CostEstimate {
  const result = costOf(expr, types);
  return typeof result === "number" ? { cost: result } : { unbounded: result };
}
