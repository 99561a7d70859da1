/**
 * Go to definition and find references: the symbol (or field or state, `fields.ts`, or
 * feature, `features.ts`)
 * under the cursor, then its declaration or every place it is written, in any file of the workspace or the standard library.
 */
import type { Location } from "vscode-languageserver/node";
import type { Unit } from "../2-resolve/symbols.js";
import type { Analysis } from "./analysis.js";
import { featureAt, featureOccurrences } from "./features.js";
import { fieldAt, fieldOccurrences } from "./fields.js";
import { occurrencesOf, symbolAt } from "./occurrences.js";
import { toRange } from "./positions.js";

export function definition(analysis: Analysis, unit: Unit, offset: number, uriOf: (name: string) => string): Location | null {
  const field = fieldAt(analysis, unit, offset);
  if (field !== undefined) {
    const declared = fieldOccurrences(analysis, field.field).find((o) => o.declaration);
    return declared === undefined ? null : { uri: uriOf(declared.unit.source.name), range: toRange(declared.unit.source, declared.span) };
  }
  const feature = featureAt(analysis, unit, offset);
  if (feature !== undefined) {
    // Granted by several plans: the first (by file, then position) stands for its declaration.
    const granted = featureOccurrences(analysis, feature.name).find((o) => o.declaration);
    return granted === undefined ? null : { uri: uriOf(granted.unit.source.name), range: toRange(granted.unit.source, granted.span) };
  }
  const at = symbolAt(analysis, unit, offset);
  if (at === undefined) return null;
  const { symbol } = at;
  const span = symbol.nameNode?.span ?? symbol.decl.span;
  return { uri: uriOf(symbol.unit.source.name), range: toRange(symbol.unit.source, span) };
}

export function references(analysis: Analysis, unit: Unit, offset: number, includeDeclaration: boolean, uriOf: (name: string) => string): Location[] {
  const field = fieldAt(analysis, unit, offset);
  const feature = field === undefined ? featureAt(analysis, unit, offset) : undefined;
  const at = field === undefined && feature === undefined ? symbolAt(analysis, unit, offset) : undefined;
  const all =
    field !== undefined ? fieldOccurrences(analysis, field.field) : feature !== undefined ? featureOccurrences(analysis, feature.name) : at !== undefined ? occurrencesOf(analysis, at.symbol) : [];
  const seen = new Set<string>();
  const found: Location[] = [];
  for (const o of all) {
    if (o.declaration && !includeDeclaration) continue;
    const key = `${o.unit.source.name}:${o.span.start}:${o.span.end}`;
    if (seen.has(key)) continue;
    seen.add(key);
    found.push({ uri: uriOf(o.unit.source.name), range: toRange(o.unit.source, o.span) });
  }
  return found;
}
