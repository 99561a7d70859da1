/**
 * A whole project, from texts to a checked model: parse every file, group files into
 * modules with the standard library, resolve names and check types and rules.
 *
 * A syntax error does not hide the other errors: a broken file keeps the declarations it
 * parsed intact, every other file is checked as usual, and a diagnostic about a name that
 * the broken part of a file may declare is left out rather than reported falsely
 * (`broken-files.ts`). There is no model while a file has a syntax error (nothing is built
 * from a broken project). The result does not depend on the order the files are given in.
 */
import { parse, type ParseResult } from "./1-parse/parse.js";
import { buildModules } from "./2-resolve/modules.js";
import type { Unit } from "./2-resolve/symbols.js";
import { check } from "./3-check/check.js";
import type { Model } from "./3-check/model.js";
import { mayBeLost, salvage } from "./broken-files.js";
import { compareDiagnostics, dedupeDiagnostics, type Diagnostic, hasErrors } from "./diagnostics/diagnostic.js";
import type { SourceFile } from "./source/source-file.js";
import { loadStdlib } from "./stdlib.js";

export interface ProjectResult {
  /** Undefined when a file has syntax errors. */
  readonly model: Model | undefined;
  readonly parsed: readonly ParseResult[];
  readonly diagnostics: readonly Diagnostic[];
}

export function checkProject(files: readonly SourceFile[], stdlib: readonly SourceFile[] = loadStdlib()): ProjectResult {
  const sorted = [...files].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const parsed = sorted.map(parse);
  const stdUnits = stdlib.map((source): Unit => ({ source, ast: parse(source).ast, std: true }));
  const { model, diagnostics } = checkParsed(parsed, stdUnits);
  return { model, parsed, diagnostics };
}

/**
 * The project's parse results (sorted by name) checked with the standard library's units:
 * what `checkProject` reports, for callers that keep their own parse results (the language
 * server). The model is undefined when a file has syntax errors.
 */
export function checkParsed(parsed: readonly ParseResult[], stdUnits: readonly Unit[]): { model: Model | undefined; diagnostics: Diagnostic[] } {
  const syntax = parsed.flatMap((p) => p.diagnostics);
  if (!hasErrors(syntax)) {
    const modules = buildModules([...stdUnits, ...parsed.map((p): Unit => ({ source: p.source, ast: p.ast, std: false }))]);
    const checked = check(modules);
    const diagnostics = [...syntax, ...modules.diagnostics, ...checked.diagnostics].sort(compareDiagnostics);
    return { model: checked.model, diagnostics: dedupeDiagnostics(diagnostics) };
  }
  const { files, lostWords } = salvage(parsed);
  let semantic: Diagnostic[];
  try {
    const modules = buildModules([...stdUnits, ...files.map((p): Unit => ({ source: p.source, ast: p.ast, std: false }))]);
    semantic = [...modules.diagnostics, ...check(modules).diagnostics].filter((d) => !mayBeLost(d, lostWords));
  } catch {
    // Only intact declarations are checked, so this is not expected; should a shape the
    // checker does not handle slip through, the syntax errors are still reported.
    semantic = [];
  }
  return { model: undefined, diagnostics: dedupeDiagnostics([...syntax, ...semantic].sort(compareDiagnostics)) };
}
