/**
 * The MCP server over streamable HTTP (the SDK's transport, stateful): every `initialize`
 * POSTed to `/mcp` opens a session of its own — its own server and, with a workflow, its
 * own run — and later requests find it by the `mcp-session-id` header. Only `/mcp` is
 * served. On a loopback host the Host header is checked (DNS rebinding).
 *
 * With `auth`, every request carries `Authorization: Bearer <token>` (an agent token,
 * runtime `tokens`), checked before anything else — before a session, and so a run, is
 * opened: no token or a dead one is 401, a token of another tenant or agent than the
 * server's (or than the one that opened the session) is 403. Without `auth` the server
 * only listens on loopback. Sessions are capped (`maxSessions`; 503 past it) and closed
 * after `idleMs` without a request. Bodies past `maxBody` are 413.
 */
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Server } from "@modelcontextprotocol/sdk/server/index.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { isInitializeRequest } from "@modelcontextprotocol/sdk/types.js";
import type { TokenIdentity } from "@paybill/runtime";

export interface HttpOptions {
  readonly host: string;
  readonly port: number;
  /** A new server for a new session (may start a run); its error is answered as a JSON-RPC error. */
  readonly open: () => Promise<Server>;
  /** One line per session opened or failed (stderr). */
  readonly log: (line: string) => void;
  /** Bearer-token authentication; absent, no authentication (refused on a host that is not loopback). */
  readonly auth?: HttpAuth;
  /** Sessions open at once (default 64). */
  readonly maxSessions?: number;
  /** A session with no request for this long is closed (default 15 minutes). */
  readonly idleMs?: number;
  /** The largest request body taken (default 1 MiB). */
  readonly maxBody?: number;
}

export interface HttpAuth {
  /** Whom a token acts as; undefined when it is not a live token. */
  readonly authenticate: (token: string) => Promise<TokenIdentity | undefined>;
  /** The tenant and agent this server's sessions act for: a token must be bound to both. */
  readonly tenant: string;
  readonly agent: string;
}

export const DEFAULT_MAX_SESSIONS = 64;
export const DEFAULT_IDLE_MS = 15 * 60 * 1000;

/** JSON-RPC error codes of the HTTP answers that are not the protocol's (spec/mcp.md). */
export const UNAUTHORIZED = -32010;
export const FORBIDDEN = -32011;
export const TOO_MANY_SESSIONS = -32012;

export function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

export interface HttpHandle {
  readonly url: string;
  close(): Promise<void>;
}

interface Session {
  readonly transport: StreamableHTTPServerTransport;
  readonly server: Server;
  /** The token that opened it (with `auth`): later requests must carry the same. */
  readonly token: string | undefined;
  lastSeen: number;
}

export async function serveHttp(options: HttpOptions): Promise<HttpHandle> {
  if (options.auth === undefined && !isLoopback(options.host)) throw new Error(`refusing to serve \`${options.host}\` without authentication`);
  const maxBody = options.maxBody ?? 1024 * 1024;
  const maxSessions = options.maxSessions ?? DEFAULT_MAX_SESSIONS;
  const idleMs = options.idleMs ?? DEFAULT_IDLE_MS;
  const sessions = new Map<string, Session>();
  let opening = 0;
  let allowedHosts: string[] | undefined;

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (new URL(req.url ?? "/", "http://x").pathname !== "/mcp") return reply(res, 404, -32601, "not found: the MCP endpoint is /mcp");
    const who = options.auth === undefined ? undefined : await authorize(options.auth, req, res);
    if (who === null) return;
    const id = req.headers["mcp-session-id"];
    const existing = typeof id === "string" ? sessions.get(id) : undefined;
    if (existing !== undefined) {
      if (existing.token !== who?.id) return reply(res, 403, FORBIDDEN, "forbidden: the session was opened with another token");
      existing.lastSeen = Date.now();
      return existing.transport.handleRequest(req, res, req.method === "POST" ? await body(req, maxBody) : undefined);
    }
    if (id !== undefined) return reply(res, 404, -32001, "unknown session: initialize a new one");
    if (req.method !== "POST") return reply(res, 400, -32000, "no session: POST an initialize request first");
    const message = await body(req, maxBody);
    if (!isInitializeRequest(message)) return reply(res, 400, -32000, "no session: the first request must be initialize");
    if (sessions.size + opening >= maxSessions) {
      options.log(`session refused: ${maxSessions} sessions are open`);
      return reply(res, 503, TOO_MANY_SESSIONS, `too many sessions: the server holds ${maxSessions}; end one (DELETE /mcp) or wait until one is idle for ${Math.round(idleMs / 1000)} s`);
    }
    opening++;
    let server: Server;
    try {
      server = await options.open();
    } catch (error) {
      opening--;
      const text = error instanceof Error ? error.message : String(error);
      options.log(`session refused: ${text}`);
      return reply(res, 500, -32603, `the session could not open: ${text}`);
    }
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (sid) => {
        sessions.set(sid, { transport, server, token: who?.id, lastSeen: Date.now() });
      },
      ...(allowedHosts === undefined ? {} : { allowedHosts, enableDnsRebindingProtection: true }),
    });
    transport.onclose = () => {
      if (transport.sessionId !== undefined) sessions.delete(transport.sessionId);
    };
    try {
      await server.connect(transport);
      await transport.handleRequest(req, res, message);
    } finally {
      opening--;
    }
  };

  // Sessions idle past `idleMs` are closed (their server, and so their transport).
  const sweep = setInterval(
    () => {
      const now = Date.now();
      for (const [sid, session] of sessions) {
        if (now - session.lastSeen <= idleMs) continue;
        sessions.delete(sid);
        options.log(`session ${sid} closed after ${Math.round(idleMs / 1000)} s idle`);
        void session.server.close().catch(() => undefined);
      }
    },
    Math.max(50, Math.min(idleMs / 2, 30_000)),
  );
  sweep.unref();

  const http = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (error instanceof BodyError) {
        if (!res.headersSent) reply(res, error.status, error.code, error.message);
        return;
      }
      // Not the client's doing (a database gone while checking a token, a bug): logged, not shown.
      options.log(`request failed: ${error instanceof Error ? error.message : String(error)}`);
      if (!res.headersSent) reply(res, 500, -32603, "the server failed to answer: its log has details");
    });
  });
  await new Promise<void>((resolve, reject) => {
    http.once("error", reject);
    http.listen(options.port, options.host, () => resolve());
  });
  const port = (http.address() as AddressInfo).port;
  if (isLoopback(options.host)) allowedHosts = [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`];
  const shown = options.host.includes(":") ? `[${options.host}]` : options.host;
  return {
    url: `http://${shown}:${port}/mcp`,
    async close() {
      clearInterval(sweep);
      for (const { server } of [...sessions.values()]) await server.close();
      sessions.clear();
      const closed = new Promise<void>((resolve) => http.close(() => resolve()));
      http.closeAllConnections();
      await closed;
    },
  };
}

/**
 * The token's identity, or null once a 401/403 has been answered. A token of another
 * tenant or agent than the server's is refused here, before any session or run exists.
 */
async function authorize(auth: HttpAuth, req: IncomingMessage, res: ServerResponse): Promise<TokenIdentity | null> {
  const bearer = /^Bearer +(\S+) *$/i.exec(req.headers.authorization ?? "");
  if (bearer === null) {
    reply(res, 401, UNAUTHORIZED, "unauthorized: send `Authorization: Bearer <token>` (create one with `paybillc mcp token create`)", { "www-authenticate": 'Bearer realm="paybill"' });
    return null;
  }
  const who = await auth.authenticate(bearer[1] ?? "");
  if (who === undefined) {
    reply(res, 401, UNAUTHORIZED, "unauthorized: the token is not valid (unknown, revoked or mistyped)", { "www-authenticate": 'Bearer realm="paybill", error="invalid_token"' });
    return null;
  }
  if (who.tenant !== auth.tenant || who.agent !== auth.agent) {
    reply(res, 403, FORBIDDEN, `forbidden: the token acts as agent \`${who.agent}\` of tenant \`${who.tenant}\`; this server serves agent \`${auth.agent}\` of tenant \`${auth.tenant}\``);
    return null;
  }
  return who;
}

/** A request body the server does not take: answered with its status and a JSON-RPC error. */
class BodyError extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

async function body(req: IncomingMessage, max: number): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > max) throw new BodyError(413, -32600, `the request body is larger than the server's limit of ${max} bytes`);
    chunks.push(buffer);
  }
  const text = Buffer.concat(chunks).toString("utf8");
  if (text === "") return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new BodyError(400, -32700, "parse error: the request body is not JSON");
  }
}

function reply(res: ServerResponse, status: number, code: number, message: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "content-type": "application/json", ...headers }).end(JSON.stringify({ jsonrpc: "2.0", error: { code, message }, id: null }));
}
