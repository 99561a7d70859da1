/**
 * The MCP transport of `paybillc serve --mcp` on stdio: newline-delimited JSON-RPC, as the
 * SDK's `StdioServerTransport` speaks it, but a message it cannot take is answered and the
 * server goes on. The SDK's transport drops invalid JSON and non-JSON-RPC values without a
 * word and, past its 10 MiB buffer, closes itself (the server stops answering); here:
 *
 * - a line longer than `maxMessageBytes` (default 1 MiB) is skipped as it arrives (never
 *   held in memory past the limit) and answered `-32600` with the limit in `data`;
 * - a line that is not JSON is answered `-32700` (parse error);
 * - JSON that is not a JSON-RPC 2.0 message (a batch included) is answered `-32600`
 *   (invalid request), with its `id` when it has a usable one;
 * - blank lines are ignored.
 *
 * Error answers go straight to stdout from here; valid messages go to the server.
 */
import type { Readable, Writable } from "node:stream";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import { type JSONRPCMessage, JSONRPCMessageSchema } from "@modelcontextprotocol/sdk/types.js";

export const DEFAULT_MAX_MESSAGE_BYTES = 1024 * 1024;

export const PARSE_ERROR = -32700;
export const INVALID_REQUEST = -32600;

export interface StdioOptions {
  readonly stdin?: Readable;
  readonly stdout?: Writable;
  /** The longest message (one line, without its newline) taken, in bytes. */
  readonly maxMessageBytes?: number;
}

export class PaybillStdioTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;

  readonly #stdin: Readable;
  readonly #stdout: Writable;
  readonly #max: number;
  /** The current line's bytes so far (none kept once it is past the limit). */
  #parts: Buffer[] = [];
  #size = 0;
  #oversized = false;
  #closed = false;

  constructor(options: StdioOptions = {}) {
    this.#stdin = options.stdin ?? process.stdin;
    this.#stdout = options.stdout ?? process.stdout;
    this.#max = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  }

  async start(): Promise<void> {
    this.#stdin.on("data", this.#onData);
    this.#stdin.on("error", this.#onError);
    this.#stdin.once("end", this.#onEnd);
  }

  send(message: JSONRPCMessage): Promise<void> {
    return new Promise((resolve) => {
      if (this.#stdout.write(`${JSON.stringify(message)}\n`)) resolve();
      else this.#stdout.once("drain", resolve);
    });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#stdin.off("data", this.#onData);
    this.#stdin.off("error", this.#onError);
    this.#stdin.off("end", this.#onEnd);
    if (this.#stdin.listenerCount("data") === 0) this.#stdin.pause();
    this.#parts = [];
    this.onclose?.();
  }

  readonly #onData = (chunk: Buffer | string): void => {
    let data = typeof chunk === "string" ? Buffer.from(chunk, "utf8") : chunk;
    for (let newline = data.indexOf(10); newline !== -1; newline = data.indexOf(10)) {
      this.#take(data.subarray(0, newline));
      this.#endLine();
      data = data.subarray(newline + 1);
    }
    this.#take(data);
  };

  readonly #onError = (error: Error): void => {
    this.onerror?.(error);
  };

  readonly #onEnd = (): void => {
    // A last message without its newline is still a message.
    if (this.#size > 0 || this.#oversized) this.#endLine();
    void this.close();
  };

  #take(bytes: Buffer): void {
    if (bytes.length === 0) return;
    this.#size += bytes.length;
    if (this.#oversized) return;
    if (this.#size > this.#max) {
      this.#oversized = true;
      this.#parts = [];
      return;
    }
    this.#parts.push(bytes);
  }

  #endLine(): void {
    const size = this.#size;
    const oversized = this.#oversized;
    const text = oversized ? "" : Buffer.concat(this.#parts).toString("utf8").replace(/\r$/, "");
    this.#parts = [];
    this.#size = 0;
    this.#oversized = false;
    if (oversized) {
      this.#answer(null, INVALID_REQUEST, `the message is larger than the server's limit of ${this.#max} bytes`, { size, limit: this.#max });
      return;
    }
    if (text.trim() === "") return;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      this.#answer(null, PARSE_ERROR, "parse error: the message is not JSON");
      return;
    }
    const message = JSONRPCMessageSchema.safeParse(value);
    if (!message.success) {
      const why = Array.isArray(value) ? "a batch (JSON array) is not supported" : "it is not a JSON-RPC 2.0 request, notification or response";
      this.#answer(idOf(value), INVALID_REQUEST, `invalid request: ${why}`);
      return;
    }
    this.onmessage?.(message.data);
  }

  #answer(id: string | number | null, code: number, message: string, data?: unknown): void {
    const error = data === undefined ? { code, message } : { code, message, data };
    this.#stdout.write(`${JSON.stringify({ jsonrpc: "2.0", id, error })}\n`);
  }
}

/** The request's id when it is one JSON-RPC allows (a string or an integer), else null. */
function idOf(value: unknown): string | number | null {
  if (typeof value !== "object" || value === null || Array.isArray(value) || !("id" in value)) return null;
  const id = value.id;
  return typeof id === "string" || (typeof id === "number" && Number.isInteger(id)) ? id : null;
}
