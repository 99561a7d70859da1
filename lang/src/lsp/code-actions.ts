/**
 * Quick fixes for the diagnostics under the cursor, read from what each diagnostic already
 * says it would take (its help line), so the editor can apply a suggestion instead of the
 * user retyping it:
 *
 * - "did you mean `x`?" — the misspelt name (the last name in the diagnostic's range, or a
 *   quoted string's text, PB3011) replaced by `x`;
 * - "add `import m.{x}` at the top of the file" — that import, after the file's last import
 *   (or its `package` line);
 * - "declare it with `kind name { … }`" for a top-level declaration — `kind name {\n}` at the
 *   end of the file, to fill in.
 *
 * The diagnostics are the server's own (exact spans and help), not the client's copies.
 */
import type { CodeAction, TextEdit } from "vscode-languageserver/node";
import { CodeActionKind } from "vscode-languageserver/node";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import type { SourceFile } from "../source/source-file.js";
import { toLspDiagnostic } from "./diagnostics.js";
import { toRange } from "./positions.js";

const DID_YOU_MEAN = /did you mean ((?:`[^`]+`(?: or )?)+)\?/;
const ADD_IMPORT = /add `(import [^`]+)` at the top of the file/;
const DECLARE = /declare it with `(agent|entity|action|policy|workflow|plan|tenant|group|cloud|const) ([A-Za-z_][A-Za-z0-9_]*) \{ … \}`/;

/** The quick fixes of the diagnostics of `source` that touch offsets `start`–`end`. */
export function codeActions(diagnostics: readonly Diagnostic[], source: SourceFile, start: number, end: number, uri: string, uriOf: (name: string) => string = () => uri): CodeAction[] {
  const actions: CodeAction[] = [];
  for (const d of diagnostics) {
    if (d.file.name !== source.name || d.span.end < start || d.span.start > end || d.help === undefined) continue;
    for (const fix of fixesOf(d, source)) {
      actions.push({ title: fix.title, kind: CodeActionKind.QuickFix, diagnostics: [toLspDiagnostic(d, uriOf)], isPreferred: fix.preferred, edit: { changes: { [uri]: [fix.edit] } } });
    }
  }
  return actions;
}

type Fix = { title: string; edit: TextEdit; preferred: boolean };

function fixesOf(d: Diagnostic, source: SourceFile): Fix[] {
  const options = DID_YOU_MEAN.exec(d.help ?? "")?.[1];
  if (options === undefined) {
    const fix = fixOf(d, source);
    return fix === undefined ? [] : [fix];
  }
  // "did you mean `a`?" or "did you mean `a` or `b`?": one fix each, preferred when it is the only one.
  const meant = [...options.matchAll(/`([^`]+)`/g)].map((m) => m[1] as string);
  const written = source.text.slice(d.span.start, d.span.end);
  return meant.flatMap((name): Fix[] => {
    const replaced = replaceName(written, name);
    return replaced === undefined ? [] : [{ title: `Change to \`${name}\``, edit: { range: toRange(source, d.span), newText: replaced }, preferred: meant.length === 1 }];
  });
}

function fixOf(d: Diagnostic, source: SourceFile): Fix | undefined {
  const help = d.help ?? "";
  const imported = ADD_IMPORT.exec(help)?.[1];
  if (imported !== undefined) {
    const at = importOffset(source.text);
    const newline = at === source.text.length && at > 0 && !source.text.endsWith("\n") ? "\n" : "";
    return { title: `Add \`${imported}\``, edit: { range: toRange(source, { start: at, end: at }), newText: `${newline}${imported}\n` }, preferred: true };
  }
  const declared = DECLARE.exec(help);
  if (declared !== null) {
    const end = source.text.length;
    const gap = source.text.endsWith("\n") ? "\n" : "\n\n";
    return {
      title: `Declare \`${declared[1]} ${declared[2]}\``,
      edit: { range: toRange(source, { start: end, end }), newText: `${gap}${declared[1]} ${declared[2]} {\n}\n` },
      preferred: false,
    };
  }
  return undefined;
}

/** `written` with its misspelt name replaced: a quoted string's text, else its last name. */
function replaceName(written: string, meant: string): string | undefined {
  const quoted = /^(["'])[^"'\\\n]*\1$/.exec(written);
  if (quoted !== null) return `${quoted[1]}${meant}${quoted[1]}`;
  const last = /[A-Za-z_][A-Za-z0-9_]*$/.exec(written);
  if (last === null) return undefined;
  return written.slice(0, last.index) + meant;
}

/** Where a new import goes: after the last `import` line, else after the `package` line, else at the top. */
function importOffset(text: string): number {
  let after = 0;
  let offset = 0;
  for (const line of text.split("\n")) {
    const next = offset + line.length + 1;
    if (/^\s*import\s/.test(line) || /^\s*package\s/.test(line)) after = Math.min(next, text.length);
    offset = next;
  }
  return after;
}
