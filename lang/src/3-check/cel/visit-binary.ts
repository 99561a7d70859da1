/**
 * Binary operators: `&&` `||`, `==` `!=`, `< <= > >=`, `in`, and arithmetic.
 *
 * Both operands are always checked (each may hold its own mistake); an `error` operand
 * then silences the operator. Equality needs the same type on both sides once `nullable`
 * is looked through, or `dyn` on either side, or `null` against a value that can be null.
 */
import type { CelBinary, CelExpr } from "../../ast/cel.js";
import { printCel } from "../../format/cel-print.js";
import { boolHelp } from "./bool-help.js";
import { type CelType, T } from "./cel-types.js";
import type { Checker, Scope } from "./checker.js";
import { checkNamedValue } from "./named-values.js";
import { ARITHMETIC, ORDERING, resolveOperator } from "./operators.js";
import { equalComparable, isDyn, isPrimitive, join, listOf, sameType, unwrap } from "./type-utils.js";

export function checkBinary(c: Checker, expr: CelBinary, scope: Scope): CelType {
  const left = c.check(expr.left, scope);
  const right = c.check(expr.right, scope);
  if (expr.op === "&&" || expr.op === "||") return checkLogic(c, expr, left, right);
  if (left.kind === "error" || right.kind === "error") return T.error;
  switch (expr.op) {
    case "==":
    case "!=":
      return checkEquality(c, expr, left, right);
    case "<":
    case "<=":
    case ">":
    case ">=":
      return resolveOperator(c, expr, ORDERING, left, right);
    case "in":
      return checkIn(c, expr, left, right);
    case "+":
      return checkPlus(c, expr, left, right);
    default:
      return resolveOperator(c, expr, ARITHMETIC[expr.op], left, right);
  }
}

/** Each operand must be a `bool`; both are reported when both are wrong (two mistakes). */
function checkLogic(c: Checker, expr: CelBinary, left: CelType, right: CelType): CelType {
  const okLeft = requireBool(c, expr.left, left);
  const okRight = requireBool(c, expr.right, right);
  return okLeft && okRight ? T.bool : T.error;
}

/** Reports a non-`bool` value; false when the value is not usable as one (already reported or now). */
export function requireBool(c: Checker, node: CelExpr, type: CelType): boolean {
  if (type.kind === "error") return false;
  const inner = unwrap(type);
  if (isDyn(inner) || isPrimitive(inner, "bool")) return true;
  c.mismatch(node, T.bool, type, boolHelp(node, type));
  return false;
}

function checkEquality(c: Checker, expr: CelBinary, left: CelType, right: CelType): CelType {
  if (equalComparable(left, right)) {
    // `tenant.plan == "enterprsie"`: a literal no plan is named never matches.
    const named = checkNamedValue(c, left, expr.right) && checkNamedValue(c, right, expr.left);
    return named ? T.bool : T.error;
  }
  const nullOnRight = isPrimitive(right, "null");
  if (nullOnRight || isPrimitive(left, "null")) {
    const [nullNode, other, otherType] = nullOnRight ? [expr.right, expr.left, left] : [expr.left, expr.right, right];
    return c.mismatch(nullNode, unwrap(otherType), T.null, `\`${printCel(other)}\` is not optional, so it is never \`null\``);
  }
  if (blameLeft(expr)) return c.mismatch(expr.left, unwrap(right), left);
  return c.mismatch(expr.right, unwrap(left), right);
}

/** A literal facing a computed value is the likelier mistake: `"1" == resource.priority`. */
const blameLeft = (expr: CelBinary): boolean => expr.left.kind === "CelLiteral" && expr.right.kind !== "CelLiteral";

function checkIn(c: Checker, expr: CelBinary, left: CelType, right: CelType): CelType {
  const container = unwrap(right);
  switch (container.kind) {
    case "dyn":
      return T.bool;
    case "list":
    case "map": {
      const element = container.kind === "list" ? container.element : container.key;
      if (equalComparable(element, left)) {
        // `"sso" in tenant.features`, `tenant.plan in ["free", "pro"]`: each literal must be a name the other side may hold.
        let named = checkNamedValue(c, element, expr.left);
        if (expr.right.kind === "CelList") for (const item of expr.right.elements) named = checkNamedValue(c, left, item) && named;
        return named ? T.bool : T.error;
      }
      // `resource.priority in ["a", "b"]`: the literal list is the likelier mistake.
      const literalContainer = expr.right.kind === "CelList" || expr.right.kind === "CelMap";
      if (literalContainer && expr.left.kind !== "CelLiteral" && container.kind === "list") {
        return c.mismatch(expr.right, listOf(unwrap(left), undefined), right);
      }
      return c.mismatch(expr.left, unwrap(element), left);
    }
    default: {
      const help = isPrimitive(container, "string")
        ? `to look for text in a string, write \`${printCel(expr.right)}.contains(${printCel(expr.left)})\``
        : undefined;
      return c.mismatchDescribed(expr.right, "a list or a map", right, help);
    }
  }
}

/** `+` adds numbers, joins strings, bytes and lists, and moves timestamps by durations. */
function checkPlus(c: Checker, expr: CelBinary, left: CelType, right: CelType): CelType {
  const l = unwrap(left);
  const r = unwrap(right);
  if (l.kind === "list") {
    if (isDyn(r)) return listOf(l.element, undefined);
    const element = r.kind === "list" ? join(l.element, r.element) : undefined;
    if (r.kind !== "list" || element === undefined) return c.mismatch(expr.right, listOf(unwrap(l.element), undefined), right);
    const max = l.max === undefined || r.max === undefined ? undefined : l.max + r.max;
    return listOf(element, max);
  }
  if (r.kind === "list" && isDyn(l)) return listOf(r.element, undefined);
  if (!isDyn(l) && !ARITHMETIC["+"].some((s) => sameType(s[0], l))) {
    return c.mismatchDescribed(expr.left, "a number, string, bytes, list, timestamp or duration", left);
  }
  return resolveOperator(c, expr, ARITHMETIC["+"], left, right);
}
