/**
 * Reading values: variables (`principal`), fields (`resource.status`) and elements
 * (`list[0]`, `map["k"]`).
 *
 * A field of a `nullable` message is read as the inner message's field (at run time a
 * null operand is an evaluation error, which fails closed). Fields of maps with string
 * keys and of `dyn` values are allowed; everything else has no fields.
 */
import type { CelIdent, CelIndex, CelSelect } from "../../ast/cel.js";
import { decodeString } from "../../1-parse/strings.js";
import { didYouMean } from "../../2-resolve/suggest.js";
import { printCel } from "../../format/cel-print.js";
import { type CelType, T, typeName } from "./cel-types.js";
import type { Checker, Scope } from "./checker.js";
import { FUNCTION_NAMES } from "./functions.js";
import { equalComparable, isPrimitive, unwrap } from "./type-utils.js";

/** At most this many names are listed when no close match exists. */
const LISTED = 8;

function nameList(names: readonly string[]): string {
  const sorted = [...names].sort();
  const shown = sorted.slice(0, LISTED).map((n) => `\`${n}\``);
  return sorted.length > LISTED ? `${shown.join(", ")}, …` : shown.join(", ");
}

export function checkIdent(c: Checker, expr: CelIdent, scope: Scope): CelType {
  const local = expr.absolute ? undefined : scope.get(expr.name);
  if (local !== undefined) return local;
  const global = c.variables.get(expr.name);
  if (global !== undefined) return global;
  const constant = c.names?.constant(expr);
  if (constant !== undefined) return constant;
  const names = [...new Set([...(expr.absolute ? [] : scope.keys()), ...c.variables.keys(), ...(c.names?.constants() ?? [])])];
  const help = didYouMean(expr.name, names) ?? (names.length > 0 ? `a condition can use ${nameList(names)}` : undefined);
  const written = expr.absolute ? `.${expr.name}` : expr.name;
  return c.report("celUndeclared", expr.span, `undeclared variable \`${written}\``, help);
}

export function checkSelect(c: Checker, expr: CelSelect, scope: Scope): CelType {
  // `alias.name`: a constant of a module imported as `alias` (neither a variable nor bound here).
  const operand = expr.operand;
  if (c.names !== undefined && operand.kind === "CelIdent" && !operand.absolute && !scope.has(operand.name) && !c.variables.has(operand.name)) {
    const constant = c.names.constant(expr);
    if (constant !== undefined) return constant;
  }
  return selectField(c, expr, c.check(expr.operand, scope));
}

/** The type of `operand.field`, given the operand's type; also used by `has(…)`. */
export function selectField(c: Checker, expr: CelSelect, operand: CelType): CelType {
  const type = unwrap(operand);
  switch (type.kind) {
    case "error":
      return T.error;
    case "dyn":
      return T.dyn;
    case "message": {
      const field = type.fields.get(expr.field);
      if (field !== undefined) return field.type;
      const names = [...type.fields.keys()];
      const help = didYouMean(expr.field, names) ?? (names.length > 0 ? `the fields of \`${type.name}\` are ${nameList(names)}` : undefined);
      return c.report("celUnknownField", expr.fieldSpan, `\`${type.name}\` has no field \`${expr.field}\``, help);
    }
    case "map":
      if (isPrimitive(unwrap(type.key), "string") || type.key.kind === "dyn") return type.value;
      return c.mismatchDescribed(expr.operand, "a map with `string` keys", operand, `index it instead: \`${printCel(expr.operand)}[…]\``);
    default: {
      const help = FUNCTION_NAMES.has(expr.field) ? `\`${expr.field}\` is a function: write \`${printCel(expr)}()\`` : undefined;
      return c.report("celUnknownField", expr.fieldSpan, `\`${typeName(operand)}\` has no field \`${expr.field}\``, help);
    }
  }
}

/** `x["name"]` on a message: suggest `x.name`. */
function fieldHint(expr: CelIndex): string | undefined {
  const index = expr.index;
  if (index.kind !== "CelLiteral" || index.type !== "string") return undefined;
  const name = decodeString(index.raw).value;
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) ? `select the field instead: \`${printCel(expr.operand)}.${name}\`` : undefined;
}

export function checkIndex(c: Checker, expr: CelIndex, scope: Scope): CelType {
  const operand = c.check(expr.operand, scope);
  const index = c.check(expr.index, scope);
  if (operand.kind === "error" || index.kind === "error") return T.error;
  const type = unwrap(operand);
  const at = unwrap(index);
  switch (type.kind) {
    case "dyn":
      return T.dyn;
    case "list":
      return at.kind === "dyn" || isPrimitive(at, "int") ? type.element : c.mismatch(expr.index, T.int, index);
    case "map":
      return equalComparable(type.key, index) && !isPrimitive(at, "null") ? type.value : c.mismatch(expr.index, unwrap(type.key), index);
    default:
      return c.mismatchDescribed(expr.operand, "a list or a map", operand, type.kind === "message" ? fieldHint(expr) : undefined);
  }
}
