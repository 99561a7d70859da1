/**
 * The command lines behind the server's code lenses (tested without VS Code): "▶ run test"
 * runs `paybillc test <project> --filter <test>`, "explain" runs `paybillc explain <project>
 * --request <file>` with the step's request written to `<file>`. The executable is the one
 * the language server runs (`serverCommand`), without its `lsp` argument; each word is quoted
 * for the terminal's shell.
 */
import type { ServerCommand } from "./server-command.mjs";

export interface LensArgument {
  readonly project: string;
  readonly test?: string;
  readonly request?: unknown;
}

export function lensCommandLine(server: ServerCommand, command: "paybill.runTest" | "paybill.explain", argument: LensArgument, requestFile: string, platform: string): string {
  const base = server.args.at(-1) === "lsp" ? server.args.slice(0, -1) : [...server.args];
  const words =
    command === "paybill.runTest"
      ? [server.command, ...base, "test", argument.project, "--filter", argument.test ?? ""]
      : [server.command, ...base, "explain", argument.project, "--request", requestFile];
  return words.map((w) => quote(w, platform)).join(" ");
}

function quote(word: string, platform: string): string {
  if (/^[A-Za-z0-9_./:=-]+$/.test(word)) return word;
  return platform === "win32" ? `"${word.replace(/"/g, '""')}"` : `'${word.replace(/'/g, "'\\''")}'`;
}
