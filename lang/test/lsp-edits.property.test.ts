// A law of the language server: whatever sequence of edits a user makes (incremental,
// anywhere, into broken text and back), the server answers, and the diagnostics it ends
// with are exactly those `checkProject` (what `paybillc check` runs) gives for the final
// texts.
import fc from "fast-check";
import type { Diagnostic } from "vscode-languageserver/node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkProject, SourceFile } from "../src/index.js";
import { DATA, RULES } from "./support/lsp-fixture.js";
import { startServer, type TestServer } from "./support/lsp-client.js";

const FRAGMENTS = [
  ...["{", "}", "(", ")", ".", '"', "\n", " ", "resource.", "input.", "amount", "Order", "bot", "&&", "1", "<", "permit", "policy p {", "//", "/*", "*/", "ü"],
  ...["entity X { id uuid @id }", "policy p {\n  permit bot to close_order\n}\n"],
];

interface Edit {
  readonly file: 0 | 1;
  readonly at: number;
  readonly remove: number;
  readonly insert: string;
}

const edit: fc.Arbitrary<Edit> = fc.record({
  file: fc.constantFrom(0 as const, 1 as const),
  at: fc.nat(),
  // Short removals (typing) and long ones (a selection deleted), anywhere: most edits change the length.
  remove: fc.oneof(fc.nat({ max: 6 }), fc.nat({ max: 60 })),
  insert: fc.array(fc.constantFrom(...FRAGMENTS), { maxLength: 3 }).map((parts) => parts.join("")),
});

const position = (text: string, offset: number) => {
  const lines = text.slice(0, offset).split("\n");
  return { line: lines.length - 1, character: (lines[lines.length - 1] ?? "").length };
};

const shape = (d: Diagnostic) => [d.code, d.range.start.line, d.range.start.character, d.range.end.line, d.range.end.character, d.message];

let server: TestServer;
beforeAll(async () => {
  server = await startServer({});
});
afterAll(async () => {
  await server.stop();
});

describe("lsp under random edits", () => {
  let run = 0;
  it("never stops answering, and ends with checkProject's diagnostics", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(edit, { minLength: 1, maxLength: 8 }), async (edits) => {
        run++;
        const names = [`r${run}-data.paybill`, `r${run}-rules.paybill`] as const;
        // A package per run: files of earlier runs, closed and on their way out, cannot clash.
        const texts = [DATA, RULES].map((t) => t.replace("package shop", `package shop${run}`));
        for (const [i, name] of names.entries()) await server.open(name, texts[i] ?? "");
        const versions = [1, 1];
        for (const e of edits) {
          const text = texts[e.file] ?? "";
          const start = e.at % (text.length + 1);
          const end = Math.min(text.length, start + e.remove);
          const range = { start: position(text, start), end: position(text, end) };
          texts[e.file] = text.slice(0, start) + e.insert + text.slice(end);
          versions[e.file] = await server.edit(names[e.file], range, e.insert);
        }
        const expected = checkProject(names.map((name, i) => new SourceFile(name, texts[i] ?? "")));
        for (const [i, name] of names.entries()) {
          const got = await server.diagnostics(name, versions[i]);
          const want = expected.diagnostics
            .filter((d) => d.file.name === name)
            .map((d) => {
              const s = d.file.position(d.span.start);
              const t = d.file.position(d.span.end);
              return [d.code, s.line - 1, s.column - 1, t.line - 1, t.column - 1, d.help === undefined ? d.message : `${d.message}\nhelp: ${d.help}`];
            });
          expect(got.map(shape)).toEqual(want);
        }
        // Emptied before closing: a closed file leaves the workspace only once the server has
        // looked for it on disk, maybe after the next run's edits, and an edit may have broken
        // its `package` line (then its names, or the words of its broken part, would meet the
        // next run's in module `main`). An empty file declares nothing and hides nothing.
        for (const name of names) await server.replace(name, "");
        for (const name of names) await server.connection.sendNotification("textDocument/didClose", { textDocument: { uri: server.uri(name) } });
      }),
      { numRuns: Number(process.env.FUZZ_SCALE ?? 1) * 25 },
    );
    // Still alive and answering.
    const symbols = await server.request("textDocument/documentSymbol", { textDocument: { uri: server.uri("none.paybill") } });
    expect(symbols).toEqual([]);
  }, 120_000);
});
