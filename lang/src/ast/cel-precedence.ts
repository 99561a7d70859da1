/**
 * CEL's binary operators by precedence (higher binds tighter), and the one way a chain
 * `a op b op c …` becomes a tree: left-associative, folded by precedence. Both parsers build
 * chains with `foldBinary` and the printer decides parentheses with `PRECEDENCE`, so what is
 * printed parses back to the same tree.
 */
import type { CelBinaryOp, CelExpr } from "./cel.js";

export const PRECEDENCE: Readonly<Record<CelBinaryOp, number>> = {
  "||": 1, "&&": 2, "==": 3, "!=": 3, "<": 3, "<=": 3, ">": 3, ">=": 3, in: 3, "+": 4, "-": 4, "*": 5, "/": 5, "%": 5,
};

/** The tree of `operands[0] ops[0] operands[1] …` (`operands.length === ops.length + 1`). */
export function foldBinary(operands: readonly CelExpr[], ops: readonly CelBinaryOp[]): CelExpr {
  const values: CelExpr[] = [operands[0] as CelExpr];
  const pending: CelBinaryOp[] = [];
  const reduce = (): void => {
    const right = values.pop() as CelExpr;
    const left = values.pop() as CelExpr;
    values.push({ kind: "CelBinary", span: { start: left.span.start, end: right.span.end }, op: pending.pop() as CelBinaryOp, left, right });
  };
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i] as CelBinaryOp;
    while (pending.length > 0 && PRECEDENCE[pending[pending.length - 1] as CelBinaryOp] >= PRECEDENCE[op]) reduce();
    pending.push(op);
    values.push(operands[i + 1] as CelExpr);
  }
  while (pending.length > 0) reduce();
  return values[0] as CelExpr;
}
