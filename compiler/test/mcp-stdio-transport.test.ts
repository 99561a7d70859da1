/**
 * The stdio transport (mcp/stdio.ts) as a law, in process: for any sequence of lines —
 * JSON-RPC messages, text that is not JSON, JSON that is not JSON-RPC, lines past the
 * limit, blank lines — cut into chunks anywhere (inside a line, inside a UTF-8 character),
 * the server is handed exactly the valid messages, in order, and every other line is
 * answered with exactly one error of its kind, in order; nothing throws and nothing of an
 * oversized line is kept.
 */
import { PassThrough } from "node:stream";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { INVALID_REQUEST, PaybillStdioTransport, PARSE_ERROR } from "../../server/src/mcp/stdio.js";

const LIMIT = 256;

type Line = { kind: "message"; text: string; value: unknown } | { kind: "parse" | "invalid" | "oversized"; text: string } | { kind: "blank"; text: string };

const id = fc.oneof(fc.integer({ min: 0, max: 1e6 }), fc.string({ maxLength: 8 }));
const message: fc.Arbitrary<Line> = fc
  .record({ id, method: fc.constantFrom("ping", "tools/list", "é✓"), note: fc.string({ maxLength: 40, unit: "grapheme" }) })
  .map(({ id, method, note }) => {
    const value = { jsonrpc: "2.0", id, method, params: { note } };
    return { kind: "message" as const, text: JSON.stringify(value), value };
  });
const notJson: fc.Arbitrary<Line> = fc
  .string({ maxLength: 60, unit: "grapheme" })
  .filter((t) => !/[\n\r]/.test(t) && t.trim() !== "" && !isJson(t))
  .map((text) => ({ kind: "parse" as const, text }));
const notRpc: fc.Arbitrary<Line> = fc
  .oneof(fc.integer(), fc.constant(null), fc.dictionary(fc.constantFrom("a", "b", "id"), fc.integer(), { maxKeys: 2 }), fc.array(fc.integer(), { maxLength: 3 }))
  .map((v) => ({ kind: "invalid" as const, text: JSON.stringify(v) }));
const oversized: fc.Arbitrary<Line> = fc.integer({ min: LIMIT + 1, max: LIMIT * 4 }).map((n) => ({ kind: "oversized" as const, text: `{"jsonrpc":"2.0","id":1,"method":"${"x".repeat(n)}"}` }));
const blank: fc.Arbitrary<Line> = fc.constantFrom("", " ", "\t", "\r").map((text) => ({ kind: "blank" as const, text }));

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

describe("the stdio transport", () => {
  it("hands on the valid messages and answers every other line once, however the input is cut", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.oneof(message, notJson, notRpc, oversized, blank), { maxLength: 12 }), fc.array(fc.integer({ min: 1, max: 97 }), { minLength: 1, maxLength: 8 }), async (lines, cuts) => {
        const stdin = new PassThrough();
        const stdout = new PassThrough();
        const transport = new PaybillStdioTransport({ stdin, stdout, maxMessageBytes: LIMIT });
        const got: unknown[] = [];
        const errors: Error[] = [];
        transport.onmessage = (m) => got.push(m);
        transport.onerror = (e) => errors.push(e);
        let closed = false;
        transport.onclose = () => {
          closed = true;
        };
        await transport.start();
        const bytes = Buffer.from(lines.map((l) => `${l.text}\n`).join(""), "utf8");
        for (let at = 0, i = 0; at < bytes.length; i++) {
          const size = cuts[i % cuts.length] ?? 1;
          stdin.write(bytes.subarray(at, at + size));
          at += size;
        }
        stdin.end();
        await new Promise((done) => setImmediate(done));
        const out: Buffer | null = stdout.read();
        const answers = (out?.toString("utf8") ?? "")
          .split("\n")
          .filter((l) => l !== "")
          .map((l) => JSON.parse(l) as { id: unknown; error: { code: number; data?: unknown } });

        const valid = lines.filter((l) => l.kind === "message").map((l) => (l as { value: unknown }).value);
        expect(got).toEqual(valid);
        const expected = lines.flatMap((l) => (l.kind === "parse" ? [PARSE_ERROR] : l.kind === "invalid" || l.kind === "oversized" ? [INVALID_REQUEST] : []));
        expect(answers.map((a) => a.error.code)).toEqual(expected);
        const sizes = lines.filter((l) => l.kind === "oversized").map((l) => ({ size: Buffer.byteLength(l.text), limit: LIMIT }));
        expect(answers.filter((a) => a.error.data !== undefined).map((a) => a.error.data)).toEqual(sizes);
        expect(errors).toEqual([]);
        expect(closed).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});
