/**
 * `!x` (a `bool`), `-x` (an `int` or a `double`; CEL has no negative `uint`) and the
 * conditional `c ? a : b`, whose branches must join into one type (`T` and `null` give
 * `T?`, anything and `dyn` give `dyn`; `int` and `double` do not join).
 */
import type { CelConditional, CelUnary } from "../../ast/cel.js";
import { type CelType, T } from "./cel-types.js";
import type { Checker, Scope } from "./checker.js";
import { mismatchHelp } from "./mismatch-help.js";
import { isDyn, isPrimitive, join, unwrap } from "./type-utils.js";
import { requireBool } from "./visit-binary.js";

export function checkUnary(c: Checker, expr: CelUnary, scope: Scope): CelType {
  const operand = c.check(expr.operand, scope);
  if (expr.op === "!") return requireBool(c, expr.operand, operand) ? T.bool : T.error;
  if (operand.kind === "error") return T.error;
  const inner = unwrap(operand);
  if (isDyn(inner) || isPrimitive(inner, "int", "double")) return inner;
  return c.mismatch(expr.operand, [T.int, T.double], operand);
}

export function checkConditional(c: Checker, expr: CelConditional, scope: Scope): CelType {
  const condition = c.check(expr.condition, scope);
  const then = c.check(expr.then, scope);
  const otherwise = c.check(expr.otherwise, scope);
  const ok = requireBool(c, expr.condition, condition);
  if (!ok || then.kind === "error" || otherwise.kind === "error") return T.error;
  const joined = join(then, otherwise);
  if (joined !== undefined) return joined;
  const help = mismatchHelp(then, otherwise, expr.otherwise) ?? "both branches of `?:` must have the same type";
  return c.mismatch(expr.otherwise, unwrap(then), otherwise, help);
}
