/**
 * The workspace: the document store and where the project stands in its lifecycle.
 *
 *   parsed   — every stored document has a tree for its current text (the store's job)
 *   resolved — modules, symbols and scopes for the current texts
 *   checked  — the model and the diagnostics for the current texts
 *
 * An edit re-parses only the edited document and drops the project back to `parsed`;
 * the next question (diagnostics, hover, …) resolves and checks again, once, over every
 * file of the folder and the standard library. Owns URI ↔ file name, nothing else.
 */
import { relative, sep } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { Unit } from "../2-resolve/symbols.js";
import { type Diagnostic, hasErrors } from "../diagnostics/diagnostic.js";
import { type Analysis, brokenDiagnostics, checkResolved, type Resolved, resolve } from "./analysis.js";
import { DocumentStore, type StoredDocument } from "./documents.js";
import { STDLIB_ROOT } from "../stdlib.js";

export type Stage = "parsed" | "resolved" | "checked";

const STDLIB_PREFIX = "<stdlib>/";

export class Workspace {
  readonly store: DocumentStore;
  private resolvedProject: Resolved | undefined;
  private analysis: Analysis | undefined;
  private current: Stage = "parsed";
  /** The last analysis of texts without syntax errors: completion's memory while the user types. */
  private clean: Analysis | undefined;
  /** The diagnostics while some document has a syntax error (computed at most once per change). */
  private brokenProject: readonly Diagnostic[] | undefined;
  /** Counts analyses, so tests and logs can tell a re-check from a cached answer. */
  analyses = 0;

  constructor(readonly root: string | undefined) {
    this.store = new DocumentStore((uri) => this.nameOf(uri));
  }

  get stage(): Stage {
    return this.current;
  }

  /** A new text for a document: re-parsed now, the project re-checked on the next question. */
  update(uri: string, text: string, version: number, open: boolean): StoredDocument {
    const doc = this.store.set(uri, text, version, open);
    // A clean new tree may be made of the nodes of the document's earlier trees, moved in
    // place (`documents.ts`): the last clean analysis goes unless it is of this very tree (an undo).
    if (doc.parsed.diagnostics.length === 0 && this.clean !== undefined && this.clean.units.get(doc.name)?.ast !== doc.parsed.ast) this.clean = undefined;
    this.invalidate();
    return doc;
  }

  remove(uri: string): void {
    if (this.store.delete(uri)) this.invalidate();
  }

  invalidate(): void {
    this.current = "parsed";
    this.resolvedProject = undefined;
    this.analysis = undefined;
    this.brokenProject = undefined;
  }

  /** Modules and scopes for the current texts (computed at most once per change). */
  resolved(): Resolved {
    if (this.resolvedProject === undefined) {
      this.resolvedProject = resolve(this.store.all());
      this.current = "resolved";
    }
    return this.resolvedProject;
  }

  /** The project checked for the current texts (computed at most once per change). */
  checked(): Analysis {
    if (this.analysis === undefined || this.current !== "checked") {
      const clean = !this.store.all().some((d) => hasErrors(d.parsed.diagnostics));
      const same = clean ? this.cleanStillHolds() : undefined;
      if (same !== undefined) {
        this.analysis = same;
        this.current = "checked";
        return same;
      }
      // Texts without syntax errors replace the last clean analysis: let it go before checking,
      // so two whole analyses are never alive at once (a smaller heap, shorter collections).
      if (clean) this.clean = undefined;
      this.analysis = checkResolved(this.resolved(), () => this.broken());
      this.analyses++;
      this.current = "checked";
      if (clean && this.analysis.model !== undefined) this.clean = this.analysis;
    }
    return this.analysis;
  }

  /**
   * The project's diagnostics for the current texts. When a file has a syntax error they are
   * those of the intact declarations (as `checkProject` reports them), found without the
   * model of the whole recovered trees, which only questions about the code need.
   */
  diagnostics(): readonly Diagnostic[] {
    if (this.analysis !== undefined && this.current === "checked") return this.analysis.diagnostics;
    if (this.store.all().some((d) => hasErrors(d.parsed.diagnostics))) return this.broken();
    return this.checked().diagnostics;
  }

  private broken(): readonly Diagnostic[] {
    this.brokenProject ??= brokenDiagnostics(this.store.all());
    return this.brokenProject;
  }

  /**
   * The last clean analysis when every document is back to the very trees it was made of
   * (a syntax error typed and fixed, an undo): checking the same trees again gives the same.
   */
  private cleanStillHolds(): Analysis | undefined {
    const clean = this.clean;
    if (clean === undefined) return undefined;
    const docs = this.store.all();
    let project = 0;
    for (const unit of clean.units.values()) if (!unit.std) project++;
    if (project !== docs.length) return undefined;
    return docs.every((d) => clean.units.get(d.name)?.ast === d.parsed.ast) ? clean : undefined;
  }

  lastClean(): Analysis | undefined {
    return this.clean;
  }

  unitOf(uri: string): Unit | undefined {
    return this.checked().units.get(this.nameOf(uri));
  }

  /** The file name diagnostics use for a URI: relative to the folder, `/`-separated. */
  nameOf(uri: string): string {
    let path: string;
    try {
      path = fileURLToPath(uri);
    } catch {
      return uri;
    }
    if (path.startsWith(STDLIB_ROOT)) return STDLIB_PREFIX + path.slice(STDLIB_ROOT.length).split(sep).join("/");
    if (this.root === undefined) return path.split(sep).join("/");
    const rel = relative(this.root, path);
    return rel.startsWith("..") ? path.split(sep).join("/") : rel.split(sep).join("/");
  }

  uriOf(name: string): string {
    const doc = this.store.all().find((d) => d.name === name);
    if (doc !== undefined) return doc.uri;
    if (name.startsWith(STDLIB_PREFIX)) return pathToFileURL(STDLIB_ROOT + name.slice(STDLIB_PREFIX.length)).href;
    return pathToFileURL(this.root === undefined ? name : `${this.root}/${name}`).href;
  }
}
