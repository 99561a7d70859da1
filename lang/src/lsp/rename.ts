/**
 * Rename: every occurrence of a project symbol, across files, replaced at once — or a
 * refusal with the reason when the symbol belongs to the standard library, the new name is
 * not a valid name (or a reserved word), or it would clash with a name of the same kind
 * where the symbol is declared or imported. An entity's or an input's field, or a workflow's
 * state, is renamed everywhere it is written (`fields.ts`), unless one beside it has the new name;
 * a feature, in every plan that grants it and action that requires it (`features.ts`).
 */
import type { Range, TextEdit, WorkspaceEdit } from "vscode-languageserver/node";
import { KEYWORDS, ReservedWord } from "../1-parse/tokens.js";
import type { Declared, Unit } from "../2-resolve/symbols.js";
import { NAMESPACE_WORDS } from "../2-resolve/symbols.js";
import type { Analysis } from "./analysis.js";
import { featureAt, featureOccurrences } from "./features.js";
import { type FieldOccurrence, fieldAt, fieldOccurrences, fieldSiblings, type Member } from "./fields.js";
import { occurrencesOf, symbolAt } from "./occurrences.js";
import { toRange } from "./positions.js";

export type Renamable = { ok: true; symbol: Declared; range: Range } | { ok: false; message: string };
type FieldRenamable = { ok: true; field: Member; range: Range } | { ok: true; feature: string; range: Range };

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function prepareRename(analysis: Analysis, unit: Unit, offset: number): Renamable | FieldRenamable {
  const field = fieldAt(analysis, unit, offset);
  if (field !== undefined) return { ok: true, field: field.field, range: toRange(unit.source, field.span) };
  const feature = featureAt(analysis, unit, offset);
  if (feature !== undefined) return { ok: true, feature: feature.name, range: toRange(unit.source, feature.span) };
  const at = symbolAt(analysis, unit, offset);
  if (at === undefined) return { ok: false, message: "there is no declared name here to rename" };
  if (at.symbol.unit.std) return { ok: false, message: `\`${at.symbol.name}\` belongs to the standard library and cannot be renamed` };
  if (at.symbol.decl.kind === "Cloud" && at.symbol.decl.name === undefined)
    return { ok: false, message: `this cloud is called after its provider; give it a name (\`cloud ${at.symbol.name} <name> { … }\`) to rename it` };
  if (at.symbol.decl.kind === "Test") return { ok: false, message: "a test is named by its string; edit the string" };
  return { ok: true, symbol: at.symbol, range: toRange(unit.source, at.span) };
}

export function rename(
  analysis: Analysis,
  unit: Unit,
  offset: number,
  newName: string,
  uriOf: (name: string) => string,
): { ok: true; edit: WorkspaceEdit } | { ok: false; message: string } {
  const prepared = prepareRename(analysis, unit, offset);
  if (!prepared.ok) return prepared;
  if ("field" in prepared) return renameField(analysis, prepared.field, newName, uriOf);
  if ("feature" in prepared) return renameFeature(analysis, prepared.feature, newName, uriOf);
  const { symbol } = prepared;
  if (!NAME.test(newName)) return { ok: false, message: `\`${newName}\` is not a valid name: use letters, digits and \`_\`, not starting with a digit` };
  const keyword = KEYWORDS.get(newName);
  if (keyword !== undefined && (keyword.CATEGORIES ?? []).includes(ReservedWord))
    return { ok: false, message: `\`${newName}\` is a reserved word and cannot be a name` };
  if (newName === symbol.name) return { ok: true, edit: { changes: {} } };
  const clash = clashes(analysis, symbol, newName);
  if (clash !== undefined) return { ok: false, message: clash };
  const changes: Record<string, TextEdit[]> = {};
  const seen = new Set<string>();
  for (const o of occurrencesOf(analysis, symbol)) {
    const key = `${o.unit.source.name}:${o.span.start}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const uri = uriOf(o.unit.source.name);
    const edits = changes[uri] ?? [];
    edits.push({ range: toRange(o.unit.source, o.span), newText: newName });
    changes[uri] = edits;
  }
  return { ok: true, edit: { changes } };
}

function clashes(analysis: Analysis, symbol: Declared, newName: string): string | undefined {
  const word = NAMESPACE_WORDS[symbol.namespace];
  const existing = symbol.module.table(symbol.namespace).get(newName);
  if (existing !== undefined) return `${word} \`${newName}\` already exists in module \`${symbol.module.name}\``;
  // Files that import the symbol by name must not already see another `newName` of its kind.
  for (const o of occurrencesOf(analysis, symbol)) {
    const scope = analysis.modules?.scopes.get(o.unit);
    if (scope === undefined || scope.module === symbol.module) continue;
    const other = scope.lookup(symbol.namespace, { kind: "Ident", name: newName, span: { start: 0, end: 0 } });
    if (other.ok && other.symbol !== symbol) return `${word} \`${newName}\` is already visible in \`${o.unit.source.name}\``;
  }
  return undefined;
}

/** A field: every place it is written (`fields.ts`), unless a field beside it has the new name. */
function renameField(analysis: Analysis, field: Member, newName: string, uriOf: (name: string) => string): { ok: true; edit: WorkspaceEdit } | { ok: false; message: string } {
  if (!NAME.test(newName)) return { ok: false, message: `\`${newName}\` is not a valid name: use letters, digits and \`_\`, not starting with a digit` };
  if (newName === field.name.name) return { ok: true, edit: { changes: {} } };
  if (fieldSiblings(analysis, field).some((f) => f !== field && f.name.name === newName)) return { ok: false, message: `${field.kind === "State" ? "a state" : "a field"} \`${newName}\` already exists beside \`${field.name.name}\`` };
  return { ok: true, edit: editsOf(fieldOccurrences(analysis, field), newName, uriOf) };
}

/** A feature: every plan that grants it and every action that requires it, unless a plan already grants the new name. */
function renameFeature(analysis: Analysis, name: string, newName: string, uriOf: (name: string) => string): { ok: true; edit: WorkspaceEdit } | { ok: false; message: string } {
  if (!NAME.test(newName)) return { ok: false, message: `\`${newName}\` is not a valid name: use letters, digits and \`_\`, not starting with a digit` };
  if (newName === name) return { ok: true, edit: { changes: {} } };
  if (featureOccurrences(analysis, newName).length > 0) return { ok: false, message: `a feature \`${newName}\` already exists` };
  return { ok: true, edit: editsOf(featureOccurrences(analysis, name), newName, uriOf) };
}

function editsOf(occurrences: readonly FieldOccurrence[], newName: string, uriOf: (name: string) => string): WorkspaceEdit {
  const changes: Record<string, TextEdit[]> = {};
  const seen = new Set<string>();
  for (const o of occurrences) {
    const key = `${o.unit.source.name}:${o.span.start}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const uri = uriOf(o.unit.source.name);
    changes[uri] = [...(changes[uri] ?? []), { range: toRange(o.unit.source, o.span), newText: newName }];
  }
  return { changes };
}
