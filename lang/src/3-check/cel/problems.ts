/**
 * What the CEL checker reports: problems as values with a catalogue kind and a span in the
 * host file. The caller turns them into diagnostics (it knows the file); nothing here
 * throws or prints.
 */
import type { DiagnosticKind } from "../../diagnostics/catalog.js";
import type { Span } from "../../source/source-file.js";

export interface CelProblem {
  readonly kind: DiagnosticKind;
  readonly span: Span;
  readonly message: string;
  readonly help?: string;
}

export function celProblem(kind: DiagnosticKind, span: Span, message: string, help?: string): CelProblem {
  return help === undefined ? { kind, span, message } : { kind, span, message, help };
}
