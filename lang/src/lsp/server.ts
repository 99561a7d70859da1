/**
 * The language server: the protocol wired to the workspace. Owns the connection, the open
 * documents' texts (incremental sync), when diagnostics are published (once per burst of
 * edits, for every file of each project an edit touched), which project a document belongs
 * to (`projects.ts`) and turning any internal failure into a logged message rather than a
 * dead server. What files exist on disk is
 * told by the host (`ServerHost`), so this library reads no project file itself.
 */
import {
  CodeActionKind,
  type Connection,
  createConnection,
  ErrorCodes,
  ProposedFeatures,
  ResponseError,
  StreamMessageReader,
  StreamMessageWriter,
  TextDocumentSyncKind,
} from "vscode-languageserver/node";
import { TextDocument } from "vscode-languageserver-textdocument";
import { dirname, sep } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseWithChevrotain } from "../1-parse/parse.js";
import { SourceFile } from "../source/source-file.js";
import { completion } from "./completion.js";
import { codeActions } from "./code-actions.js";
import { codeLenses } from "./code-lenses.js";
import { foldingRanges } from "./folding.js";
import { documentHighlight } from "./highlight.js";
import { signatureHelp } from "./signature-help.js";
import { workspaceSymbols } from "./workspace-symbols.js";
import { byFile } from "./diagnostics.js";
import { formatting } from "./formatting.js";
import { hover } from "./hover.js";
import { inlayHints } from "./inlay-hints.js";
import { definition, references } from "./navigation.js";
import { outline } from "./outline.js";
import { toOffset } from "./positions.js";
import { prepareRename, rename } from "./rename.js";
import { LEGEND, semanticTokens } from "./semantic-tokens.js";
import type { Unit } from "../2-resolve/symbols.js";
import { MANIFEST_FILE } from "../project/manifest.js";
import { Projects } from "./projects.js";
import type { Workspace } from "./workspace.js";

export interface ServerHost {
  /** Every `.paybill` file under a folder (absolute paths), as `paybillc check` would find them. */
  listFiles(folder: string): Promise<string[]>;
  /** A file's text, or undefined when it cannot be read. */
  readFile(path: string): Promise<string | undefined>;
}

/** How long a burst of edits must pause before it is checked, at least (see `publish`). */
const QUIET_MS = 12;
/** A burst that never pauses is checked this often. */
const MAX_HOLD_MS = 400;

export function startServer(host: ServerHost, input: NodeJS.ReadableStream = process.stdin, output: NodeJS.WritableStream = process.stdout): Connection {
  const connection = createConnection(ProposedFeatures.all, new StreamMessageReader(input), new StreamMessageWriter(output));
  const texts = new Map<string, TextDocument>();
  let projects = new Projects([], async () => false);
  /** Which project last published a URI's diagnostics. */
  const publishedBy = new Map<string, Workspace>();
  const dirty = new Set<Workspace>();
  let scheduled = false;
  // Until the folders' files are loaded, answers and diagnostics would miss names declared
  // in them: everything waits for this. Document changes are applied in order, after it
  // (placing a file in its project reads the disk).
  let loaded: () => void = () => {};
  let queue: Promise<void> = Promise.resolve();
  // Changed texts are stored (re-parsed) when something needs them, a publish or a request:
  // a burst of changes costs one re-parse, not one per change.
  const pending = new Set<string>();
  const flush = async (): Promise<void> => {
    for (const uri of [...pending]) {
      pending.delete(uri);
      const doc = texts.get(uri);
      if (doc !== undefined) await store(uri, doc.getText(), doc.version, true);
    }
  };
  const settled = (): Promise<void> => queue.then(flush);
  const serially = (what: string, run: () => Promise<void> | void): Promise<void> => {
    queue = queue.then(async () => {
      try {
        await run();
      } catch (error) {
        connection.console.error(`paybill: internal error in ${what}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      }
    });
    return queue;
  };

  const guard = <T>(what: string, fallback: T, run: () => T): T => {
    try {
      return run();
    } catch (error) {
      connection.console.error(`paybill: internal error in ${what}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      return fallback;
    }
  };

  // A burst of edits (a paste, an undo of many steps, a client replaying its buffer) is
  // checked once it pauses, not once per change: when more than one change has come since
  // the last publish, the publish waits until none has come for as long as the last check
  // took (QUIET_MS at least), or MAX_HOLD_MS after the burst's first change, so a burst
  // that never pauses still gets diagnostics. A single keystroke is checked at once.
  let lastChange = Number.NEGATIVE_INFINITY;
  let firstChange = 0;
  let changes = 0;
  let lastCheckMs = 0;
  const quietMs = (): number => Math.max(QUIET_MS, Math.min(lastCheckMs, MAX_HOLD_MS));
  const noteChange = (): void => {
    const now = performance.now();
    if (changes === 0) firstChange = now;
    changes++;
    lastChange = now;
  };
  const publish = async (): Promise<void> => {
    const now = performance.now();
    const quiet = now - lastChange;
    if (changes > 1 && quiet < quietMs() && now - firstChange < MAX_HOLD_MS) {
      setTimeout(() => void publish(), quietMs() - quiet);
      return;
    }
    changes = 0;
    scheduled = false;
    await settled();
    const changed = [...dirty];
    dirty.clear();
    const started = performance.now();
    for (const workspace of changed) {
      guard("diagnostics", undefined, () => {
        const grouped = byFile(workspace.diagnostics(), workspace.store.all().map((d) => d.name), uriIn(workspace));
        const now = new Set<string>();
        for (const [name, diagnostics] of grouped) {
          const uri = workspace.uriOf(name);
          now.add(uri);
          publishedBy.set(uri, workspace);
          // The version checked: the stored one (a change may have come since; its publish follows).
          const stored = workspace.store.get(uri);
          const version = stored?.open === true && texts.has(uri) ? stored.version : undefined;
          void connection.sendDiagnostics(version === undefined ? { uri, diagnostics } : { uri, version, diagnostics });
        }
        for (const [uri, by] of publishedBy) {
          if (by !== workspace || now.has(uri)) continue;
          publishedBy.delete(uri);
          void connection.sendDiagnostics({ uri, diagnostics: [] });
        }
      });
    }
    if (changed.length > 0) lastCheckMs = performance.now() - started;
    warm();
  };
  // Re-parsing an edit runs the Chevrotain parser, which is built on first use (a grammar
  // analysis, tens of milliseconds): build it once the first diagnostics are out, not on
  // the user's first keystroke.
  let warmed = false;
  const warm = (): void => {
    if (warmed) return;
    warmed = true;
    setImmediate(() => guard("warm-up", undefined, () => parseWithChevrotain(new SourceFile("warm-up.paybill", ""))));
  };
  const schedule = (workspace: Workspace | undefined): void => {
    if (workspace !== undefined) dirty.add(workspace);
    void queue.then(() => {
      if (scheduled) return;
      scheduled = true;
      setImmediate(() => void publish());
    });
  };

  const store = async (uri: string, text: string | undefined, version: number, open: boolean): Promise<void> => {
    const workspace = await projects.assign(uri);
    if (text === undefined) workspace.remove(uri);
    else workspace.update(uri, text, version, open);
    dirty.add(workspace);
  };
  const loadFromDisk = async (uri: string): Promise<void> => {
    let path: string;
    try {
      path = fileURLToPath(uri);
    } catch {
      return;
    }
    const text = await host.readFile(path);
    if (texts.has(uri)) return; // opened meanwhile: the editor's text wins
    await store(uri, text, 0, false);
  };
  /** Every `.paybill` file under a project's root, unless a loaded folder holds it already. */
  const loadedRoots = new Set<string>();
  const loadFolder = async (root: string): Promise<void> => {
    if ([...loadedRoots].some((r) => root === r || root.startsWith(r.endsWith(sep) ? r : r + sep))) return;
    loadedRoots.add(root);
    const paths = await host.listFiles(root);
    await Promise.all(paths.map((path) => loadFromDisk(pathToFileURL(path).href)));
  };
  const exists = async (path: string): Promise<boolean> => (await host.readFile(path)) !== undefined;

  connection.onInitialize((params) => {
    const uris = params.workspaceFolders?.map((f) => f.uri) ?? (params.rootUri ? [params.rootUri] : []);
    const folders: string[] = [];
    for (const uri of uris) {
      try {
        folders.push(fileURLToPath(uri));
      } catch {
        // not a file: folder, nothing to load
      }
    }
    projects = new Projects(folders, exists);
    const load = new Promise<void>((resolve) => (loaded = resolve));
    queue = queue.then(() => load);
    return {
      capabilities: {
        textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental, save: false },
        hoverProvider: true,
        definitionProvider: true,
        referencesProvider: true,
        renameProvider: { prepareProvider: true },
        documentSymbolProvider: true,
        documentFormattingProvider: true,
        completionProvider: { triggerCharacters: ["."] },
        semanticTokensProvider: { legend: LEGEND, full: true },
        codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix] },
        workspaceSymbolProvider: true,
        foldingRangeProvider: true,
        documentHighlightProvider: true,
        signatureHelpProvider: { triggerCharacters: ["(", ","] },
        inlayHintProvider: true,
        codeLensProvider: { resolveProvider: false },
      },
      serverInfo: { name: "paybill" },
    };
  });

  connection.onInitialized(async () => {
    try {
      for (const folder of projects.folders) await loadFolder(folder);
    } catch (error) {
      connection.console.error(`paybill: cannot load the workspace: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      loaded();
    }
    schedule(undefined);
  });

  connection.onDidOpenTextDocument(({ textDocument }) => {
    texts.set(textDocument.uri, TextDocument.create(textDocument.uri, textDocument.languageId, textDocument.version, textDocument.text));
    void serially("open", async () => {
      // A file of a project outside the folders: its project's other files too, as `tsconfig.json` would.
      const root = await projects.rootOf(textDocument.uri);
      if (root !== undefined) await loadFolder(root);
      const doc = texts.get(textDocument.uri);
      if (doc !== undefined) await store(textDocument.uri, doc.getText(), doc.version, true);
    });
    schedule(undefined);
  });

  connection.onDidChangeTextDocument(({ textDocument, contentChanges }) => {
    const doc = texts.get(textDocument.uri);
    if (doc === undefined) return;
    const updated = TextDocument.update(doc, contentChanges, textDocument.version);
    texts.set(textDocument.uri, updated);
    noteChange();
    pending.add(textDocument.uri);
    schedule(undefined);
  });

  connection.onDidCloseTextDocument(({ textDocument }) => {
    // A change not stored yet (a burst is stored when something needs it) is stored first:
    // until the disk is read below, the file counts with its last text, not an older one.
    const last = pending.delete(textDocument.uri) ? texts.get(textDocument.uri) : undefined;
    texts.delete(textDocument.uri);
    void serially("close", async () => {
      if (last !== undefined) await store(textDocument.uri, last.getText(), last.version, true);
      projects.of(textDocument.uri)?.store.close(textDocument.uri);
      // What counts now is what is saved on disk (or nothing, for an unsaved new file).
      await loadFromDisk(textDocument.uri);
    });
    schedule(undefined);
  });

  connection.onDidChangeWatchedFiles(({ changes }) => {
    void serially("watched files", async () => {
      if (changes.some((c) => c.uri.endsWith(`/${MANIFEST_FILE}`))) {
        // A project starts or ends elsewhere now: place every file again.
        for (const uri of publishedBy.keys()) void connection.sendDiagnostics({ uri, diagnostics: [] });
        publishedBy.clear();
        for (const doc of projects.reset()) await store(doc.uri, texts.get(doc.uri)?.getText() ?? doc.text, texts.get(doc.uri)?.version ?? doc.version, doc.open);
      }
      for (const change of changes) if (!texts.has(change.uri) && change.uri.endsWith(".paybill")) await loadFromDisk(change.uri);
    });
    schedule(undefined);
  });

  /** The project of a document, once every change sent before is applied. */
  const project = async <T>(uri: string, fallback: T, what: string, run: (workspace: Workspace) => T): Promise<T> => {
    await settled();
    const workspace = projects.of(uri);
    return workspace === undefined ? fallback : guard(what, fallback, () => run(workspace));
  };
  const at = <T>(uri: string, position: { line: number; character: number }, fallback: T, what: string, run: (workspace: Workspace, unit: Unit, offset: number) => T): Promise<T> =>
    project(uri, fallback, what, (workspace) => {
      const unit = workspace.unitOf(uri);
      return unit === undefined ? fallback : run(workspace, unit, toOffset(unit.source, position));
    });
  const uriIn = (workspace: Workspace) => (name: string): string => workspace.uriOf(name);

  connection.onHover(({ textDocument, position }) => at(textDocument.uri, position, null, "hover", (w, unit, o) => hover(w.checked(), unit, o)));
  connection.onDefinition(({ textDocument, position }) => at(textDocument.uri, position, null, "definition", (w, unit, o) => definition(w.checked(), unit, o, uriIn(w))));
  connection.onReferences(({ textDocument, position, context }) =>
    at(textDocument.uri, position, [], "references", (w, unit, o) => references(w.checked(), unit, o, context.includeDeclaration, uriIn(w))),
  );
  connection.onPrepareRename(({ textDocument, position }) =>
    at(textDocument.uri, position, null, "prepareRename", (w, unit, o) => {
      const prepared = prepareRename(w.checked(), unit, o);
      return prepared.ok ? prepared.range : new ResponseError(ErrorCodes.InvalidRequest, prepared.message);
    }),
  );
  connection.onRenameRequest(({ textDocument, position, newName }) =>
    at(textDocument.uri, position, null, "rename", (w, unit, o) => {
      const result = rename(w.checked(), unit, o, newName, uriIn(w));
      return result.ok ? result.edit : new ResponseError(ErrorCodes.InvalidRequest, result.message);
    }),
  );
  connection.onDocumentSymbol(({ textDocument }) =>
    project(textDocument.uri, [], "documentSymbol", (w) => {
      const doc = w.store.get(textDocument.uri);
      return doc === undefined ? [] : outline(doc.parsed.ast, doc.parsed.source);
    }),
  );
  connection.onDocumentFormatting(({ textDocument }) =>
    project(textDocument.uri, [], "formatting", (w) => {
      const doc = w.store.get(textDocument.uri);
      return doc === undefined ? [] : formatting(doc.parsed.source);
    }),
  );
  connection.onCompletion(({ textDocument, position }) => at(textDocument.uri, position, [], "completion", (w, unit, o) => completion(w.checked(), w.lastClean(), unit, o)));
  connection.onWorkspaceSymbol(async ({ query }) => {
    await settled();
    return projects.all().flatMap((w) => guard("workspaceSymbol", [], () => workspaceSymbols(w.checked(), query, uriIn(w))));
  });
  connection.onFoldingRanges(({ textDocument }) =>
    project(textDocument.uri, [], "foldingRange", (w) => {
      const doc = w.store.get(textDocument.uri);
      return doc === undefined ? [] : foldingRanges(doc.parsed.ast, doc.parsed.source);
    }),
  );
  connection.onDocumentHighlight(({ textDocument, position }) => at(textDocument.uri, position, [], "documentHighlight", (w, unit, o) => documentHighlight(w.checked(), unit, o)));
  connection.onSignatureHelp(({ textDocument, position }) =>
    project(textDocument.uri, null, "signatureHelp", (w) => {
      const doc = w.store.get(textDocument.uri);
      return doc === undefined ? null : signatureHelp(doc.parsed.source.text, toOffset(doc.parsed.source, position));
    }),
  );
  connection.onCodeAction(({ textDocument, range }) =>
    project(textDocument.uri, [], "codeAction", (w) => {
      const unit = w.unitOf(textDocument.uri);
      if (unit === undefined) return [];
      return codeActions(w.diagnostics(), unit.source, toOffset(unit.source, range.start), toOffset(unit.source, range.end), textDocument.uri, uriIn(w));
    }),
  );
  connection.onCodeLens(({ textDocument }) =>
    project(textDocument.uri, [], "codeLens", (w) => {
      const doc = w.store.get(textDocument.uri);
      return doc === undefined ? [] : codeLenses(doc.parsed.ast, doc.parsed.source, w.root ?? dirname(fileURLToPath(textDocument.uri)));
    }),
  );
  connection.languages.inlayHint.on(({ textDocument, range }) =>
    project(textDocument.uri, [], "inlayHint", (w) => {
      const unit = w.unitOf(textDocument.uri);
      return unit === undefined ? [] : inlayHints(w.checked().model, unit, toOffset(unit.source, range.start), toOffset(unit.source, range.end));
    }),
  );
  connection.languages.semanticTokens.on(({ textDocument }) =>
    project(textDocument.uri, { data: [] }, "semanticTokens", (w) => {
      const unit = w.unitOf(textDocument.uri);
      return unit === undefined ? { data: [] } : semanticTokens(w.checked(), unit);
    }),
  );

  connection.listen();
  return connection;
}
