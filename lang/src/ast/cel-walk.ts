/**
 * The direct sub-expressions of a CEL node, in source order, a node count and the depth:
 * the one place that knows the shape of every node kind, for the parser's depth bound and
 * the checker's safety checks. Iterative, so any depth is fine.
 */
import type { CelExpr } from "./cel.js";

export function children(expr: CelExpr): readonly CelExpr[] {
  switch (expr.kind) {
    case "CelLiteral":
    case "CelIdent":
    case "Missing":
      return [];
    case "CelSelect":
    case "CelUnary":
      return [expr.operand];
    case "CelCall":
      return expr.target === undefined ? expr.args : [expr.target, ...expr.args];
    case "CelIndex":
      return [expr.operand, expr.index];
    case "CelBinary":
      return [expr.left, expr.right];
    case "CelConditional":
      return [expr.condition, expr.then, expr.otherwise];
    case "CelList":
      return expr.elements;
    case "CelMap":
      return expr.entries.flatMap((e) => [e.key, e.value]);
    case "CelStruct":
      return expr.fields.map((f) => f.value);
  }
}

/** Every node of the tree, parents before children (iterative: no depth limit). */
export function* nodes(expr: CelExpr): Generator<CelExpr> {
  const stack: CelExpr[] = [expr];
  for (let node = stack.pop(); node !== undefined; node = stack.pop()) {
    yield node;
    const kids = children(node);
    for (let i = kids.length - 1; i >= 0; i--) stack.push(kids[i] as CelExpr);
  }
}

export function countNodes(expr: CelExpr): number {
  let count = 0;
  for (const _ of nodes(expr)) count++;
  return count;
}

/** The depth of the tree (a leaf is 1). */
export function depth(expr: CelExpr): number {
  let deepest = 0;
  const stack: [CelExpr, number][] = [[expr, 1]];
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    const [node, level] = item;
    if (level > deepest) deepest = level;
    for (const child of children(node)) stack.push([child, level + 1]);
  }
  return deepest;
}
