/**
 * The help line when a value stands where a `bool` is needed (`&&`, `!`, `?:`, a
 * comprehension's predicate, a whole condition): how to turn it into a test.
 */
import type { CelExpr } from "../../ast/cel.js";
import { printCel } from "../../format/cel-print.js";
import type { CelType } from "./cel-types.js";

/** Longer operands are shown as `…` in the suggestion. */
const SHOWN = 40;

export function boolHelp(node: CelExpr, type: CelType): string | undefined {
  const printed = printCel(node);
  const text = printed.length <= SHOWN ? printed : "…";
  switch (type.kind) {
    case "nullable":
    case "message":
      return `test whether it is set: \`${text} != null\``;
    case "list":
    case "map":
      return `test its size: \`size(${text}) > 0\``;
    case "primitive":
      switch (type.name) {
        case "string":
          return `compare it: \`${text} == "…"\``;
        case "int":
          return `compare it: \`${text} > 0\``;
        case "uint":
          return `compare it: \`${text} > 0u\``;
        case "double":
          return `compare it: \`${text} > 0.0\``;
        default:
          return undefined;
      }
    default:
      return undefined;
  }
}
