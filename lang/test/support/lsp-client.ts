/**
 * A test kit for the language server: writes a project into a temporary folder, spawns the
 * real `paybillc lsp --stdio` (built by `npx tsc -b`) and speaks JSON-RPC to it through the
 * protocol library's own connection. Texts may carry one cursor marker `‸`: `open` and
 * `cursor` strip it and return its position.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import {
  createMessageConnection,
  type Diagnostic,
  type MessageConnection,
  type Position,
  type PublishDiagnosticsParams,
  StreamMessageReader,
  StreamMessageWriter,
} from "vscode-languageserver/node";

export const CURSOR = "‸";
const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
export const PAYBILLC = join(ROOT, "compiler/bin/paybillc.js");

/** Removes the cursor marker; returns the text and the marker's position. */
export function cursor(marked: string): { text: string; position: Position; offset: number } {
  const offset = marked.indexOf(CURSOR);
  if (offset < 0) throw new Error("the test text has no cursor marker ‸");
  const text = marked.slice(0, offset) + marked.slice(offset + CURSOR.length);
  const before = text.slice(0, offset).split("\n");
  return { text, offset, position: { line: before.length - 1, character: (before[before.length - 1] ?? "").length } };
}

export interface TestServer {
  readonly folder: string;
  readonly connection: MessageConnection;
  uri(file: string): string;
  /** Opens a document (the marker, if any, removed) and returns where the marker was. */
  open(file: string, marked: string): Promise<{ uri: string; position: Position; version: number }>;
  /** Replaces the whole text of an open document. */
  replace(file: string, text: string): Promise<number>;
  /** Applies one incremental change to an open document. */
  edit(file: string, range: { start: Position; end: Position }, text: string): Promise<number>;
  /**
   * The diagnostics of a file as of every edit sent so far: once one for `version` (or any, for
   * files on disk) has arrived and so has a publish made after the last open or change sent.
   */
  diagnostics(file: string, version?: number): Promise<Diagnostic[]>;
  /** Every publish for a file so far, oldest first. */
  publishes(file: string): readonly PublishDiagnosticsParams[];
  /** Waits until `ready` holds of the publishes so far (checked after each one arrives). */
  until(ready: () => boolean): Promise<void>;
  request<R>(method: string, params: unknown): Promise<R>;
  stop(): Promise<void>;
  /** The server's stderr and log messages so far. */
  log(): string;
}

export async function startServer(files: Record<string, string> = {}): Promise<TestServer> {
  if (!existsSync(join(ROOT, "compiler/dist/cli.js"))) throw new Error("build first: npx tsc -b");
  const folder = mkdtempSync(join(tmpdir(), "paybill-lsp-"));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(folder, name)), { recursive: true });
    writeFileSync(join(folder, name), text);
  }
  const child: ChildProcess = spawn(process.execPath, [PAYBILLC, "lsp", "--stdio"], { cwd: folder, stdio: ["pipe", "pipe", "pipe"] });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString("utf8");
  });
  if (child.stdout === null || child.stdin === null) throw new Error("no stdio");
  const connection = createMessageConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
  const published = new Map<string, PublishDiagnosticsParams[]>();
  const waiters: (() => void)[] = [];
  connection.onNotification("textDocument/publishDiagnostics", (params: PublishDiagnosticsParams) => {
    published.set(params.uri, [...(published.get(params.uri) ?? []), params]);
    for (const wake of waiters.splice(0)) wake();
  });
  connection.onNotification("window/logMessage", (params: { message: string }) => {
    stderr += `${params.message}\n`;
  });
  connection.onRequest("workspace/semanticTokens/refresh", () => null);
  connection.listen();
  const uri = (file: string): string => pathToFileURL(join(folder, file)).href;
  await connection.sendRequest("initialize", {
    processId: process.pid,
    rootUri: pathToFileURL(folder).href,
    workspaceFolders: [{ uri: pathToFileURL(folder).href, name: "test" }],
    capabilities: {},
  });
  await connection.sendNotification("initialized", {});
  const versions = new Map<string, number>();
  const texts = new Map<string, string>();
  // The last open or change sent. A file's diagnostics depend on the other files' texts (one
  // file's syntax error hides every file's later checks), so a file's own version is not
  // enough to settle on: the server publishes every open document each time, labelled with
  // the version it checked, so a publish with this document at this version was made after
  // every edit sent.
  let last: { readonly uri: string; readonly version: number } | undefined;

  const server: TestServer = {
    folder,
    connection,
    uri,
    async open(file, marked) {
      const hasCursor = marked.includes(CURSOR);
      const { text, position } = hasCursor ? cursor(marked) : { text: marked, position: { line: 0, character: 0 } };
      versions.set(file, 1);
      texts.set(file, text);
      last = { uri: uri(file), version: 1 };
      await connection.sendNotification("textDocument/didOpen", { textDocument: { uri: uri(file), languageId: "paybill", version: 1, text } });
      return { uri: uri(file), position, version: 1 };
    },
    async replace(file, text) {
      const version = (versions.get(file) ?? 0) + 1;
      versions.set(file, version);
      texts.set(file, text);
      last = { uri: uri(file), version };
      await connection.sendNotification("textDocument/didChange", { textDocument: { uri: uri(file), version }, contentChanges: [{ text }] });
      return version;
    },
    async edit(file, range, text) {
      const version = (versions.get(file) ?? 0) + 1;
      versions.set(file, version);
      last = { uri: uri(file), version };
      await connection.sendNotification("textDocument/didChange", { textDocument: { uri: uri(file), version }, contentChanges: [{ range, text }] });
      return version;
    },
    async diagnostics(file, version) {
      const target = uri(file);
      const atLeast = (of: string, v: number | undefined): PublishDiagnosticsParams | undefined =>
        (published.get(of) ?? []).findLast((p) => v === undefined || (p.version ?? 0) >= v);
      const after = last;
      const settled = (): boolean => atLeast(target, version) !== undefined && (after === undefined || atLeast(after.uri, after.version) !== undefined);
      // No deadline of its own: on a loaded machine the server may take long; a hang fails by the test's limit.
      for (;;) {
        if (settled()) {
          // The rest of that publish: the server writes all of it at once, so before the answer
          // to a request sent once part of it is in. (Not a round trip alone: a publish the
          // server has yet to make after an edit may come after the answer.)
          await connection.sendRequest("textDocument/documentSymbol", { textDocument: { uri: target } });
          return (published.get(target) ?? []).at(-1)?.diagnostics ?? [];
        }
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 200);
        });
      }
    },
    publishes: (file) => published.get(uri(file)) ?? [],
    async until(ready) {
      // No deadline of its own, as `diagnostics`: a hang fails by the test's limit.
      while (!ready()) await new Promise<void>((resolve) => waiters.push(resolve));
    },
    request: (method, params) => connection.sendRequest(method, params),
    async stop() {
      try {
        await connection.sendRequest("shutdown");
        await connection.sendNotification("exit");
      } catch {
        // already gone
      }
      await new Promise<void>((resolve) => {
        if (child.exitCode !== null) resolve();
        else child.on("exit", () => resolve());
        setTimeout(() => {
          child.kill();
          resolve();
        }, 3000);
      });
      connection.dispose();
      rmSync(folder, { recursive: true, force: true });
    },
    log: () => stderr,
  };
  return server;
}
