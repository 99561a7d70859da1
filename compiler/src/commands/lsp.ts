/**
 * `paybillc lsp --stdio`: the language server over stdin/stdout. This file only gives the
 * server (in `@paybill/lang`) its view of the disk: which `.paybill` files a folder holds,
 * found as `paybillc check` finds them, and their texts. Nothing may be written to stdout
 * but the protocol.
 */
import { readFile } from "node:fs/promises";
import { type ServerHost, startLanguageServer } from "@paybill/lang";
import { discover } from "../project/files.js";

const host: ServerHost = {
  async listFiles(folder) {
    const found = await discover(["."], folder);
    return found.files.map((f) => f.path);
  },
  async readFile(path) {
    try {
      return await readFile(path, "utf8");
    } catch {
      return undefined;
    }
  },
};

export async function lsp(options: { stdio: boolean }): Promise<number> {
  if (!options.stdio) {
    process.stderr.write("paybillc lsp: only `--stdio` is supported\nhelp: run `paybillc lsp --stdio` from your editor\n");
    return 2;
  }
  // Returns when the editor closes stdin; an `exit` request ends the process before that.
  await startLanguageServer(host);
  return 0;
}
