/**
 * CEL's macros: `has(x.f)` and the comprehensions `all`, `exists`, `exists_one`, `map`
 * and `filter`. The parser leaves them as calls; their meaning starts here.
 *
 * A comprehension binds its variable (`x` in `list.exists(x, …)`) to the element type of
 * a list, or the key type of a map, for its body only; an inner binding of the same name
 * shadows the outer one and any declared variable. `comprehensionOf` is shared with the
 * cost bound, so both agree on what counts as a comprehension.
 */
import type { CelCall, CelExpr, CelIdent } from "../../ast/cel.js";
import { printCel } from "../../format/cel-print.js";
import { type CelType, T } from "./cel-types.js";
import type { Checker, Scope } from "./checker.js";
import { isDyn, listOf, unwrap } from "./type-utils.js";
import { requireBool } from "./visit-binary.js";
import { selectField } from "./visit-access.js";

const FORMS: Readonly<Record<string, string>> = {
  has: "has(x.field)",
  all: "list.all(x, condition)",
  exists: "list.exists(x, condition)",
  exists_one: "list.exists_one(x, condition)",
  filter: "list.filter(x, condition)",
  map: "list.map(x, value)` or `list.map(x, condition, value)",
};

export const isMacroName = (name: string): boolean => Object.hasOwn(FORMS, name);

export interface Comprehension {
  readonly macro: "all" | "exists" | "exists_one" | "map" | "filter";
  readonly range: CelExpr;
  readonly variable: CelIdent;
  /** The predicate, or the value (`map`), or the predicate then the value (three-argument `map`). */
  readonly body: readonly CelExpr[];
}

/** The parts of a well-formed comprehension call, or undefined for anything else. */
export function comprehensionOf(expr: CelCall): Comprehension | undefined {
  const macro = expr.fn;
  if (macro !== "all" && macro !== "exists" && macro !== "exists_one" && macro !== "map" && macro !== "filter") return undefined;
  if (expr.target === undefined || !shapeFits(expr, macro)) return undefined;
  const [variable, ...body] = expr.args;
  if (variable?.kind !== "CelIdent" || variable.absolute) return undefined;
  return { macro, range: expr.target, variable, body };
}

function shapeFits(expr: CelCall, name: string): boolean {
  if (name === "has") return expr.target === undefined && expr.args.length === 1;
  if (expr.target === undefined) return false;
  return expr.args.length === 2 || (name === "map" && expr.args.length === 3);
}

export function checkMacro(c: Checker, expr: CelCall, name: string, scope: Scope): CelType {
  if (!shapeFits(expr, name)) return c.report("celUnknownFunction", expr.fnSpan, `\`${name}\` must be called as \`${FORMS[name]}\``);
  if (name === "has") return checkHas(c, expr.args[0] ?? expr, scope);
  const comprehension = comprehensionOf(expr);
  if (comprehension === undefined) {
    const first = expr.args[0] ?? expr;
    return c.report(
      "celUnknownFunction",
      first.span,
      `the first argument of \`${name}\` must be a variable name, found \`${printCel(first)}\``,
      `write \`${FORMS[name]}\``,
    );
  }
  return checkComprehension(c, comprehension, scope);
}

function checkHas(c: Checker, arg: CelExpr, scope: Scope): CelType {
  if (arg.kind !== "CelSelect") {
    return c.report("celUnknownFunction", arg.span, `\`has\` tests a field, found \`${printCel(arg)}\``, "write `has(x.field)`, e.g. `has(resource.amount)`");
  }
  const field = selectField(c, arg, c.check(arg.operand, scope));
  c.types.set(arg, field);
  return field.kind === "error" ? T.error : T.bool;
}

function checkComprehension(c: Checker, { macro, range, variable, body }: Comprehension, scope: Scope): CelType {
  const rangeType = c.check(range, scope);
  const container = unwrap(rangeType);
  let element: CelType;
  if (container.kind === "list") element = container.element;
  else if (container.kind === "map") element = container.key;
  else if (isDyn(container)) element = T.dyn;
  else if (container.kind === "error") element = T.error;
  else element = c.mismatchDescribed(range, "a list or a map", rangeType, `\`${macro}\` goes through the elements of a list or the keys of a map`);
  c.types.set(variable, element);

  // The body is checked even when the range is wrong: uses of the variable are silent
  // (it is `error`), other mistakes in the body are reported.
  const inner = new Map(scope).set(variable.name, element);
  const types = body.map((b) => c.check(b, inner));
  const predicate = macro === "map" ? (body.length === 2 ? 0 : -1) : 0;
  const predicateOk = predicate < 0 || requireBool(c, body[predicate] ?? range, types[predicate] ?? T.error);
  if (element.kind === "error" || !predicateOk || types.some((t) => t.kind === "error")) return T.error;

  const max = container.kind === "list" || container.kind === "map" ? container.max : undefined;
  if (macro === "filter") return listOf(element, max);
  if (macro === "map") return listOf(types[types.length - 1] ?? T.dyn, max);
  return T.bool;
}
