/**
 * The `where` of a list read (`effect read many E where … limit N`) as a filter the runtime
 * runs as SQL: comparisons of one field of the candidate row (`row.f`) with an expression
 * that does not read `row`, joined by `&&` and `||` (spec/language.md, "List reads").
 * Anything else has no SQL form here and is PB4161, reported by the checker (read-many.ts);
 * the compiler writes the filter into the bundle from the same analysis.
 */
import type { CelExpr } from "../ast/cel.js";
import { children } from "../ast/cel-walk.js";
import type { Span } from "../source/source-file.js";

export const ROW_VARIABLE = "row";

export type CompareOp = "==" | "!=" | "<" | "<=" | ">" | ">=";

export type RowFilterNode =
  | { readonly kind: "and" | "or"; readonly parts: readonly RowFilterNode[] }
  | { readonly kind: "compare"; readonly field: string; readonly fieldSpan: Span; readonly op: CompareOp; readonly value: CelExpr };

export type RowFilterResult = { readonly filter: RowFilterNode } | { readonly problem: { readonly span: Span; readonly message: string } };

const COMPARE = new Set<string>(["==", "!=", "<", "<=", ">", ">="]);
const FLIPPED: Readonly<Record<CompareOp, CompareOp>> = { "==": "==", "!=": "!=", "<": ">", "<=": ">=", ">": "<", ">=": "<=" };

/** The filter `where` stands for, or where and why it has no SQL form. */
export function rowFilter(where: CelExpr): RowFilterResult {
  if (where.kind === "CelBinary" && (where.op === "&&" || where.op === "||")) {
    const left = rowFilter(where.left);
    if ("problem" in left) return left;
    const right = rowFilter(where.right);
    if ("problem" in right) return right;
    const kind = where.op === "&&" ? "and" : "or";
    const parts = [left.filter, right.filter].flatMap((p) => (p.kind === kind ? p.parts : [p]));
    return { filter: { kind, parts } };
  }
  if (where.kind === "CelBinary" && COMPARE.has(where.op)) {
    const op = where.op as CompareOp;
    const left = rowField(where.left);
    const right = rowField(where.right);
    if (left !== undefined && !readsRow(where.right)) return { filter: { kind: "compare", field: left.field, fieldSpan: left.span, op, value: where.right } };
    if (right !== undefined && !readsRow(where.left)) return { filter: { kind: "compare", field: right.field, fieldSpan: right.span, op: FLIPPED[op], value: where.left } };
    return { problem: { span: where.span, message: "a comparison in a list read's `where` must compare one `row.<field>` with a value that does not read `row`" } };
  }
  return { problem: { span: where.span, message: "a list read's `where` can only compare fields of `row` (`==`, `!=`, `<`, `<=`, `>`, `>=`) and join comparisons with `&&` and `||`" } };
}

/** `f` for `row.f`. */
function rowField(expr: CelExpr): { field: string; span: Span } | undefined {
  if (expr.kind !== "CelSelect" || expr.operand.kind !== "CelIdent" || expr.operand.name !== ROW_VARIABLE || expr.operand.absolute) return undefined;
  return { field: expr.field, span: expr.fieldSpan };
}

function readsRow(expr: CelExpr): boolean {
  const stack: CelExpr[] = [expr];
  while (stack.length > 0) {
    const node = stack.pop() as CelExpr;
    if (node.kind === "CelIdent" && node.name === ROW_VARIABLE) return true;
    stack.push(...children(node));
  }
  return false;
}
