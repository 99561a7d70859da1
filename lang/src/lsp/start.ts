/**
 * The language server's entry for hosts: loads the server (and the protocol library) only
 * when asked, so importing `@paybill/lang` for `paybillc check` does not pay for it.
 */
import type { ServerHost } from "./server.js";

export async function startLanguageServer(host: ServerHost): Promise<void> {
  const { startServer } = await import("./server.js");
  startServer(host);
}
