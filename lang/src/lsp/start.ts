/**
 * The language server's entry for hosts: loads the server (and the protocol library) only
 * when asked, so importing `@paybill/lang` for `paybillc check` does not pay for it.
 */
import type { ServerHost } from "./server.js";

/** Serves over stdin/stdout; resolves when the client closes stdin (`exit` ends the process itself). */
export async function startLanguageServer(host: ServerHost): Promise<void> {
  const { startServer } = await import("./server.js");
  const ended = new Promise<void>((resolve) => {
    process.stdin.once("end", resolve);
    process.stdin.once("close", resolve);
  });
  startServer(host);
  await ended;
}
