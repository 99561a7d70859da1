/**
 * Diagnostics as the protocol wants them, grouped by document: the same list `paybillc
 * check` prints, each with its code, range, severity and the help line under the message.
 */
import { type Diagnostic as LspDiagnostic, DiagnosticSeverity } from "vscode-languageserver/node";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { toRange } from "./positions.js";

const SEVERITY = { error: DiagnosticSeverity.Error, warning: DiagnosticSeverity.Warning, info: DiagnosticSeverity.Information } as const;

export function toLspDiagnostic(d: Diagnostic): LspDiagnostic {
  return {
    range: toRange(d.file, d.span),
    severity: SEVERITY[d.severity],
    code: d.code,
    source: "paybill",
    message: d.help === undefined ? d.message : `${d.message}\nhelp: ${d.help}`,
  };
}

/** Diagnostics per file name; every name in `names` gets an entry, empty when clean. */
export function byFile(diagnostics: readonly Diagnostic[], names: Iterable<string>): Map<string, LspDiagnostic[]> {
  const grouped = new Map<string, LspDiagnostic[]>();
  for (const name of names) grouped.set(name, []);
  for (const d of diagnostics) {
    const list = grouped.get(d.file.name) ?? [];
    list.push(toLspDiagnostic(d));
    grouped.set(d.file.name, list);
  }
  return grouped;
}
