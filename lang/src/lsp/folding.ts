/**
 * Folding ranges: every declaration that spans lines, and inside one the parts that do —
 * entity fields' block, an action's input, workflow states, policy rules, — and runs of
 * `//` comment lines. Reads the tree and the text only, so it works on a broken file too.
 */
import { type FoldingRange, FoldingRangeKind } from "vscode-languageserver/node";
import type { FileNode } from "../ast/nodes.js";
import type { SourceFile, Span } from "../source/source-file.js";

export function foldingRanges(ast: FileNode, source: SourceFile): FoldingRange[] {
  const ranges: FoldingRange[] = [];
  const line = (offset: number): number => source.position(offset).line - 1;
  const fold = (span: Span, kind?: FoldingRangeKind): void => {
    const start = line(span.start);
    // The closing `}` stays visible: fold up to the line before the last.
    const end = line(Math.max(span.start, span.end - 1)) - 1;
    if (end > start) ranges.push({ startLine: start, endLine: end, ...(kind === undefined ? {} : { kind }) });
  };
  for (const decl of ast.declarations) {
    fold(decl.span);
    if (decl.kind === "Action") for (const entry of decl.body) if (entry.kind === "Input") fold(entry.span);
    if (decl.kind === "Workflow") for (const entry of decl.body) if (entry.kind === "State" || entry.kind === "Context") fold(entry.span);
    if (decl.kind === "Policy") for (const entry of decl.body) if (entry.kind === "Rule") foldLines(ranges, line(entry.span.start), line(entry.span.end));
  }
  comments(source, ranges);
  return ranges.sort((a, b) => a.startLine - b.startLine || b.endLine - a.endLine);
}

/** A multi-line construct without a closing line of its own (a rule): all its lines. */
function foldLines(ranges: FoldingRange[], start: number, end: number): void {
  if (end > start) ranges.push({ startLine: start, endLine: end });
}

/** Runs of two or more lines that hold only a `//` comment. */
function comments(source: SourceFile, ranges: FoldingRange[]): void {
  const lines = source.text.split("\n");
  let first = -1;
  for (let i = 0; i <= lines.length; i++) {
    const comment = i < lines.length && /^\s*\/\//.test(lines[i] as string);
    if (comment && first < 0) first = i;
    if (!comment && first >= 0) {
      if (i - 1 > first) ranges.push({ startLine: first, endLine: i - 1, kind: FoldingRangeKind.Comment });
      first = -1;
    }
  }
}
