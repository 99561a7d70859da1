/**
 * One analysis of the whole workspace: the stored parse results (plus the standard
 * library, parsed once per process) resolved into modules, then checked. The diagnostics
 * are exactly those of `checkProject` on the same texts: syntax errors alone when a file
 * has one. The model is kept even then (checked from the recovered trees), so hover,
 * definition and completion keep working while the user types; when checking a broken tree
 * fails, there is simply no model. Must not parse project files (the store does).
 */
import { parse } from "../1-parse/parse.js";
import { buildModules, type Modules } from "../2-resolve/modules.js";
import type { Unit } from "../2-resolve/symbols.js";
import { check } from "../3-check/check.js";
import type { Model } from "../3-check/model.js";
import { compareDiagnostics, type Diagnostic, hasErrors } from "../diagnostics/diagnostic.js";
import { loadStdlib } from "../stdlib.js";
import type { StoredDocument } from "./documents.js";

export interface Analysis {
  readonly diagnostics: readonly Diagnostic[];
  /** Undefined only when checking the recovered trees of a broken file failed. */
  readonly model: Model | undefined;
  readonly modules: Modules | undefined;
  /** Every unit, the project's and the standard library's, by file name. */
  readonly units: ReadonlyMap<string, Unit>;
}

let stdUnits: readonly Unit[] | undefined;

export function stdlibUnits(): readonly Unit[] {
  stdUnits ??= loadStdlib().map((source): Unit => ({ source, ast: parse(source).ast, std: true }));
  return stdUnits;
}

export function analyze(documents: readonly StoredDocument[]): Analysis {
  const sorted = [...documents].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const syntax = sorted.flatMap((d) => d.parsed.diagnostics);
  const projectUnits = sorted.map((d): Unit => ({ source: d.parsed.source, ast: d.parsed.ast, std: false }));
  const all = [...stdlibUnits(), ...projectUnits];
  const units = new Map(all.map((u) => [u.source.name, u]));
  let modules: Modules | undefined;
  let checked: { model: Model; diagnostics: Diagnostic[] } | undefined;
  const broken = hasErrors(syntax);
  try {
    modules = buildModules(all);
    checked = check(modules);
  } catch (error) {
    // A recovered tree may hold shapes the checker never sees from `checkProject`; a clean
    // project must never get here.
    if (!broken) throw error;
  }
  if (broken || modules === undefined || checked === undefined) {
    return { diagnostics: [...syntax].sort(compareDiagnostics), model: checked?.model, modules, units };
  }
  const diagnostics = [...syntax, ...modules.diagnostics, ...checked.diagnostics].sort(compareDiagnostics);
  return { diagnostics: dedupe(diagnostics), model: checked.model, modules, units };
}

/** As `checkProject`: the same message at the same place once. */
function dedupe(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return diagnostics.filter((d) => {
    const key = `${d.file.name}\u0000${d.span.start}\u0000${d.span.end}\u0000${d.code}\u0000${d.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
