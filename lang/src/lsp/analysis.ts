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
import { compareDiagnostics, dedupeDiagnostics, type Diagnostic, hasErrors } from "../diagnostics/diagnostic.js";
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

/** The second stage: the stored trees (and the stdlib's) grouped into modules, names bound to scopes. */
export interface Resolved {
  readonly syntax: readonly Diagnostic[];
  readonly units: ReadonlyMap<string, Unit>;
  /** Undefined when resolving a broken file's recovered tree failed. */
  readonly modules: Modules | undefined;
}

export function resolve(documents: readonly StoredDocument[]): Resolved {
  const sorted = [...documents].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const syntax = sorted.flatMap((d) => d.parsed.diagnostics);
  const projectUnits = sorted.map((d): Unit => ({ source: d.parsed.source, ast: d.parsed.ast, std: false }));
  const all = [...stdlibUnits(), ...projectUnits];
  const units = new Map(all.map((u) => [u.source.name, u]));
  try {
    return { syntax, units, modules: buildModules(all) };
  } catch (error) {
    // A recovered tree may hold shapes `checkProject` never resolves; a clean project must never get here.
    if (!hasErrors(syntax)) throw error;
    return { syntax, units, modules: undefined };
  }
}

/** The third stage: the resolved project checked; diagnostics exactly as `checkProject` gives them. */
export function checkResolved({ syntax, units, modules }: Resolved): Analysis {
  const broken = hasErrors(syntax);
  let checked: { model: Model; diagnostics: Diagnostic[] } | undefined;
  try {
    checked = modules === undefined ? undefined : check(modules);
  } catch (error) {
    if (!broken) throw error;
  }
  if (broken || modules === undefined || checked === undefined) {
    return { diagnostics: [...syntax].sort(compareDiagnostics), model: checked?.model, modules, units };
  }
  const diagnostics = [...syntax, ...modules.diagnostics, ...checked.diagnostics].sort(compareDiagnostics);
  return { diagnostics: dedupeDiagnostics(diagnostics), model: checked.model, modules, units };
}

export const analyze = (documents: readonly StoredDocument[]): Analysis => checkResolved(resolve(documents));
