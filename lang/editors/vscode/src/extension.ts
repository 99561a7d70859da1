/**
 * The Paybill extension's client: starts `paybillc lsp --stdio` (the project's own
 * paybillc when the workspace has one, else the one on the PATH, or the configured command)
 * and hands `.paybill` files to it. Everything the language means lives in the server.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { type ExtensionContext, window, workspace } from "vscode";
import { LanguageClient, type LanguageClientOptions, type ServerOptions, TransportKind } from "vscode-languageclient/node";

let client: LanguageClient | undefined;

function serverCommand(): { command: string; args: string[] } {
  const config = workspace.getConfiguration("paybill");
  const configured = config.get<string>("server.command", "");
  const args = [...config.get<string[]>("server.args", []), "lsp"];
  if (configured !== "") return { command: configured, args };
  const folder = workspace.workspaceFolders?.[0]?.uri.fsPath;
  const local = folder === undefined ? undefined : join(folder, "node_modules", ".bin", process.platform === "win32" ? "paybillc.cmd" : "paybillc");
  return { command: local !== undefined && existsSync(local) ? local : "paybillc", args };
}

export async function activate(context: ExtensionContext): Promise<void> {
  const { command, args } = serverCommand();
  // `TransportKind.stdio` appends `--stdio` to the arguments.
  const serverOptions: ServerOptions = { command, args, transport: TransportKind.stdio };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [{ scheme: "file", language: "paybill" }],
    synchronize: { fileEvents: workspace.createFileSystemWatcher("**/*.paybill") },
  };
  client = new LanguageClient("paybill", "Paybill", serverOptions, clientOptions);
  try {
    await client.start();
  } catch (error) {
    void window.showErrorMessage(
      `paybill: could not start \`${command} ${args.join(" ")} --stdio\`: ${error instanceof Error ? error.message : String(error)}. Install @paybill/compiler in the workspace or set "paybill.server.command".`,
    );
  }
  context.subscriptions.push({ dispose: () => void client?.stop() });
}

export async function deactivate(): Promise<void> {
  await client?.stop();
}
