/**
 * Which nodes lie under a cursor: the chain from the file down to the innermost node whose
 * span holds the offset (an offset at a span's end counts, so a cursor just after a name
 * is on it). Walks any node generically — `.paybill` and CEL nodes alike, map entries and
 * struct fields included — by their `span`, so it follows the AST as it grows. Comments
 * are skipped. Must not know what nodes mean.
 */
import type { Span } from "../source/source-file.js";

export interface Located {
  readonly kind?: string;
  readonly span: Span;
}

const isNode = (value: unknown): value is Located =>
  typeof value === "object" && value !== null && "span" in value && typeof (value as { span: unknown }).span === "object";

/** Outermost first. */
export function pathAt(root: Located, offset: number): Located[] {
  const path: Located[] = [root];
  let node: Located = root;
  for (;;) {
    const next = childAt(node, offset);
    if (next === undefined) return path;
    path.push(next);
    node = next;
  }
}

function childAt(node: Located, offset: number): Located | undefined {
  let best: Located | undefined;
  for (const [key, value] of Object.entries(node)) {
    if (key === "span" || key === "comments") continue;
    const candidates = Array.isArray(value) ? value : [value];
    for (const child of candidates) {
      if (!isNode(child)) continue;
      if (child.span.start <= offset && offset <= child.span.end) {
        // Of two neighbours touching the offset (`a|.b`), the one that starts at it is not
        // meant unless nothing else is: prefer the one the cursor is inside or after.
        if (best === undefined || (best.span.start === offset && child.span.start < offset)) best = child;
      }
    }
  }
  return best;
}

/** Every node below `root` (parents first), for tables that need them all. */
export function* allNodes(root: Located): Generator<Located> {
  const stack: Located[] = [root];
  for (let node = stack.pop(); node !== undefined; node = stack.pop()) {
    yield node;
    for (const [key, value] of Object.entries(node)) {
      if (key === "span" || key === "comments") continue;
      if (Array.isArray(value)) {
        for (let i = value.length - 1; i >= 0; i--) if (isNode(value[i])) stack.push(value[i]);
      } else if (isNode(value)) stack.push(value);
    }
  }
}
