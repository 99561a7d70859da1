/**
 * Structural equality of syntax trees, ignoring where things were written (spans) and
 * comments: the formatter's safety check and the round-trip property use it.
 */

const POSITION_KEYS = new Set(["span", "fieldSpan", "fnSpan", "comments"]);

export function sameTree(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((item, i) => sameTree(item, b[i]));
  }
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  const keys = new Set([...Object.keys(ra), ...Object.keys(rb)]);
  for (const key of keys) {
    if (POSITION_KEYS.has(key)) continue;
    if (!sameTree(ra[key], rb[key])) return false;
  }
  return true;
}

/** A copy without spans and comments, for snapshots and test failure messages. */
export function withoutPositions(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withoutPositions);
  if (typeof node !== "object" || node === null) return node;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) {
    if (!POSITION_KEYS.has(key) && value !== undefined) out[key] = withoutPositions(value);
  }
  return out;
}
