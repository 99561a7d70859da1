// Workspace symbols, folding ranges and document highlight through the real server.
import type { DocumentHighlight, FoldingRange, SymbolInformation } from "vscode-languageserver/node";
import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { callAt, signatureHelp } from "../src/lsp/signature-help.js";
import { matchesQuery } from "../src/lsp/workspace-symbols.js";
import { startServer, type TestServer } from "./support/lsp-client.js";
import { mark } from "./support/lsp-fixture.js";

let server: TestServer | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

const PLANS = "package shop\nimport std.isolation.{pooled}\nplan free { price = 0, isolation = pooled }\nplan enterprise { price = custom, isolation = pooled }\n";
const RULES = [
  "package shop",
  "// Refunds.",
  "// Big ones need the enterprise plan.",
  "agent bot {}",
  "action refund_ticket {",
  "  input {",
  "    amount: decimal",
  "  }",
  "}",
  "policy big {",
  "  permit bot to refund_ticket",
  '    when tenant.plan == "enterprise"',
  "}",
  "",
].join("\n");

describe("lsp workspace symbols", () => {
  it("finds declarations of every project file by their characters in order, not the standard library's", async () => {
    server = await startServer({ "plans.paybill": PLANS, "rules.paybill": RULES });
    await server.open("rules.paybill", RULES);
    await server.diagnostics("rules.paybill", 1);
    const found = await server.request<SymbolInformation[]>("workspace/symbol", { query: "rfnd" });
    expect(found.map((s) => [s.name, s.containerName, s.location.uri.endsWith("rules.paybill")])).toEqual([["refund_ticket", "shop", true]]);
    const all = await server.request<SymbolInformation[]>("workspace/symbol", { query: "" });
    expect(all.map((s) => s.name)).toEqual(["big", "bot", "enterprise", "free", "refund_ticket"]);
  });

  it("matches a query when its characters appear in order, ignoring case", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 12 }), fc.array(fc.boolean(), { maxLength: 12 }), (name, keep) => {
        const query = [...name].filter((_, i) => keep[i] === true).join("");
        expect(matchesQuery(name, query.toUpperCase() === query.toLowerCase() ? query : query.toUpperCase())).toBe(true);
      }),
    );
    expect(matchesQuery("refund", "fr")).toBe(false);
  });
});

describe("lsp folding ranges", () => {
  it("folds each multi-line declaration up to its closing line, the blocks inside, a rule, and a comment run", async () => {
    server = await startServer({ "plans.paybill": PLANS, "rules.paybill": RULES });
    const { uri } = await server.open("rules.paybill", RULES);
    const ranges = await server.request<FoldingRange[]>("textDocument/foldingRange", { textDocument: { uri } });
    expect(ranges.map((r) => [r.startLine, r.endLine, r.kind ?? ""])).toEqual([
      [1, 2, "comment"],
      [4, 7, ""],
      [5, 6, ""],
      [9, 11, ""],
      [10, 11, ""],
    ]);
  });
});

describe("lsp document highlight", () => {
  it("marks a plan's declaration as written and the strings naming it as read, from either place", async () => {
    const rules = 'package shop\nagent bot {}\naction go {}\npolicy p { permit bot to go when tenant.plan == "enterprise" || tenant.plan != "enterprise" }\n';
    server = await startServer({ "plans.paybill": PLANS, "rules.paybill": rules });
    const opened = await server.open("rules.paybill", mark(rules, 'enterprise" ||', 2));
    await server.diagnostics("rules.paybill", 1);
    const inRules = await server.request<DocumentHighlight[]>("textDocument/documentHighlight", { textDocument: { uri: opened.uri }, position: opened.position });
    const line = rules.split("\n")[3] ?? "";
    const first = line.indexOf('"enterprise"') + 1;
    const second = line.indexOf('"enterprise"', first) + 1;
    expect(inRules.map((h) => [h.range.start.line, h.range.start.character, h.range.end.character, h.kind])).toEqual([
      [3, first, first + 10, 2],
      [3, second, second + 10, 2],
    ]);
    const plans = await server.open("plans.paybill", mark(PLANS, "enterprise {", 1));
    const inPlans = await server.request<DocumentHighlight[]>("textDocument/documentHighlight", { textDocument: { uri: plans.uri }, position: plans.position });
    expect(inPlans.map((h) => [h.range.start.line, h.kind])).toEqual([[3, 3]]);
  });
});

describe("lsp signature help", () => {
  it("shows the overloads of the call around the cursor and the argument being written", async () => {
    server = await startServer({ "plans.paybill": PLANS });
    const text = 'package shop\nagent bot {}\naction go { input { s: string(max: 9), tags: list(string, max: 3) } }\npolicy p { permit bot to go when input.s.matches("a(b") && input.tags.exists(t, t.startsWith("x‸")) }\n';
    const { uri, position } = await server.open("rules.paybill", text);
    const help = await server.request<{ signatures: { label: string }[]; activeParameter: number } | null>("textDocument/signatureHelp", { textDocument: { uri }, position });
    expect(help?.signatures.map((s) => s.label)).toEqual(["string.startsWith(string) -> bool"]);
    expect(help?.activeParameter).toBe(0);
    // The second argument of a macro, past a nested call and a string holding a parenthesis.
    const macro = text.replace("‸", "").replace('t.startsWith("x")', 't.startsWith("(x")‸');
    const opened = await server.open("more.paybill", macro);
    const second = await server.request<{ signatures: { label: string }[]; activeParameter: number } | null>("textDocument/signatureHelp", { textDocument: { uri: opened.uri }, position: opened.position });
    expect([second?.signatures.map((s) => s.label), second?.activeParameter]).toEqual([["list.exists(x, condition) -> bool"], 1]);
  });

  it("never fails on any text and cursor, and finds the call whatever precedes it", () => {
    const piece = fc.constantFrom("(", ")", "[", "]", "{", "}", ",", '"', "'", "//", "\n", "x", ".", " ", "size", "exists", "\\");
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 40 }), fc.nat(), (parts, at) => {
        const text = parts.join("");
        signatureHelp(text, text.length === 0 ? 0 : at % (text.length + 1));
        // Whatever came before, a fresh call on a new line is found with its argument.
        const after = `${text}\n0 + size(a, b`;
        expect(callAt(after, after.length)).toEqual({ name: "size", method: false, argument: 1 });
      }),
      { numRuns: 500 },
    );
  });
});

