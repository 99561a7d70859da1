/**
 * The language server: the protocol wired to the workspace. Owns the connection, the open
 * documents' texts (incremental sync), when diagnostics are published (once per burst of
 * edits, for every file of the folder whose diagnostics changed) and turning any internal
 * failure into a logged message rather than a dead server. What files exist on disk is
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
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseWithChevrotain } from "../1-parse/parse.js";
import { SourceFile } from "../source/source-file.js";
import { completion } from "./completion.js";
import { codeActions } from "./code-actions.js";
import { foldingRanges } from "./folding.js";
import { documentHighlight } from "./highlight.js";
import { signatureHelp } from "./signature-help.js";
import { workspaceSymbols } from "./workspace-symbols.js";
import { byFile } from "./diagnostics.js";
import { formatting } from "./formatting.js";
import { hover } from "./hover.js";
import { definition, references } from "./navigation.js";
import { outline } from "./outline.js";
import { toOffset } from "./positions.js";
import { prepareRename, rename } from "./rename.js";
import { LEGEND, semanticTokens } from "./semantic-tokens.js";
import { Workspace } from "./workspace.js";

export interface ServerHost {
  /** Every `.paybill` file under a folder (absolute paths), as `paybillc check` would find them. */
  listFiles(folder: string): Promise<string[]>;
  /** A file's text, or undefined when it cannot be read. */
  readFile(path: string): Promise<string | undefined>;
}

export function startServer(host: ServerHost, input: NodeJS.ReadableStream = process.stdin, output: NodeJS.WritableStream = process.stdout): Connection {
  const connection = createConnection(ProposedFeatures.all, new StreamMessageReader(input), new StreamMessageWriter(output));
  const texts = new Map<string, TextDocument>();
  let workspace = new Workspace(undefined);
  let published = new Set<string>();
  let scheduled = false;
  // Until the folder's files are loaded, answers and diagnostics would miss names declared
  // in them: everything waits for this.
  let loaded: () => void = () => {};
  let ready: Promise<void> = Promise.resolve();

  const guard = <T>(what: string, fallback: T, run: () => T): T => {
    try {
      return run();
    } catch (error) {
      connection.console.error(`paybill: internal error in ${what}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      return fallback;
    }
  };

  const publish = (): void => {
    scheduled = false;
    guard("diagnostics", undefined, () => {
      const grouped = byFile(workspace.diagnostics(), workspace.store.all().map((d) => d.name));
      const now = new Set<string>();
      for (const [name, diagnostics] of grouped) {
        const uri = workspace.uriOf(name);
        now.add(uri);
        const version = texts.get(uri)?.version;
        void connection.sendDiagnostics(version === undefined ? { uri, diagnostics } : { uri, version, diagnostics });
      }
      for (const uri of published) if (!now.has(uri)) void connection.sendDiagnostics({ uri, diagnostics: [] });
      published = now;
    });
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
  const schedule = (): void => {
    void ready.then(() => {
      if (scheduled) return;
      scheduled = true;
      setImmediate(publish);
    });
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
    if (text === undefined) workspace.remove(uri);
    else workspace.update(uri, text, 0, false);
  };

  connection.onInitialize((params) => {
    const folder = params.workspaceFolders?.[0]?.uri ?? params.rootUri ?? undefined;
    let root: string | undefined;
    try {
      root = folder === undefined || folder === null ? undefined : fileURLToPath(folder);
    } catch {
      root = undefined;
    }
    workspace = new Workspace(root);
    if (root !== undefined) ready = new Promise((resolve) => (loaded = resolve));
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
      },
      serverInfo: { name: "paybill" },
    };
  });

  connection.onInitialized(async () => {
    const root = workspace.root;
    if (root === undefined) return;
    try {
      const paths = await host.listFiles(root);
      await Promise.all(paths.map((path) => loadFromDisk(pathToFileURL(path).href)));
    } finally {
      loaded();
    }
    schedule();
  });

  connection.onDidOpenTextDocument(({ textDocument }) => {
    texts.set(textDocument.uri, TextDocument.create(textDocument.uri, textDocument.languageId, textDocument.version, textDocument.text));
    guard("open", undefined, () => workspace.update(textDocument.uri, textDocument.text, textDocument.version, true));
    schedule();
  });

  connection.onDidChangeTextDocument(({ textDocument, contentChanges }) => {
    const doc = texts.get(textDocument.uri);
    if (doc === undefined) return;
    const updated = TextDocument.update(doc, contentChanges, textDocument.version);
    texts.set(textDocument.uri, updated);
    guard("change", undefined, () => workspace.update(textDocument.uri, updated.getText(), updated.version, true));
    schedule();
  });

  connection.onDidCloseTextDocument(async ({ textDocument }) => {
    texts.delete(textDocument.uri);
    workspace.store.close(textDocument.uri);
    // What counts now is what is saved on disk (or nothing, for an unsaved new file).
    await loadFromDisk(textDocument.uri);
    schedule();
  });

  connection.onDidChangeWatchedFiles(async ({ changes }) => {
    for (const change of changes) if (!texts.has(change.uri) && change.uri.endsWith(".paybill")) await loadFromDisk(change.uri);
    schedule();
  });

  const at = async <T>(uri: string, position: { line: number; character: number }, fallback: T, what: string, run: (offset: number) => T): Promise<T> => {
    await ready;
    return guard(what, fallback, () => {
      const unit = workspace.unitOf(uri);
      if (unit === undefined) return fallback;
      return run(toOffset(unit.source, position));
    });
  };
  const unitOf = (uri: string) => {
    const unit = workspace.unitOf(uri);
    if (unit === undefined) throw new Error(`unknown document ${uri}`);
    return unit;
  };
  const uriOf = (name: string): string => workspace.uriOf(name);

  connection.onHover(({ textDocument, position }) => at(textDocument.uri, position, null, "hover", (o) => hover(workspace.checked(), unitOf(textDocument.uri), o)));
  connection.onDefinition(({ textDocument, position }) =>
    at(textDocument.uri, position, null, "definition", (o) => definition(workspace.checked(), unitOf(textDocument.uri), o, uriOf)),
  );
  connection.onReferences(({ textDocument, position, context }) =>
    at(textDocument.uri, position, [], "references", (o) => references(workspace.checked(), unitOf(textDocument.uri), o, context.includeDeclaration, uriOf)),
  );
  connection.onPrepareRename(({ textDocument, position }) =>
    at(textDocument.uri, position, null, "prepareRename", (o) => {
      const prepared = prepareRename(workspace.checked(), unitOf(textDocument.uri), o);
      return prepared.ok ? prepared.range : new ResponseError(ErrorCodes.InvalidRequest, prepared.message);
    }),
  );
  connection.onRenameRequest(({ textDocument, position, newName }) =>
    at(textDocument.uri, position, null, "rename", (o) => {
      const result = rename(workspace.checked(), unitOf(textDocument.uri), o, newName, uriOf);
      return result.ok ? result.edit : new ResponseError(ErrorCodes.InvalidRequest, result.message);
    }),
  );
  connection.onDocumentSymbol(({ textDocument }) =>
    guard("documentSymbol", [], () => {
      const doc = workspace.store.get(textDocument.uri);
      return doc === undefined ? [] : outline(doc.parsed.ast, doc.parsed.source);
    }),
  );
  connection.onDocumentFormatting(({ textDocument }) =>
    guard("formatting", [], () => {
      const doc = workspace.store.get(textDocument.uri);
      return doc === undefined ? [] : formatting(doc.parsed.source);
    }),
  );
  connection.onCompletion(({ textDocument, position }) =>
    at(textDocument.uri, position, [], "completion", (o) => completion(workspace.checked(), workspace.lastClean(), unitOf(textDocument.uri), o)),
  );
  connection.onWorkspaceSymbol(async ({ query }) => {
    await ready;
    return guard("workspaceSymbol", [], () => workspaceSymbols(workspace.checked(), query, uriOf));
  });
  connection.onFoldingRanges(({ textDocument }) =>
    guard("foldingRange", [], () => {
      const doc = workspace.store.get(textDocument.uri);
      return doc === undefined ? [] : foldingRanges(doc.parsed.ast, doc.parsed.source);
    }),
  );
  connection.onDocumentHighlight(({ textDocument, position }) =>
    at(textDocument.uri, position, [], "documentHighlight", (o) => documentHighlight(workspace.checked(), unitOf(textDocument.uri), o)),
  );
  connection.onSignatureHelp(({ textDocument, position }) =>
    guard("signatureHelp", null, () => {
      const doc = workspace.store.get(textDocument.uri);
      return doc === undefined ? null : signatureHelp(doc.parsed.source.text, toOffset(doc.parsed.source, position));
    }),
  );
  connection.onCodeAction(async ({ textDocument, range }) => {
    await ready;
    return guard("codeAction", [], () => {
      const unit = workspace.unitOf(textDocument.uri);
      if (unit === undefined) return [];
      return codeActions(workspace.diagnostics(), unit.source, toOffset(unit.source, range.start), toOffset(unit.source, range.end), textDocument.uri);
    });
  });
  connection.languages.semanticTokens.on(async ({ textDocument }) => {
    await ready;
    return guard("semanticTokens", { data: [] }, () => {
      const unit = workspace.unitOf(textDocument.uri);
      return unit === undefined ? { data: [] } : semanticTokens(workspace.checked(), unit);
    });
  });

  connection.listen();
  return connection;
}
