/**
 * What every command that compiles does first: find and read the project's files, check
 * them, and emit the bundle. Errors — in the files, or ones only the bundle can see — are
 * printed as `check` prints them (code frames and a summary on stderr, or JSON on stdout),
 * and then there is no result. On success the warnings come back unprinted, sorted, for
 * the command to print where it fits.
 */
import { checkProject, compareDiagnostics, type Diagnostic, diagnosticToJson, hasErrors, type Model, type SourceFile } from "@paybill/lang";
import type { Bundle } from "@paybill/runtime";
import { tryEmitBundle } from "../emit/bundle/index.js";
import { cloudNameDiagnostics } from "../emit/terraform/name-check.js";
import type { Io } from "../io.js";
import { type OutputFormat, printFrames, printJson, summary } from "../output/report.js";
import { readSources } from "../project/read.js";
import { findFiles } from "./find-files.js";

export type Compiled =
  | { readonly ok: true; readonly model: Model; readonly bundle: Bundle; readonly files: number; readonly diagnostics: readonly Diagnostic[] }
  | { readonly ok: false; readonly status: 1 | 2 };

/** `failNote` ends the summary line of a failure (`; nothing written`). */
export async function compileProject(paths: readonly string[], format: OutputFormat, io: Io, failNote = ""): Promise<Compiled> {
  const found = await findFiles(paths, io);
  if (found === undefined) return { ok: false, status: 2 };
  const diagnostics: Diagnostic[] = [...found.diagnostics];
  const sources: SourceFile[] = [];
  for await (const { source } of readSources(found.files, diagnostics)) sources.push(source);
  const checked = checkProject(sources);
  diagnostics.push(...checked.diagnostics);
  if (!hasErrors(diagnostics) && checked.model !== undefined) {
    const emitted = tryEmitBundle(checked.model);
    if (emitted.ok) diagnostics.push(...cloudNameDiagnostics(checked.model));
    if (emitted.ok && !hasErrors(diagnostics)) {
      diagnostics.sort(compareDiagnostics);
      return { ok: true, model: checked.model, bundle: emitted.bundle, files: found.files.length, diagnostics };
    }
    if (!emitted.ok) diagnostics.push(...emitted.diagnostics);
  }
  diagnostics.sort(compareDiagnostics);
  if (format === "json") {
    printJson({ diagnostics: diagnostics.map(diagnosticToJson) }, io);
  } else {
    printFrames(diagnostics, io);
    io.err(`${summary(diagnostics, found.files.length)}${failNote}\n`);
  }
  return { ok: false, status: 1 };
}
