/**
 * The Paybill extension's client: starts `paybillc lsp --stdio` (the project's own
 * paybillc when the workspace has one, else the one on the PATH, or the configured command)
 * and hands `.paybill` files to it. Everything the language means lives in the server.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { commands, type ExtensionContext, window, workspace } from "vscode";
import { LanguageClient, type LanguageClientOptions, type ServerOptions, TransportKind } from "vscode-languageclient/node";
import { serverCommand } from "./server-command.mjs";

let client: LanguageClient | undefined;

export async function activate(context: ExtensionContext): Promise<void> {
  const config = workspace.getConfiguration("paybill");
  const { command, args, shell } = serverCommand({
    configured: config.get<string>("server.command", ""),
    args: config.get<string[]>("server.args", []),
    folder: workspace.workspaceFolders?.[0]?.uri.fsPath,
    platform: process.platform,
    exists: existsSync,
    join,
  });
  // `TransportKind.stdio` appends `--stdio` to the arguments; a `.cmd` on Windows needs a shell.
  const serverOptions: ServerOptions = { command, args, transport: TransportKind.stdio, options: { shell } };
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
  // "Paybill: Restart Language Server": after an upgrade of paybillc, or a server that stopped answering.
  context.subscriptions.push(
    commands.registerCommand("paybill.restartServer", async () => {
      if (client === undefined) return;
      await client.restart();
      void window.showInformationMessage("paybill: language server restarted");
    }),
  );
}

export async function deactivate(): Promise<void> {
  await client?.stop();
}
