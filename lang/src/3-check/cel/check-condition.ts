/**
 * A policy condition: a CEL expression that must be a `bool` (or `dyn`, checked at run
 * time, where a non-bool fails closed).
 */
import type { CelExpr } from "../../ast/cel.js";
import { boolHelp } from "./bool-help.js";
import { typeName } from "./cel-types.js";
import { type CelCheckResult, type CelEnv, checkCel } from "./check-cel.js";
import { celProblem } from "./problems.js";
import { isPrimitive, unwrap } from "./type-utils.js";

export function checkCondition(expr: CelExpr, env: CelEnv): CelCheckResult {
  const result = checkCel(expr, env);
  const type = unwrap(result.type);
  if (type.kind === "error" || type.kind === "dyn" || isPrimitive(type, "bool")) return result;
  const problem = celProblem(
    "conditionNotBool",
    expr.span,
    `the condition is a \`${typeName(result.type)}\`, not a \`bool\``,
    boolHelp(expr, result.type) ?? "a condition must be true or false",
  );
  return { ...result, problems: [...result.problems, problem] };
}
