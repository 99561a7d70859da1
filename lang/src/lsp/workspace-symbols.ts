/**
 * Workspace symbols: every declaration of the project's files (not the standard library's)
 * whose name matches the query — its characters in order, ignoring case (`rfnd` finds
 * `refund_ticket`), as editors' symbol pickers expect — with its package as container.
 */
import type { SymbolInformation } from "vscode-languageserver/node";
import { declarationName } from "../2-resolve/symbols.js";
import type { Analysis } from "./analysis.js";
import { KIND } from "./outline.js";
import { toRange } from "./positions.js";

/** Whether `query`'s characters appear in `name` in order, ignoring case. */
export function matchesQuery(name: string, query: string): boolean {
  const n = name.toLowerCase();
  let at = 0;
  for (const c of query.toLowerCase()) {
    at = n.indexOf(c, at);
    if (at < 0) return false;
    at++;
  }
  return true;
}

export function workspaceSymbols(analysis: Analysis, query: string, uriOf: (name: string) => string): SymbolInformation[] {
  const found: SymbolInformation[] = [];
  for (const unit of analysis.units.values()) {
    if (unit.std) continue;
    const container = unit.ast.package?.name.parts.map((p) => p.name).join(".");
    for (const decl of unit.ast.declarations) {
      const { name, node } = declarationName(decl);
      if (name === "" || !matchesQuery(name, query)) continue;
      found.push({
        name,
        kind: KIND[decl.kind],
        location: { uri: uriOf(unit.source.name), range: toRange(unit.source, (node ?? decl).span) },
        ...(container === undefined ? {} : { containerName: container }),
      });
    }
  }
  return found.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.location.uri < b.location.uri ? -1 : 1));
}
