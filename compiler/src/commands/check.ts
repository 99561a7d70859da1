/**
 * `paybillc check [paths...]`: check the project the files form (syntax, names, types,
 * rules, and the cloud resource names its stacks would get) and report every problem.
 * Exit 0 when no diagnostic is an error, 1 otherwise, 2 for a path that does not exist.
 */
import { checkProject, compareDiagnostics, type Diagnostic, diagnosticToJson, hasErrors, type SourceFile } from "@paybill/lang";
import { cloudNameDiagnostics } from "../emit/terraform/name-check.js";
import type { Io } from "../io.js";
import { findFiles } from "./find-files.js";
import { type OutputFormat, printFrames, printJson, summary } from "../output/report.js";
import { sarifLog } from "../output/sarif.js";
import { readSources } from "../project/read.js";

export interface CheckOptions {
  /** `sarif`: one SARIF 2.1.0 log on stdout (output/sarif.ts), for code-scanning UIs. */
  readonly format: OutputFormat | "sarif";
  /** The tool's version in a SARIF log. */
  readonly version?: string;
}

export async function check(paths: readonly string[], options: CheckOptions, io: Io): Promise<number> {
  const found = await findFiles(paths, io);
  if (found === undefined) return 2;
  const diagnostics: Diagnostic[] = [...found.diagnostics];
  const sources: SourceFile[] = [];
  for await (const { source } of readSources(found.files, diagnostics)) sources.push(source);
  const checked = checkProject(sources);
  diagnostics.push(...checked.diagnostics);
  // The cloud resource names the stacks would get (PB9010): only a project the checker accepts has stacks.
  if (!hasErrors(diagnostics) && checked.model !== undefined) diagnostics.push(...cloudNameDiagnostics(checked.model));
  diagnostics.sort(compareDiagnostics);
  if (options.format === "json") {
    printJson(diagnostics.map(diagnosticToJson), io);
  } else if (options.format === "sarif") {
    printJson(sarifLog(diagnostics, options.version ?? "unknown"), io);
  } else {
    printFrames(diagnostics, io);
    io.err(`${summary(diagnostics, found.files.length)}\n`);
  }
  return hasErrors(diagnostics) ? 1 : 0;
}
