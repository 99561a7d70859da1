/**
 * Re-parsing after an edit without parsing the whole file again, for the edit the editor
 * sends most while the user types: a few characters replaced by as many others inside one
 * declaration of a clean file. Only that declaration is parsed again (in a copy of the text
 * where every other declaration is blanked out, so every offset stays the same) and put in
 * place of the old one. The result is exactly what `parse` gives for the new text; any edit
 * where that is not plainly so (another length, a quote, a comment or a line break touched,
 * a syntax error, the declaration's ends moved) returns undefined and is parsed in full.
 */
import { parse, type ParseResult } from "../1-parse/parse.js";
import type { FileNode } from "../ast/nodes.js";
import { SourceFile } from "../source/source-file.js";

/** Characters whose change can move a token boundary beyond the edit: comments, strings, lines. */
const STRUCTURAL = /[/*"'`\\\n\r]/;

export function reparse(previous: ParseResult, name: string, text: string): ParseResult | undefined {
  const old = previous.source.text;
  if (old.length !== text.length || previous.diagnostics.length > 0 || previous.source.name !== name) return undefined;
  let start = 0;
  while (start < text.length && old.charCodeAt(start) === text.charCodeAt(start)) start++;
  if (start === text.length) return previous; // the same text (an undo): the same tree, so an analysis of it still holds
  let end = text.length;
  while (end > start && old.charCodeAt(end - 1) === text.charCodeAt(end - 1)) end--;
  if (STRUCTURAL.test(old.slice(start, end)) || STRUCTURAL.test(text.slice(start, end))) return undefined;

  const ast = previous.ast;
  const index = ast.declarations.findIndex((d) => d.span.start < start && end < d.span.end);
  const decl = ast.declarations[index];
  if (decl === undefined || old.charCodeAt(decl.span.end - 1) !== 125 /* } */) return undefined;
  if (ast.comments.some((c) => c.span.start < end && start < c.span.end)) return undefined;

  const first = ast.declarations[0]?.span.start ?? 0;
  const blanked = text.slice(0, first) + blank(first, decl.span.start) + text.slice(decl.span.start, decl.span.end) + blank(decl.span.end, text.length);
  const window = parse(new SourceFile(name, blanked));
  const fresh = window.ast.declarations[0];
  if (window.diagnostics.length > 0 || window.ast.declarations.length !== 1 || fresh === undefined) return undefined;
  if (fresh.kind !== decl.kind || fresh.span.start !== decl.span.start || fresh.span.end !== decl.span.end) return undefined;

  const declarations = [...ast.declarations];
  declarations[index] = fresh;
  const next: FileNode = { ...ast, declarations };
  return { source: new SourceFile(name, text), ast: next, diagnostics: [] };
}

/** Spaces in place of the text between `from` and `to` (spans are offsets; lines do not matter here). */
function blank(from: number, to: number): string {
  return " ".repeat(to - from);
}
