/**
 * Document symbols (the outline): every declaration of a file, with entity fields, action
 * inputs, workflow states and policy rules as children. Reads the tree only, so it works
 * on a file with syntax errors too.
 */
import { type DocumentSymbol, SymbolKind } from "vscode-languageserver/node";
import type { Declaration, FileNode } from "../ast/nodes.js";
import { declarationName } from "../2-resolve/symbols.js";
import type { SourceFile, Span } from "../source/source-file.js";
import { toRange } from "./positions.js";

/** The symbol kind each declaration shows as (outline, workspace symbols). */
export const KIND: Record<Declaration["kind"], SymbolKind> = {
  Provider: SymbolKind.Namespace,
  Isolation: SymbolKind.Enum,
  Cloud: SymbolKind.Module,
  Plan: SymbolKind.Class,
  Tenant: SymbolKind.Object,
  Agent: SymbolKind.Interface,
  Group: SymbolKind.Object,
  Entity: SymbolKind.Struct,
  Action: SymbolKind.Function,
  Policy: SymbolKind.Package,
  Workflow: SymbolKind.Event,
  Test: SymbolKind.Method,
  Const: SymbolKind.Constant,
};

export function outline(ast: FileNode, source: SourceFile): DocumentSymbol[] {
  const symbol = (name: string, kind: SymbolKind, span: Span, nameSpan: Span, detail?: string, children?: DocumentSymbol[]): DocumentSymbol => ({
    name: name === "" ? "(unnamed)" : name,
    kind,
    range: toRange(source, span),
    selectionRange: toRange(source, nameSpan),
    ...(detail === undefined ? {} : { detail }),
    ...(children === undefined ? {} : { children }),
  });
  return ast.declarations.map((decl) => {
    const { name, node } = declarationName(decl);
    const children: DocumentSymbol[] = [];
    if (decl.kind === "Entity") for (const f of decl.fields) children.push(symbol(f.name.name, SymbolKind.Field, f.span, f.name.span));
    if (decl.kind === "Action")
      for (const entry of decl.body) if (entry.kind === "Input") for (const f of entry.fields) children.push(symbol(f.name.name, SymbolKind.Field, f.span, f.name.span, "input"));
    if (decl.kind === "Workflow") for (const entry of decl.body) if (entry.kind === "State") children.push(symbol(entry.name.name, SymbolKind.EnumMember, entry.span, entry.name.span, "state"));
    if (decl.kind === "Policy") for (const entry of decl.body) if (entry.kind === "Rule") children.push(symbol(entry.effect, SymbolKind.Operator, entry.span, entry.span, "rule"));
    return symbol(name, KIND[decl.kind], decl.span, node?.span ?? decl.span, decl.kind.toLowerCase(), children.length > 0 ? children : undefined);
  });
}
