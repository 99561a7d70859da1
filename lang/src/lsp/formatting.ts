/**
 * Formatting: the same `format()` as `paybillc fmt`, as one edit over the whole document,
 * or no edit when the file has syntax errors (or is already formatted).
 */
import type { TextEdit } from "vscode-languageserver/node";
import { format } from "../format/format.js";
import type { SourceFile } from "../source/source-file.js";
import { toRange } from "./positions.js";

export function formatting(source: SourceFile): TextEdit[] {
  const result = format(source);
  if (!result.ok || result.text === source.text) return [];
  return [{ range: toRange(source, { start: 0, end: source.text.length }), newText: result.text }];
}
