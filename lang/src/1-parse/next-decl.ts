/**
 * The `next` entry both parsers build from its targets: `states` always, `edges` only when
 * some target says `by` or `when` (so a plain `next a, b` keeps its tree of before).
 */
import type { NextDecl, NextEdge } from "../ast/nodes.js";
import type { Span } from "../source/source-file.js";

export function nextDecl(span: Span, edges: readonly NextEdge[]): NextDecl {
  const states = edges.map((e) => e.state);
  const said = edges.some((e) => e.by !== undefined || e.when !== undefined);
  return said ? { kind: "Next", span, states, edges } : { kind: "Next", span, states };
}
