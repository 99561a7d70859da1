/**
 * The control server's process side (spec/control-server.md): the API (app.ts) on a
 * runtime, served over HTTP with @hono/node-server, and the web console's built assets
 * (`console/dist`, when present) at `/`. Loopback only unless `exposed` says otherwise;
 * refuses to start without its tables (PBR252: created by `paybillc migrate`).
 */
import { readFile, stat } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { extname, join, normalize, resolve } from "node:path";
import { serve as listen } from "@hono/node-server";
import { PaybillRuntimeError, type Runtime } from "@paybill/runtime";
import { type ControlAppOptions, controlApp } from "./app.js";
import { controlTablesInstalled } from "./tables.js";

export interface ControlServerOptions extends ControlAppOptions {
  readonly host: string;
  readonly port: number;
  /** Binding to an address that is not loopback is refused unless this is set. */
  readonly exposed?: boolean;
  /** The console's built assets (default: none served). */
  readonly consoleDir?: string;
}

export interface ControlServer {
  readonly url: string;
  close(): Promise<void>;
}

export function isLoopbackHost(host: string): boolean {
  return host === "localhost" || host === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".woff2": "font/woff2",
};

export async function startControlServer(runtime: Runtime, options: ControlServerOptions): Promise<ControlServer> {
  if (!isLoopbackHost(options.host) && options.exposed !== true) {
    throw new PaybillRuntimeError("PBR251", `refusing to serve the control API on \`${options.host}\`, which is not loopback`, "listen on 127.0.0.1 (the default), or pass `--expose` to bind elsewhere (behind TLS)");
  }
  if (!(await controlTablesInstalled(runtime.database))) {
    throw new PaybillRuntimeError("PBR252", "the control server's tables are not in this database", "create them with `paybillc migrate --database <admin url>` (the embedded database gets them when `paybillc serve --control` starts)");
  }
  const app = controlApp(runtime, options);
  const root = options.consoleDir === undefined ? undefined : resolve(options.consoleDir);
  if (root !== undefined) {
    app.get("/*", async (c) => {
      // The API's own paths never fall back to the console's page.
      if (c.req.path.startsWith("/api/") || c.req.path.startsWith("/webhooks/")) return c.notFound();
      const path = normalize(join(root, c.req.path === "/" ? "index.html" : c.req.path));
      const file = path.startsWith(root) && (await stat(path).then((s) => s.isFile(), () => false)) ? path : join(root, "index.html");
      const body = await readFile(file).catch(() => undefined);
      if (body === undefined) return c.notFound();
      return c.body(new Uint8Array(body), 200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream" });
    });
  }
  return new Promise((done, fail) => {
    const server = listen({ fetch: app.fetch, hostname: options.host, port: options.port }, (info: AddressInfo) => {
      const host = info.family === "IPv6" ? `[${info.address}]` : info.address;
      done({
        url: `http://${host}:${info.port}`,
        close: () => new Promise<void>((closed) => server.close(() => closed())),
      });
    });
    server.once("error", fail);
  });
}
