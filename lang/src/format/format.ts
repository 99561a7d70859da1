/**
 * The formatter's entry point: parse, print in the canonical layout, then prove the result
 * means the same (parse it again and compare trees and comments) before handing it out.
 * A file with syntax errors is not formatted.
 */
import { sameTree } from "../ast/equal.js";
import { parse } from "../1-parse/parse.js";
import { type Diagnostic, diagnostic, hasErrors } from "../diagnostics/diagnostic.js";
import { SourceFile } from "../source/source-file.js";
import { printFile } from "./layout.js";

export type FormatResult =
  | { readonly ok: true; readonly text: string }
  | { readonly ok: false; readonly diagnostics: readonly Diagnostic[] };

export function format(source: SourceFile): FormatResult {
  const parsed = parse(source);
  if (hasErrors(parsed.diagnostics)) return { ok: false, diagnostics: parsed.diagnostics };
  const text = printFile(parsed.ast, source);
  const again = parse(new SourceFile(source.name, text));
  const comments = (c: { text: string }[] | readonly { text: string }[]): string => c.map((x) => x.text.replace(/\r\n?/g, "\n")).join("\u0000");
  if (hasErrors(again.diagnostics) || !sameTree(parsed.ast, again.ast) || comments(parsed.ast.comments) !== comments(again.ast.comments)) {
    return {
      ok: false,
      diagnostics: [
        diagnostic(
          "formatterFailed",
          source,
          { start: 0, end: 0 },
          "the formatter could not keep this file's meaning, so it left the file as it is",
          "this is a bug in paybillc; please report it with this file",
        ),
      ],
    };
  }
  return { ok: true, text };
}
