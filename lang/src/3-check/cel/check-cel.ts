/**
 * The CEL type checker's entry point: an expression and the variables in scope to its
 * type, the type of every sub-expression (a side table; nodes are never mutated), and the
 * problems found. Never throws.
 *
 * Typing is strict, as in cel-go: no implicit conversions (`1 == 1.0` is an error), with
 * `dyn` accepted everywhere and `nullable` behaving as its inner type. An expression
 * whose type is `error` has been reported already and silences its parents, so one
 * mistake yields one problem. The rules live in one visitor file per node family.
 */
import type { CelExpr } from "../../ast/cel.js";
import { type CelType, T } from "./cel-types.js";
import { Checker, type Scope } from "./checker.js";
import type { CelNames } from "./names.js";
import type { CelProblem } from "./problems.js";
import { checkIdent, checkIndex, checkSelect } from "./visit-access.js";
import { checkBinary } from "./visit-binary.js";
import { checkCall } from "./visit-call.js";
import { checkList, checkMap, checkStruct, literalType } from "./visit-literals.js";
import { checkConditional, checkUnary } from "./visit-unary.js";
import type { WindowScope } from "./windows.js";

export interface CelEnv {
  /** The declared variables: `principal`, `input`, `resource`, `tenant`, `context`, … */
  readonly variables: ReadonlyMap<string, CelType>;
  /** Constants and lookups (names.ts); absent: neither is known. */
  readonly names?: CelNames;
  /** For a policy condition: the actions `total(…)` and `count(…)` may count (windows.ts). */
  readonly windows?: WindowScope;
}

export interface CelCheckResult {
  readonly type: CelType;
  /** The type of every sub-expression the checker reached. */
  readonly types: ReadonlyMap<CelExpr, CelType>;
  readonly problems: readonly CelProblem[];
}

function visit(c: Checker, expr: CelExpr, scope: Scope): CelType {
  switch (expr.kind) {
    case "CelLiteral":
      return literalType(expr);
    case "CelIdent":
      return checkIdent(c, expr, scope);
    case "CelSelect":
      return checkSelect(c, expr, scope);
    case "CelIndex":
      return checkIndex(c, expr, scope);
    case "CelCall":
      return checkCall(c, expr, scope);
    case "CelUnary":
      return checkUnary(c, expr, scope);
    case "CelBinary":
      return checkBinary(c, expr, scope);
    case "CelConditional":
      return checkConditional(c, expr, scope);
    case "CelList":
      return checkList(c, expr, scope);
    case "CelMap":
      return checkMap(c, expr, scope);
    case "CelStruct":
      return checkStruct(c, expr);
    case "Missing":
      // The parser reported it.
      return T.error;
  }
}

const NO_LOCALS: Scope = new Map();

export function checkCel(expr: CelExpr, env: CelEnv): CelCheckResult {
  const checker = new Checker(env.variables, visit, env.names, env.windows);
  const type = checker.check(expr, NO_LOCALS);
  return { type, types: checker.types, problems: checker.problems };
}
