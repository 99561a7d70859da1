// Inlay hints over stdio: the CEL type after each field read (the end of a chain only, not a
// call's target), within the asked range.
import { afterEach, describe, expect, it } from "vitest";
import { startServer, type TestServer } from "./support/lsp-client.js";
import { PROJECT, RULES } from "./support/lsp-fixture.js";

let server: TestServer | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

interface Hint {
  position: { line: number; character: number };
  label: string;
  kind: number;
}

describe("lsp inlay hints", () => {
  it("gives the type of each field read in a condition, at its end", async () => {
    server = await startServer(PROJECT);
    const text = RULES.replace('input.reason != ""', 'input.reason != "" && resource.status == "open" && input.reason.startsWith("a")');
    const { uri, version } = await server.open("rules.paybill", text);
    expect(await server.diagnostics("rules.paybill", version)).toEqual([]);
    const hints = await server.request<Hint[]>("textDocument/inlayHint", { textDocument: { uri }, range: { start: { line: 0, character: 0 }, end: { line: 100, character: 0 } } });
    const lines = text.split("\n");
    const line = lines.findIndex((l) => l.includes("permit bot"));
    const after = (what: string, nth = 0): { line: number; character: number } => {
      let at = -1;
      for (let i = 0; i <= nth; i++) at = (lines[line] ?? "").indexOf(what, at + 1);
      return { line, character: at + what.length };
    };
    const effect = lines.findIndex((l) => l.includes("effect update"));
    const order = { line: effect, character: (lines[effect] ?? "").indexOf("input.order") + "input.order".length };
    // The types as CEL has them (a decimal is a double, a uuid a string).
    expect(hints.map((h) => [h.position, h.label, h.kind])).toEqual([
      [order, ": string", 1],
      [after("resource.amount"), ": double", 1],
      [after("input.reason"), ": string", 1],
      [after("resource.status"), ": string", 1],
    ]);
    // Only within the range asked.
    const none = await server.request<Hint[]>("textDocument/inlayHint", { textDocument: { uri }, range: { start: { line: 0, character: 0 }, end: { line: 2, character: 0 } } });
    expect(none).toEqual([]);
  });
});
