/**
 * The Paybill extension's client: starts `paybillc lsp --stdio` (the project's own
 * paybillc when the workspace has one, else the one on the PATH, or the configured command)
 * and hands `.paybill` files to it. Everything the language means lives in the server.
 */
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { commands, type ExtensionContext, window, workspace } from "vscode";
import { LanguageClient, type LanguageClientOptions, type ServerOptions, TransportKind } from "vscode-languageclient/node";
import { type LensArgument, lensCommandLine } from "./lens-commands.mjs";
import { serverCommand } from "./server-command.mjs";

let client: LanguageClient | undefined;

export async function activate(context: ExtensionContext): Promise<void> {
  const config = workspace.getConfiguration("paybill");
  const server = serverCommand({
    configured: config.get<string>("server.command", ""),
    args: config.get<string[]>("server.args", []),
    folder: workspace.workspaceFolders?.[0]?.uri.fsPath,
    platform: process.platform,
    exists: existsSync,
    join,
  });
  const { command, args, shell } = server;
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
  // The code lenses' commands: "▶ run test" and "explain" run paybillc in a terminal.
  const inTerminal = (name: "paybill.runTest" | "paybill.explain") => (argument: LensArgument) => {
    let requestFile = "";
    if (name === "paybill.explain") {
      requestFile = join(mkdtempSync(join(tmpdir(), "paybill-explain-")), "request.json");
      writeFileSync(requestFile, `${JSON.stringify(argument.request, null, 2)}\n`);
    }
    const terminal = window.createTerminal({ name: "Paybill", cwd: argument.project });
    terminal.show();
    terminal.sendText(lensCommandLine(server, name, argument, requestFile, process.platform));
  };
  context.subscriptions.push(commands.registerCommand("paybill.runTest", inTerminal("paybill.runTest")));
  context.subscriptions.push(commands.registerCommand("paybill.explain", inTerminal("paybill.explain")));
}

export async function deactivate(): Promise<void> {
  await client?.stop();
}
