/**
 * CEL in the bundle: the canonical printing of an expression (the formatter's printer, so
 * the same expression always has the same text), and the rewrites the bundle needs: in an
 * effect's `set`, an enum field's values may be written as bare names (`status = closed`),
 * which the runtime's CEL does not know; they become string literals (`"closed"`). A name
 * bound by a comprehension (`l.exists(closed, …)`) is left alone. `rewriteCel` is the walk
 * (windows.ts uses it for `total(…)` and `count(…)`).
 */
import { type CelExpr, comprehensionOf, printCel } from "@paybill/lang";
import type { Cel } from "@paybill/runtime";
import { unexpected } from "./values.js";

export function cel(expr: CelExpr): Cel {
  if (expr.kind === "Missing") return unexpected("a missing expression");
  return { cel: printCel(expr) };
}

/** `expr` with every free name in `values` replaced by that name as a string literal. */
export function enumNamesAsStrings(expr: CelExpr, values: ReadonlySet<string>): CelExpr {
  if (values.size === 0) return expr;
  return rewriteCel(expr, (e, bound) => {
    // `.closed` is looked up among the declared names only, past any comprehension variable.
    if (e.kind !== "CelIdent" || !values.has(e.name) || (!e.absolute && bound.has(e.name))) return undefined;
    return { kind: "CelLiteral", span: e.span, type: "string", raw: JSON.stringify(e.name) };
  });
}

/** What replaces a node (undefined: keep it and look inside), given the comprehension variables bound around it. */
export type CelReplace = (expr: CelExpr, bound: ReadonlySet<string>) => CelExpr | undefined;

/** `expr` with the nodes `replace` gives a replacement for replaced. */
export function rewriteCel(expr: CelExpr, replace: CelReplace): CelExpr {
  return rewrite(expr, replace, new Set());
}

function rewrite(expr: CelExpr, values: CelReplace, bound: ReadonlySet<string>): CelExpr {
  const replaced = values(expr, bound);
  if (replaced !== undefined) return replaced;
  const r = (e: CelExpr): CelExpr => rewrite(e, values, bound);
  if (expr.kind === "CelCall") {
    const comprehension = comprehensionOf(expr);
    if (comprehension !== undefined) {
      const inner = new Set(bound).add(comprehension.variable.name);
      const [variable, ...body] = expr.args;
      if (variable === undefined) return expr;
      return { ...expr, target: r(comprehension.range), args: [variable, ...body.map((b) => rewrite(b, values, inner))] };
    }
  }
  return mapChildren(expr, r);
}

/** `expr` with each direct sub-expression replaced by `r` of it (names and literals as they are). */
export function mapChildren(expr: CelExpr, r: (e: CelExpr) => CelExpr): CelExpr {
  switch (expr.kind) {
    case "CelIdent":
    case "CelLiteral":
    case "Missing":
      return expr;
    case "CelSelect":
      return { ...expr, operand: r(expr.operand) };
    case "CelCall":
      return { ...expr, target: expr.target === undefined ? undefined : r(expr.target), args: expr.args.map(r) };
    case "CelIndex":
      return { ...expr, operand: r(expr.operand), index: r(expr.index) };
    case "CelUnary":
      return { ...expr, operand: r(expr.operand) };
    case "CelBinary":
      return { ...expr, left: r(expr.left), right: r(expr.right) };
    case "CelConditional":
      // biome-ignore lint/suspicious/noThenProperty: `then` is the AST's name for the branch, not a thenable
      return { ...expr, condition: r(expr.condition), then: r(expr.then), otherwise: r(expr.otherwise) };
    case "CelList":
      return { ...expr, elements: expr.elements.map(r) };
    case "CelMap":
      return { ...expr, entries: expr.entries.map((e) => ({ ...e, key: r(e.key), value: r(e.value) })) };
    case "CelStruct":
      return { ...expr, fields: expr.fields.map((f) => ({ ...f, value: r(f.value) })) };
  }
}
