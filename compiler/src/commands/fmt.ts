/**
 * `paybillc fmt [paths...] [--check]`: rewrite files in the canonical layout.
 *
 * A file with syntax errors is reported and left byte-for-byte as it is. Without `--check`
 * each changed file is replaced atomically and its name printed on stdout; with `--check`
 * nothing is written and the files that would change are listed instead. Exit 1 when a file
 * had errors, or with `--check` when a file is not formatted; 2 when a file could not be
 * written or a path does not exist.
 */
import { compareDiagnostics, type Diagnostic, diagnosticToJson, format, hasErrors } from "@paybill/lang";
import type { Io } from "../io.js";
import { findFiles } from "./find-files.js";
import { filesWith, type OutputFormat, plural, printFrames, printJson } from "../output/report.js";
import { describeFsError } from "../project/fs-errors.js";
import { readSources } from "../project/read.js";
import { writeAtomically } from "../project/write.js";

export interface FmtOptions {
  readonly check: boolean;
  readonly format: OutputFormat;
}

export async function fmt(paths: readonly string[], options: FmtOptions, io: Io): Promise<number> {
  const found = await findFiles(paths, io);
  if (found === undefined) return 2;
  const diagnostics: Diagnostic[] = [...found.diagnostics];
  const changed: string[] = [];
  let writeFailed = false;
  for await (const { file, source, bytes: original } of readSources(found.files, diagnostics)) {
    const result = format(source);
    if (!result.ok) {
      diagnostics.push(...result.diagnostics);
      continue;
    }
    const bytes = Buffer.from(result.text, "utf8");
    if (bytes.equals(original)) continue;
    if (!options.check) {
      try {
        await writeAtomically(file.path, bytes);
      } catch (error) {
        io.err(`paybillc: cannot write ${file.name}: ${describeFsError(error)}\n`);
        writeFailed = true;
        continue;
      }
    }
    changed.push(file.name);
  }
  diagnostics.sort(compareDiagnostics);

  if (options.format === "json") {
    printJson({ [options.check ? "unformatted" : "rewritten"]: changed, diagnostics: diagnostics.map(diagnosticToJson) }, io);
  } else {
    printFrames(diagnostics, io);
    for (const name of changed) io.out(`${name}\n`);
    io.err(`${fmtSummary(options.check, changed.length, found.files.length, diagnostics)}\n`);
  }
  if (writeFailed) return 2;
  return hasErrors(diagnostics) || (options.check && changed.length > 0) ? 1 : 0;
}

function fmtSummary(check: boolean, changed: number, total: number, diagnostics: readonly Diagnostic[]): string {
  const withErrors = filesWith(diagnostics.filter((d) => d.severity === "error"));
  const untouched = check ? "not checked" : `left as ${withErrors === 1 ? "it is" : "they are"}`;
  const errors = withErrors > 0 ? `; ${plural(withErrors, "file")} with errors ${untouched}` : "";
  if (!check) return `rewrote ${changed} of ${plural(total, "file")}${errors}`;
  if (changed === 0) return `checked ${plural(total, "file")}, all formatted${errors}`;
  return `${changed} of ${plural(total, "file")} not formatted; run \`paybillc fmt\` to rewrite ${changed === 1 ? "it" : "them"}${errors}`;
}
