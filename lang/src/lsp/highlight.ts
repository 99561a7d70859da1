/**
 * Document highlight: where the symbol under the cursor is written in this file — its
 * declaration (a write) and every reference, import member and string that names it (reads).
 */
import { type DocumentHighlight, DocumentHighlightKind } from "vscode-languageserver/node";
import type { Unit } from "../2-resolve/symbols.js";
import type { Analysis } from "./analysis.js";
import { occurrencesOf, symbolAt } from "./occurrences.js";
import { toRange } from "./positions.js";

export function documentHighlight(analysis: Analysis, unit: Unit, offset: number): DocumentHighlight[] {
  const at = symbolAt(analysis, unit, offset);
  if (at === undefined) return [];
  const seen = new Set<number>();
  const highlights: DocumentHighlight[] = [];
  for (const o of occurrencesOf(analysis, at.symbol)) {
    if (o.unit !== unit || seen.has(o.span.start)) continue;
    seen.add(o.span.start);
    highlights.push({ range: toRange(unit.source, o.span), kind: o.declaration ? DocumentHighlightKind.Write : DocumentHighlightKind.Read });
  }
  return highlights.sort((a, b) => a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character);
}
