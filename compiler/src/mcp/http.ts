/**
 * The MCP server over streamable HTTP (the SDK's transport, stateful): every `initialize`
 * POSTed to `/mcp` opens a session of its own — its own server and, with a workflow, its
 * own run — and later requests find it by the `mcp-session-id` header. Only `/mcp` is
 * served. On a loopback host the Host header is checked (DNS rebinding).
 */
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Server } from "@modelcontextprotocol/sdk/server/index.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { isInitializeRequest } from "@modelcontextprotocol/sdk/types.js";

export interface HttpOptions {
  readonly host: string;
  readonly port: number;
  /** A new server for a new session (may start a run); its error is answered as a JSON-RPC error. */
  readonly open: () => Promise<Server>;
  /** One line per session opened or failed (stderr). */
  readonly log: (line: string) => void;
}

export interface HttpHandle {
  readonly url: string;
  close(): Promise<void>;
}

const MAX_BODY = 4 * 1024 * 1024;

export async function serveHttp(options: HttpOptions): Promise<HttpHandle> {
  const sessions = new Map<string, { transport: StreamableHTTPServerTransport; server: Server }>();
  let allowedHosts: string[] | undefined;

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (new URL(req.url ?? "/", "http://x").pathname !== "/mcp") return reply(res, 404, -32601, "not found: the MCP endpoint is /mcp");
    const id = req.headers["mcp-session-id"];
    const existing = typeof id === "string" ? sessions.get(id) : undefined;
    if (existing !== undefined) return existing.transport.handleRequest(req, res, req.method === "POST" ? await body(req) : undefined);
    if (id !== undefined) return reply(res, 404, -32001, "unknown session: initialize a new one");
    if (req.method !== "POST") return reply(res, 400, -32000, "no session: POST an initialize request first");
    const message = await body(req);
    if (!isInitializeRequest(message)) return reply(res, 400, -32000, "no session: the first request must be initialize");
    let server: Server;
    try {
      server = await options.open();
    } catch (error) {
      const text = error instanceof Error ? error.message : String(error);
      options.log(`session refused: ${text}`);
      return reply(res, 500, -32603, `the session could not open: ${text}`);
    }
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (sid) => {
        sessions.set(sid, { transport, server });
      },
      ...(allowedHosts === undefined ? {} : { allowedHosts, enableDnsRebindingProtection: true }),
    });
    transport.onclose = () => {
      if (transport.sessionId !== undefined) sessions.delete(transport.sessionId);
    };
    await server.connect(transport);
    await transport.handleRequest(req, res, message);
  };

  const http = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) reply(res, 400, -32700, error instanceof Error ? error.message : String(error));
    });
  });
  await new Promise<void>((resolve, reject) => {
    http.once("error", reject);
    http.listen(options.port, options.host, () => resolve());
  });
  const port = (http.address() as AddressInfo).port;
  if (["127.0.0.1", "localhost", "::1"].includes(options.host)) allowedHosts = [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`];
  const shown = options.host.includes(":") ? `[${options.host}]` : options.host;
  return {
    url: `http://${shown}:${port}/mcp`,
    async close() {
      for (const { server } of [...sessions.values()]) await server.close();
      sessions.clear();
      const closed = new Promise<void>((resolve) => http.close(() => resolve()));
      http.closeAllConnections();
      await closed;
    },
  };
}

async function body(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > MAX_BODY) throw new Error("the request body is larger than 4 MiB");
    chunks.push(buffer);
  }
  const text = Buffer.concat(chunks).toString("utf8");
  if (text === "") return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new Error("the request body is not JSON");
  }
}

function reply(res: ServerResponse, status: number, code: number, message: string): void {
  res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify({ jsonrpc: "2.0", error: { code, message }, id: null }));
}
