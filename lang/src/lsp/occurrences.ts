/**
 * Names and what they name, per analysis: the symbol under a cursor (a declaration's name,
 * a reference the checker resolved, or a member of an `import m.{…}`), and every place a
 * symbol is written — its declaration, its references, the imports that name it — across
 * all files. Built from the model's references side table; cached per model. Must not
 * decide anything about renaming or presentation.
 */
import type { Ident, QualifiedName } from "../ast/nodes.js";
import type { Declared, Unit } from "../2-resolve/symbols.js";
import type { Span } from "../source/source-file.js";
import type { Analysis } from "./analysis.js";
import { allNodes, pathAt } from "./locate.js";

export interface Occurrence {
  readonly unit: Unit;
  /** Just the name as written (the matching part of a qualified name). */
  readonly span: Span;
  readonly declaration: boolean;
}

interface Index {
  readonly byNameNode: Map<Ident, Declared>;
  /** Import members `import m.{x}` → the symbols they bring in. */
  readonly imported: Map<Ident, Declared[]>;
  readonly occurrences: Map<Declared, Occurrence[]>;
}

const cache = new WeakMap<Analysis, Index>();

function index(analysis: Analysis): Index {
  const cached = cache.get(analysis);
  if (cached !== undefined) return cached;
  const byNameNode = new Map<Ident, Declared>();
  const imported = new Map<Ident, Declared[]>();
  const occurrences = new Map<Declared, Occurrence[]>();
  const add = (symbol: Declared, occurrence: Occurrence): void => {
    const list = occurrences.get(symbol) ?? [];
    list.push(occurrence);
    occurrences.set(symbol, list);
  };
  const modules = analysis.modules?.modules ?? new Map();
  for (const module of modules.values()) {
    for (const symbol of module.symbols()) {
      if (symbol.nameNode === undefined) continue;
      byNameNode.set(symbol.nameNode, symbol);
      // A cloud without a name is called after its provider: that word is the provider's.
      if (!(symbol.decl.kind === "Cloud" && symbol.decl.name === undefined)) add(symbol, { unit: symbol.unit, span: symbol.nameNode.span, declaration: true });
    }
  }
  const references = analysis.model?.references;
  for (const unit of analysis.units.values()) {
    for (const imp of unit.ast.imports) {
      const target = modules.get(imp.path.parts.map((p) => p.name).join("."));
      for (const member of imp.members ?? []) {
        const symbols = target?.named(member.name) ?? [];
        imported.set(member, [...symbols]);
        for (const symbol of symbols) add(symbol, { unit, span: member.span, declaration: false });
      }
    }
    if (references === undefined) continue;
    for (const node of allNodes(unit.ast)) {
      if (node.kind !== "Ident" && node.kind !== "QualifiedName") continue;
      const symbol = references.get(node as Ident | QualifiedName);
      if (symbol !== undefined) add(symbol, { unit, span: nameSpan(node as Ident | QualifiedName, symbol), declaration: false });
    }
  }
  // A string naming a declaration (`tenant.plan == "enterprise"`): the text between its quotes.
  for (const [literal, { unit, symbol }] of analysis.model?.namedLiterals ?? []) {
    add(symbol, { unit, span: { start: literal.span.start + 1, end: literal.span.end - 1 }, declaration: false });
  }
  const built = { byNameNode, imported, occurrences };
  cache.set(analysis, built);
  return built;
}

/** The part of a reference that spells the symbol's name (`Ticket` in `Ticket.id`, `silo` in `iso.silo`). */
function nameSpan(node: Ident | QualifiedName, symbol: Declared): Span {
  if (node.kind === "Ident") return node.span;
  for (let i = node.parts.length - 1; i >= 0; i--) if (node.parts[i]?.name === symbol.name) return (node.parts[i] as Ident).span;
  return node.span;
}

export interface SymbolAt {
  readonly symbol: Declared;
  readonly span: Span;
}

export function symbolAt(analysis: Analysis, unit: Unit, offset: number): SymbolAt | undefined {
  const { byNameNode, imported } = index(analysis);
  // Inside a string that names a declaration (`tenant.plan == "enterprise"`): its text.
  for (const [literal, named] of analysis.model?.namedLiterals ?? []) {
    if (named.unit === unit && offset > literal.span.start && offset < literal.span.end) return { symbol: named.symbol, span: { start: literal.span.start + 1, end: literal.span.end - 1 } };
  }
  const references = analysis.model?.references;
  const path = pathAt(unit.ast, offset);
  for (let i = path.length - 1; i >= 0; i--) {
    const node = path[i];
    if (node === undefined) continue;
    if (node.kind === "Ident") {
      const declared = byNameNode.get(node as Ident);
      if (declared !== undefined) return { symbol: declared, span: node.span };
      const first = imported.get(node as Ident)?.[0];
      if (first !== undefined) return { symbol: first, span: node.span };
    }
    if (node.kind === "Ident" || node.kind === "QualifiedName") {
      const symbol = references?.get(node as Ident | QualifiedName);
      if (symbol !== undefined) return { symbol, span: nameSpan(node as Ident | QualifiedName, symbol) };
    }
  }
  return undefined;
}

export function occurrencesOf(analysis: Analysis, symbol: Declared): readonly Occurrence[] {
  return index(analysis).occurrences.get(symbol) ?? [];
}

/** Every occurrence of any symbol in one file, with its symbol. */
export function occurrencesIn(analysis: Analysis, unit: Unit): [Declared, Occurrence][] {
  const found: [Declared, Occurrence][] = [];
  for (const [symbol, list] of index(analysis).occurrences) for (const o of list) if (o.unit === unit) found.push([symbol, o]);
  return found;
}
