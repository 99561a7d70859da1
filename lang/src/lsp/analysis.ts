/**
 * One analysis of the whole workspace: the stored parse results (plus the standard
 * library, parsed once per process) resolved into modules, then checked. The diagnostics
 * are exactly those of `checkProject` on the same texts. When a file has a syntax error
 * they come from a check of the intact declarations (`checkParsed`, as `paybillc check`
 * does), while the model is checked from the whole recovered trees, so hover, definition
 * and completion keep working inside the declaration being typed; when checking a broken
 * tree fails, there is simply no model. Must not parse project files (the store does).
 */
import { parse, type ParseResult } from "../1-parse/parse.js";
import { buildModules, type Modules } from "../2-resolve/modules.js";
import type { Unit } from "../2-resolve/symbols.js";
import { check } from "../3-check/check.js";
import type { Model } from "../3-check/model.js";
import { compareDiagnostics, dedupeDiagnostics, type Diagnostic, hasErrors } from "../diagnostics/diagnostic.js";
import { checkParsed } from "../check-project.js";
import { loadStdlib } from "../stdlib.js";
import type { StoredDocument } from "./documents.js";
import { withTree } from "./reparse.js";

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

/**
 * The diagnostics of documents some of which have syntax errors, as `checkProject` gives
 * them: the intact declarations checked, names the broken parts may declare not reported.
 */
export function brokenDiagnostics(documents: readonly StoredDocument[]): readonly Diagnostic[] {
  const sorted = [...documents].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  // The stored trees are those a full parse gives, broken ones included (reparse.ts's law).
  // A re-parsed tree is lent for the check (`withTree`): the diagnostics keep copies of their spans.
  const lent: ParseResult[] = [];
  const run = (i: number): readonly Diagnostic[] => {
    const doc = sorted[i];
    if (doc === undefined) return checkParsed(lent, stdlibUnits()).diagnostics.map(detached);
    return withTree(doc.parsed, (ast) => {
      lent.push({ source: doc.parsed.source, diagnostics: doc.parsed.diagnostics, ast });
      return run(i + 1);
    });
  };
  return run(0);
}

/** A diagnostic whose spans are its own, not a node's. */
const detached = (d: Diagnostic): Diagnostic => ({
  ...d,
  span: { start: d.span.start, end: d.span.end },
  ...(d.related === undefined ? {} : { related: d.related.map((r) => ({ ...r, span: { start: r.span.start, end: r.span.end } })) }),
});

/**
 * The third stage: the resolved project checked; diagnostics exactly as `checkProject` gives
 * them (for a broken project, `broken` gives them: the caller may have them already).
 */
export function checkResolved({ syntax, units, modules }: Resolved, broken: () => readonly Diagnostic[]): Analysis {
  const hasBroken = hasErrors(syntax);
  let checked: { model: Model; diagnostics: Diagnostic[] } | undefined;
  try {
    checked = modules === undefined ? undefined : check(modules);
  } catch (error) {
    if (!hasBroken) throw error;
  }
  if (hasBroken || modules === undefined || checked === undefined) {
    return { diagnostics: broken(), model: checked?.model, modules, units };
  }
  const diagnostics = [...syntax, ...modules.diagnostics, ...checked.diagnostics].sort(compareDiagnostics);
  return { diagnostics: dedupeDiagnostics(diagnostics), model: checked.model, modules, units };
}

export const analyze = (documents: readonly StoredDocument[]): Analysis => checkResolved(resolve(documents), () => brokenDiagnostics(documents));
