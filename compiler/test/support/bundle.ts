/**
 * Builds bundles in process (parse, check, emit) for the bundle tests: from the example
 * project on disk, or from inline sources.
 */
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { checkProject, type Diagnostic, hasErrors, SourceFile } from "@paybill/lang";
import type { Bundle } from "@paybill/runtime";
import { bundleText, tryEmitBundle } from "../../src/emit/bundle/index.js";

export const ROOT = fileURLToPath(new URL("../../../", import.meta.url));

/** The `.paybill` files of a directory, by name. */
export function sourcesIn(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  // Files only: `paybillc tenants`/`migrate` keep their database in the directory `.paybill/`.
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1)))
    if (entry.isFile() && entry.name.endsWith(".paybill")) files[entry.name] = readFileSync(`${dir}/${entry.name}`, "utf8");
  return files;
}

export type Emitted = { readonly ok: true; readonly bundle: Bundle; readonly text: string } | { readonly ok: false; readonly diagnostics: readonly Diagnostic[] };

/** Checks and emits `files` (name → text), handed to the checker in the order given. */
export function emit(files: Record<string, string> | readonly [string, string][]): Emitted {
  const entries = Array.isArray(files) ? files : Object.entries(files);
  const checked = checkProject(entries.map(([name, text]) => new SourceFile(name, text)));
  if (hasErrors(checked.diagnostics) || checked.model === undefined) return { ok: false, diagnostics: checked.diagnostics };
  const result = tryEmitBundle(checked.model);
  return result.ok ? { ok: true, bundle: result.bundle, text: bundleText(result.bundle) } : result;
}

/** The bundle of `files`, or a failed expectation listing the diagnostics. */
export function emitOk(files: Record<string, string> | readonly [string, string][]): { bundle: Bundle; text: string } {
  const result = emit(files);
  if (!result.ok) throw new Error(`expected a bundle, got:\n${result.diagnostics.map((d) => `${d.code} ${d.message}`).join("\n")}`);
  return result;
}

export const HELPDESK = `${ROOT}examples/helpdesk`;
