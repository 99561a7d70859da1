/**
 * The document store: every `.paybill` file of the workspace folder by URI, open in the
 * editor or read from disk, each parsed once per version. This is the first stage of a
 * document's lifecycle (parsed); resolving and checking happen over the whole store in
 * `workspace.ts`. Must not resolve or check. An edit re-parses only the part of the file
 * it touched (`reparse.ts`), from the document's last tree without syntax errors. A stored
 * tree is the store's own: the next clean version of the document may take its nodes over
 * (moved in place), so whoever keeps trees of an earlier version must let them go when a
 * document is set again (`Workspace.update` does).
 */
import { parse, type ParseResult } from "../1-parse/parse.js";
import { SourceFile } from "../source/source-file.js";
import { reparse } from "./reparse.js";

export interface StoredDocument {
  readonly uri: string;
  /** The name diagnostics carry: the path relative to the workspace folder, as `paybillc check` prints it. */
  readonly name: string;
  readonly version: number;
  /** Open in the editor (its text comes from the client) rather than read from disk. */
  readonly open: boolean;
  readonly parsed: ParseResult;
  /** While `parsed` has syntax errors: the document's last tree without any, the base to re-parse from. */
  readonly lastClean?: ParseResult;
}

export class DocumentStore {
  private readonly byUri = new Map<string, StoredDocument>();

  constructor(private readonly nameOf: (uri: string) => string) {}

  /** Stores a new text for `uri` and parses it; returns the stored document. */
  set(uri: string, text: string, version: number, open: boolean): StoredDocument {
    const name = this.nameOf(uri);
    const before = this.byUri.get(uri);
    // The last clean tree is the base: fixing a syntax error usually brings the text back close to it.
    const base = before === undefined ? undefined : before.parsed.diagnostics.length === 0 ? before.parsed : before.lastClean;
    // The store lets the base go (and the tree before it, which shares its nodes), so a clean
    // result may take the base's later declarations over, moved in place rather than copied.
    const parsed = (base === undefined ? undefined : reparse(base, name, text, { consume: true })) ?? parse(new SourceFile(name, text));
    const lastClean = parsed.diagnostics.length === 0 ? undefined : base;
    const doc: StoredDocument = { uri, name, version, open, parsed, ...(lastClean === undefined ? {} : { lastClean }) };
    this.byUri.set(uri, doc);
    return doc;
  }

  /** Marks an open document as closed (its text is kept until the disk says otherwise). */
  close(uri: string): void {
    const doc = this.byUri.get(uri);
    if (doc !== undefined) this.byUri.set(uri, { ...doc, open: false });
  }

  delete(uri: string): boolean {
    return this.byUri.delete(uri);
  }

  get(uri: string): StoredDocument | undefined {
    return this.byUri.get(uri);
  }

  all(): StoredDocument[] {
    return [...this.byUri.values()];
  }
}
