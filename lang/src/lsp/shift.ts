/**
 * Moving parsed nodes by the same distance: what parsing gives for declarations and
 * comments that stand that much further on in the text after an edit before them. Two
 * ways: `shifted` copies the nodes (the originals stay as they were, for a tree still in
 * use), `moveInPlace` moves the spans of the nodes themselves (no allocation: for a tree
 * its owner lets go of, see `reparse.ts`). Nodes are plain data, and the parser shares
 * nothing between nodes but spans (a node may hold the very span object of its child).
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

/** A span as `moveInPlace` writes it: the type's `readonly` is for the tree's readers. */
type MutableSpan = { start: number; end: number };

/**
 * Moves every span under `nodes` by `delta`, in place. A span object reached twice (a
 * node holding its child's span) moves once: while the tree is walked each span moved is
 * marked (its start stored as `-start - 1`, never a real offset) and listed; the marks are
 * cleared from the list after.
 */
export function moveInPlace(nodes: readonly object[], delta: number): void {
  if (delta === 0) return;
  const moved: MutableSpan[] = [];
  for (const node of nodes) walk(node, delta, moved);
  for (const span of moved) span.start = -span.start - 1;
}

function walk(value: object, delta: number, moved: MutableSpan[]): void {
  if (Array.isArray(value)) {
    for (const item of value) if (typeof item === "object" && item !== null) walk(item, delta, moved);
    return;
  }
  const record = value as Record<string, unknown>;
  for (const key in record) {
    const field = record[key];
    if (typeof field !== "object" || field === null) continue;
    if (key === "span" || key === "fieldSpan" || key === "fnSpan") {
      const span = field as MutableSpan;
      if (span.start >= 0) {
        span.start = -(span.start + delta) - 1;
        span.end += delta;
        moved.push(span);
      }
    } else walk(field, delta, moved);
  }
}
