/**
 * How commands print: code frames and summaries on stderr, machine output on stdout.
 *
 * In `--format json` stdout carries exactly one JSON document and nothing else, so it can
 * be piped into another tool; people read stderr.
 */
import { type Diagnostic, renderDiagnostic } from "@paybill/lang";
import { relative, sep } from "node:path";
import type { Io } from "../io.js";

export type OutputFormat = "text" | "json";

export function printFrames(diagnostics: readonly Diagnostic[], io: Io): void {
  for (const d of diagnostics) io.err(`${renderDiagnostic(d, { color: io.color })}\n\n`);
}

export function printJson(value: unknown, io: Io): void {
  io.out(`${JSON.stringify(value, null, 2)}\n`);
}

/** `2 errors, 1 warning in 2 files (3 files checked)` or `checked 3 files, no problems`. */
export function summary(diagnostics: readonly Diagnostic[], checked: number): string {
  const errors = diagnostics.filter((d) => d.severity === "error");
  const warnings = diagnostics.filter((d) => d.severity === "warning");
  if (errors.length + warnings.length === 0) return `checked ${plural(checked, "file")}, no problems`;
  const counts = [errors.length > 0 ? plural(errors.length, "error") : "", warnings.length > 0 ? plural(warnings.length, "warning") : ""];
  const files = filesWith([...errors, ...warnings]);
  return `${counts.filter((c) => c !== "").join(", ")} in ${plural(files, "file")} (${plural(checked, "file")} checked)`;
}

/** How many distinct files the diagnostics are in. */
export function filesWith(diagnostics: readonly Diagnostic[]): number {
  return new Set(diagnostics.map((d) => d.file.name)).size;
}

export function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? "" : "s"}`;
}

/** A command-line path that does not exist: a usage error (exit 2). */
export function printMissing(paths: readonly string[], io: Io): void {
  for (const path of paths) io.err(`paybillc: no such file or directory: ${path}\n`);
}

/** A path as the user would write it from where they are: relative below the working directory, else absolute. */
export function displayPath(cwd: string, path: string): string {
  const rel = relative(cwd, path);
  return (rel === "" || rel.startsWith("..") ? path : rel).split(sep).join("/");
}
