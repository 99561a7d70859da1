/**
 * A whole project, from texts to a checked model: parse every file, group files into
 * modules with the standard library, resolve names and check types and rules.
 *
 * Syntax errors come first: if any file has one, only syntax errors are reported, since
 * what a broken file declares is unknown and every reference to it would be a false alarm.
 * The result does not depend on the order the files are given in.
 */
import { parse, type ParseResult } from "./1-parse/parse.js";
import { buildModules } from "./2-resolve/modules.js";
import type { Unit } from "./2-resolve/symbols.js";
import { check } from "./3-check/check.js";
import type { Model } from "./3-check/model.js";
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
  const syntax = parsed.flatMap((p) => p.diagnostics);
  if (hasErrors(syntax)) return { model: undefined, parsed, diagnostics: syntax.sort(compareDiagnostics) };
  const units: Unit[] = [
    ...stdlib.map((source): Unit => ({ source, ast: parse(source).ast, std: true })),
    ...parsed.map((p): Unit => ({ source: p.source, ast: p.ast, std: false })),
  ];
  const modules = buildModules(units);
  const checked = check(modules);
  const diagnostics = [...syntax, ...modules.diagnostics, ...checked.diagnostics].sort(compareDiagnostics);
  return { model: checked.model, parsed, diagnostics: dedupeDiagnostics(diagnostics) };
}
