/**
 * An effect that reads an optional input (PB4040). An absent optional field is left out of
 * `input` (spec/runtime.md), so `input.note` fails to evaluate when the agent omits `note`,
 * and the allowed action would fail at run time instead of doing anything. An effect may
 * read an optional field only where it was tested: the `then` branch of
 * `has(input.f) ? … : …` (a condition that is `has(input.f)` or an `&&` chain with it), or
 * inside `has(input.f)` itself.
 */
import type { CelExpr, CelSelect } from "../ast/cel.js";
import { children } from "../ast/cel-walk.js";

/** The reads of `input.<f>` for an optional `f` that no `has(input.f)` guards, in source order. */
export function unguardedOptionalReads(expr: CelExpr, optional: ReadonlySet<string>): CelSelect[] {
  const found: CelSelect[] = [];
  if (optional.size === 0) return found;
  const stack: [CelExpr, ReadonlySet<string>][] = [[expr, new Set()]];
  while (stack.length > 0) {
    const [node, guarded] = stack.pop() as [CelExpr, ReadonlySet<string>];
    if (tested(node) !== undefined) continue;
    const field = inputField(node);
    if (field !== undefined && node.kind === "CelSelect") {
      if (optional.has(field) && !guarded.has(field)) found.push(node);
      continue;
    }
    if (node.kind === "CelConditional") {
      const more = new Set(guarded);
      for (const f of guards(node.condition)) more.add(f);
      stack.push([node.otherwise, guarded], [node.then, more], [node.condition, guarded]);
      continue;
    }
    const kids = children(node);
    for (let i = kids.length - 1; i >= 0; i--) stack.push([kids[i] as CelExpr, guarded]);
  }
  return found.sort((a, b) => a.span.start - b.span.start);
}

/** `f` for `input.f`. */
function inputField(node: CelExpr): string | undefined {
  return node.kind === "CelSelect" && node.operand.kind === "CelIdent" && node.operand.name === "input" && !node.operand.absolute ? node.field : undefined;
}

/** `f` for `has(input.f)`. */
function tested(node: CelExpr): string | undefined {
  if (node.kind !== "CelCall" || node.fn !== "has" || node.target !== undefined || node.args.length !== 1) return undefined;
  return inputField(node.args[0] as CelExpr);
}

/** The fields a condition proves present when true: `has(input.f)`, also within `&&`. */
function guards(condition: CelExpr): string[] {
  const f = tested(condition);
  if (f !== undefined) return [f];
  if (condition.kind === "CelBinary" && condition.op === "&&") return [...guards(condition.left), ...guards(condition.right)];
  return [];
}
