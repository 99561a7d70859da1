/**
 * A diagnostic: a problem in a user's project, with a stable code and a location.
 *
 * Diagnostics are values: every stage collects them and returns them with its result; no
 * stage throws for a user mistake.
 */
import type { SourceFile, Span } from "../source/source-file.js";
import { CATALOG, type DiagnosticKind, type Severity } from "./catalog.js";

export interface Diagnostic {
  readonly code: string;
  readonly severity: Severity;
  readonly message: string;
  readonly file: SourceFile;
  readonly span: Span;
  /** One extra line that says how to fix it. */
  readonly help?: string;
  /** Other places the problem involves (the first of two declarations), each with what it is. */
  readonly related?: readonly RelatedLocation[];
}

export interface RelatedLocation {
  readonly file: SourceFile;
  readonly span: Span;
  readonly message: string;
}

/** The diagnostic with places it involves. */
export const withRelated = (d: Diagnostic, related: readonly RelatedLocation[]): Diagnostic => ({ ...d, related });

export function diagnostic(kind: DiagnosticKind, file: SourceFile, span: Span, message: string, help?: string): Diagnostic {
  const { code, severity } = CATALOG[kind];
  return help === undefined ? { code, severity, message, file, span } : { code, severity, message, file, span, help };
}

/** Order by file name, then position, then code: the order every tool prints in. */
export function compareDiagnostics(a: Diagnostic, b: Diagnostic): number {
  if (a.file.name !== b.file.name) return a.file.name < b.file.name ? -1 : 1;
  return a.span.start - b.span.start || a.span.end - b.span.end || (a.code < b.code ? -1 : a.code > b.code ? 1 : 0);
}

export const hasErrors = (diagnostics: readonly Diagnostic[]): boolean => diagnostics.some((d) => d.severity === "error");

/** The same message at the same place once (a name resolved from two checks reports twice). */
export function dedupeDiagnostics(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return diagnostics.filter((d) => {
    const key = `${d.file.name}\u0000${d.span.start}\u0000${d.span.end}\u0000${d.code}\u0000${d.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
