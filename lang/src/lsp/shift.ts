/**
 * A copy of parsed nodes with every span moved by the same distance: what parsing gives for
 * declarations and comments that stand that much further on in the text after an edit
 * before them. Nodes are plain data, and the parser shares nothing between nodes but spans
 * (equal values, so copies of them do as well).
 */
import type { Span } from "../source/source-file.js";

/** The node fields that hold spans (`Span` is the only offset-bearing shape in the tree). */
const SPANS = new Set(["span", "fieldSpan", "fnSpan"]);

export function shifted<T>(nodes: readonly T[], delta: number): T[] {
  if (delta === 0) return [...nodes];
  return nodes.map((node) => copy(node, delta) as T);
}

// A copy starts as a spread of the node, which keeps the node's hidden class: the checker's
// property reads stay as fast on moved declarations as on freshly parsed ones.
function copy(value: unknown, delta: number): unknown {
  if (typeof value !== "object" || value === null) return value;
  if (Array.isArray(value)) return value.map((item) => copy(item, delta));
  const record = value as Record<string, unknown>;
  const out: Record<string, unknown> = { ...record };
  for (const key of Object.keys(record)) {
    const field = record[key];
    if (typeof field !== "object" || field === null) continue;
    out[key] = SPANS.has(key) ? move(field as Span, delta) : copy(field, delta);
  }
  return out;
}

function move(span: Span, delta: number): Span {
  return { start: span.start + delta, end: span.end + delta };
}
