/**
 * Diagnostics as the protocol wants them, grouped by document: the same list `paybillc
 * check` prints, each with its code (linked to its catalogue entry, `catalog-link.ts`),
 * range, severity, the help line under the message, and the other places it involves.
 */
import { type Diagnostic as LspDiagnostic, DiagnosticSeverity } from "vscode-languageserver/node";
import { catalogueLink } from "../diagnostics/catalog-link.js";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { toRange } from "./positions.js";

const SEVERITY = { error: DiagnosticSeverity.Error, warning: DiagnosticSeverity.Warning, info: DiagnosticSeverity.Information } as const;

export function toLspDiagnostic(d: Diagnostic, uriOf: (name: string) => string): LspDiagnostic {
  const href = catalogueLink(d.code);
  return {
    range: toRange(d.file, d.span),
    severity: SEVERITY[d.severity],
    code: d.code,
    ...(href === undefined ? {} : { codeDescription: { href } }),
    source: "paybill",
    message: d.help === undefined ? d.message : `${d.message}\nhelp: ${d.help}`,
    ...(d.related === undefined
      ? {}
      : { relatedInformation: d.related.map((r) => ({ location: { uri: uriOf(r.file.name), range: toRange(r.file, r.span) }, message: r.message })) }),
  };
}

/** Diagnostics per file name; every name in `names` gets an entry, empty when clean. */
export function byFile(diagnostics: readonly Diagnostic[], names: Iterable<string>, uriOf: (name: string) => string): Map<string, LspDiagnostic[]> {
  const grouped = new Map<string, LspDiagnostic[]>();
  for (const name of names) grouped.set(name, []);
  for (const d of diagnostics) {
    const list = grouped.get(d.file.name) ?? [];
    list.push(toLspDiagnostic(d, uriOf));
    grouped.set(d.file.name, list);
  }
  return grouped;
}
