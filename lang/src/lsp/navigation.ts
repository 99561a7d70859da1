/**
 * Go to definition and find references: the symbol under the cursor, then its declaration
 * or every place it is written, in any file of the workspace or the standard library.
 */
import type { Location } from "vscode-languageserver/node";
import type { Unit } from "../2-resolve/symbols.js";
import type { Analysis } from "./analysis.js";
import { occurrencesOf, symbolAt } from "./occurrences.js";
import { toRange } from "./positions.js";

export function definition(analysis: Analysis, unit: Unit, offset: number, uriOf: (name: string) => string): Location | null {
  const at = symbolAt(analysis, unit, offset);
  if (at === undefined) return null;
  const { symbol } = at;
  const span = symbol.nameNode?.span ?? symbol.decl.span;
  return { uri: uriOf(symbol.unit.source.name), range: toRange(symbol.unit.source, span) };
}

export function references(analysis: Analysis, unit: Unit, offset: number, includeDeclaration: boolean, uriOf: (name: string) => string): Location[] {
  const at = symbolAt(analysis, unit, offset);
  if (at === undefined) return [];
  const seen = new Set<string>();
  const found: Location[] = [];
  for (const o of occurrencesOf(analysis, at.symbol)) {
    if (o.declaration && !includeDeclaration) continue;
    const key = `${o.unit.source.name}:${o.span.start}:${o.span.end}`;
    if (seen.has(key)) continue;
    seen.add(key);
    found.push({ uri: uriOf(o.unit.source.name), range: toRange(o.unit.source, o.span) });
  }
  return found;
}
