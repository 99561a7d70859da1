/**
 * Positions between the language server protocol and our spans. Both count UTF-16 code
 * units, so a span's offsets map to LSP's 0-based line/character by the file's line starts
 * and nothing else. Must not know about documents or the project.
 */
import type { Position, Range } from "vscode-languageserver/node";
import type { SourceFile, Span } from "../source/source-file.js";

export function toPosition(source: SourceFile, offset: number): Position {
  const p = source.position(offset);
  return { line: p.line - 1, character: p.column - 1 };
}

export function toRange(source: SourceFile, span: Span): Range {
  return { start: toPosition(source, span.start), end: toPosition(source, span.end) };
}

export function toOffset(source: SourceFile, position: Position): number {
  const starts = source.lineStarts;
  if (position.line < 0) return 0;
  const start = starts[position.line];
  if (start === undefined) return source.text.length;
  const next = starts[position.line + 1] ?? source.text.length;
  return Math.min(start + Math.max(0, position.character), next);
}
