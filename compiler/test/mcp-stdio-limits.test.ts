/**
 * `paybillc serve --mcp` on stdio answers what it cannot take and keeps serving: a line
 * that is not JSON is `-32700`, JSON that is not a JSON-RPC message (a batch included) is
 * `-32600` with its id when it has one, a message past the limit (`--max-message`, 1 MiB
 * by default) is `-32600` with the limit — and after each, a `ping` is still answered and
 * the tools are still listed; the server ends with exit 0 when stdin closes. Raw lines on
 * the real binary's stdio (the SDK's client would refuse to send most of these).
 */
import { type ChildProcessByStdio, spawn } from "node:child_process";
import type { Readable, Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useBuiltHelpdesk } from "./mcp-support.js";
import { BIN, STACK_LINE } from "./support/cli.js";

const example = useBuiltHelpdesk();

interface Answer {
  readonly id: string | number | null;
  readonly result?: Record<string, unknown>;
  readonly error?: { code: number; message: string; data?: unknown };
}

/** The server as a line-in, line-out process; `exchange` sends lines and collects answers up to the one with `until`'s id. */
class RawServer {
  readonly #child: ChildProcessByStdio<Writable, Readable, Readable>;
  readonly #answers: Answer[] = [];
  #waiting: (() => void) | undefined;
  #stdout = "";
  stderr = "";
  readonly exited: Promise<number | null>;

  constructor(args: readonly string[], cwd: string) {
    this.#child = spawn(process.execPath, [BIN, ...args], { cwd, stdio: ["pipe", "pipe", "pipe"], env: { ...process.env, NO_COLOR: "", PAYBILL_DEBUG: "" } });
    this.#child.stdout.on("data", (chunk: Buffer) => {
      this.#stdout += chunk.toString("utf8");
      for (let i = this.#stdout.indexOf("\n"); i !== -1; i = this.#stdout.indexOf("\n")) {
        this.#answers.push(JSON.parse(this.#stdout.slice(0, i)) as Answer);
        this.#stdout = this.#stdout.slice(i + 1);
      }
      this.#waiting?.();
    });
    this.#child.stderr.on("data", (chunk: Buffer) => {
      this.stderr += chunk.toString("utf8");
    });
    this.exited = new Promise((done) => this.#child.once("close", done));
  }

  /** Writes `lines` (each ended with a newline), then collects every answer until the one whose id is `until`. */
  async exchange(lines: readonly string[], until: number): Promise<Answer[]> {
    for (const line of lines) this.#child.stdin.write(`${line}\n`);
    for (;;) {
      const at = this.#answers.findIndex((a) => a.id === until);
      if (at !== -1) return this.#answers.splice(0, at + 1);
      await new Promise<void>((done) => {
        this.#waiting = done;
      });
    }
  }

  end(): void {
    this.#child.stdin.end();
  }
}

const request = (id: number, method: string, params: Record<string, unknown> = {}): string => JSON.stringify({ jsonrpc: "2.0", id, method, params });

describe("serve --mcp on stdio, given what it cannot take", () => {
  let server: RawServer;
  let next = 100;
  /** Sends `line`, then a ping; returns the answers to both (the ping's must be a result). */
  const thenPing = async (line: string): Promise<Answer[]> => {
    const ping = next++;
    const answers = await server.exchange([line, request(ping, "ping")], ping);
    expect(answers.at(-1)).toEqual({ jsonrpc: "2.0", id: ping, result: {} });
    return answers.slice(0, -1);
  };

  beforeAll(async () => {
    server = new RawServer(["serve", "--mcp", "--bundle", example.bundle, "--tenant", "initech", "--agent", "support_bot", "--max-message", "65536"], example.dir);
    const [init] = await server.exchange([request(1, "initialize", { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "raw", version: "0" } })], 1);
    expect(init?.result).toMatchObject({ serverInfo: { name: "paybill" } });
    await server.exchange([JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" }), request(2, "ping")], 2);
  }, 180_000);

  afterAll(() => {
    server?.end();
  });

  it("answers a line that is not JSON with -32700", async () => {
    expect(await thenPing("this is { not json")).toEqual([{ jsonrpc: "2.0", id: null, error: { code: -32700, message: "parse error: the message is not JSON" } }]);
  });

  it("answers JSON that is not JSON-RPC with -32600, keeping a usable id", async () => {
    const invalid = "invalid request: it is not a JSON-RPC 2.0 request, notification or response";
    expect(await thenPing('{"hello":"world"}')).toEqual([{ jsonrpc: "2.0", id: null, error: { code: -32600, message: invalid } }]);
    expect(await thenPing('{"jsonrpc":"2.0","id":7,"method":5}')).toEqual([{ jsonrpc: "2.0", id: 7, error: { code: -32600, message: invalid } }]);
    expect(await thenPing('{"jsonrpc":"1.0","id":"x","method":"ping"}')).toEqual([{ jsonrpc: "2.0", id: "x", error: { code: -32600, message: invalid } }]);
    expect(await thenPing("42")).toEqual([{ jsonrpc: "2.0", id: null, error: { code: -32600, message: invalid } }]);
    expect(await thenPing(`[${request(8, "ping")}]`)).toEqual([
      { jsonrpc: "2.0", id: null, error: { code: -32600, message: "invalid request: a batch (JSON array) is not supported" } },
    ]);
  });

  it("answers a message past --max-message with -32600 and the limit, without reading it", async () => {
    const big = request(9, "ping", { padding: "x".repeat(200_000) });
    expect(await thenPing(big)).toEqual([
      { jsonrpc: "2.0", id: null, error: { code: -32600, message: "the message is larger than the server's limit of 65536 bytes", data: { size: big.length, limit: 65536 } } },
    ]);
    // Just under the limit is a message like any other.
    const fits = request(10, "ping", { padding: "x".repeat(65536 - 100) });
    expect(fits.length).toBeLessThan(65536);
    expect(await server.exchange([fits], 10)).toEqual([{ jsonrpc: "2.0", id: 10, result: {} }]);
  });

  it("still serves its tools after all that, and ends with exit 0 when stdin closes", async () => {
    const [list] = await server.exchange([request(11, "tools/list")], 11);
    expect(list?.result?.["tools"]).toEqual(expect.arrayContaining([expect.objectContaining({ name: "paybill_status" })]));
    server.end();
    expect(await server.exited).toBe(0);
    expect(server.stderr).not.toMatch(STACK_LINE);
  });
});

describe("serve --mcp on stdio with the default limit", () => {
  it("answers a message past 1 MiB with -32600 and goes on", async () => {
    const server = new RawServer(["serve", "--mcp", "--bundle", example.bundle, "--tenant", "initech", "--agent", "support_bot"], example.dir);
    await server.exchange([request(1, "initialize", { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "raw", version: "0" } })], 1);
    const big = request(2, "ping", { padding: "x".repeat(1024 * 1024) });
    const answers = await server.exchange([big, request(3, "ping")], 3);
    expect(answers).toEqual([
      { jsonrpc: "2.0", id: null, error: { code: -32600, message: "the message is larger than the server's limit of 1048576 bytes", data: { size: big.length, limit: 1048576 } } },
      { jsonrpc: "2.0", id: 3, result: {} },
    ]);
    server.end();
    expect(await server.exited).toBe(0);
  }, 180_000);
});
