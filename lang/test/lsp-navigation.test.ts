// Hover, go to definition, find references, document symbols and formatting through the
// real server, across the two files of the fixture and into the standard library.
import type { DocumentSymbol, Hover, Location, TextEdit } from "vscode-languageserver/node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { format, SourceFile } from "../src/index.js";
import { DATA, mark, PROJECT, RULES } from "./support/lsp-fixture.js";
import { cursor, startServer, type TestServer } from "./support/lsp-client.js";

let server: TestServer;
beforeAll(async () => {
  server = await startServer(PROJECT);
  await server.open("data.paybill", DATA);
  await server.open("rules.paybill", RULES);
  await server.diagnostics("rules.paybill", 1);
});
afterAll(async () => {
  await server.stop();
});

const at = (file: string, text: string, needle: string, shift = 0, nth = 0) => ({
  textDocument: { uri: server.uri(file) },
  position: cursor(mark(text, needle, shift, nth)).position,
});
const hoverText = async (file: string, text: string, needle: string, shift = 0, nth = 0): Promise<string> => {
  const hover = await server.request<Hover | null>("textDocument/hover", at(file, text, needle, shift, nth));
  const contents = hover?.contents;
  return contents !== undefined && typeof contents === "object" && "value" in contents ? contents.value : "";
};

describe("lsp hover", () => {
  it("a CEL field shows its type and the entity it belongs to", async () => {
    const text = await hoverText("rules.paybill", RULES, "resource.amount", "resource.".length + 2);
    expect(text).toContain("`amount`: `double`");
    expect(text).toContain("field of `Order`");
    expect(text).toContain("`resource.amount`, decimal");
  });

  it("an input field in CEL shows its type", async () => {
    expect(await hoverText("rules.paybill", RULES, "input.reason", 7)).toContain("`reason`: `string`");
  });

  it("a CEL variable shows its type", async () => {
    expect(await hoverText("rules.paybill", RULES, "resource.amount", 1)).toContain("`resource`: `Order`");
  });

  it("a reference to an entity in another file shows its kind, fields and doc comment", async () => {
    const text = await hoverText("rules.paybill", RULES, "Order.id", 1);
    expect(text).toContain("entity Order");
    expect(text).toContain("module `shop`");
    expect(text).toContain("`amount`: decimal");
    expect(text).toContain("A customer's order.");
  });

  it("an entity field declaration shows its type", async () => {
    expect(await hoverText("data.paybill", DATA, "status enum", 2)).toContain("`status`: `enum(open, closed)`");
  });

  it("nothing under the cursor gives no hover", async () => {
    expect(await server.request("textDocument/hover", at("data.paybill", DATA, "\n\n", 1))).toBeNull();
  });
});

describe("lsp definition and references", () => {
  it("goes from a use in one file to the declaration in another", async () => {
    const found = await server.request<Location | null>("textDocument/definition", at("rules.paybill", RULES, "Order(input", 2));
    expect(found?.uri).toBe(server.uri("data.paybill"));
    expect(found?.range.start).toEqual({ line: 3, character: 7 });
  });

  it("goes into the standard library", async () => {
    const text = "package shop\nimport std.isolation.{pooled}\nplan free { price = 0 usd per month, isolation = pooled }\n";
    await server.open("plans.paybill", text);
    const found = await server.request<Location | null>("textDocument/definition", at("plans.paybill", text, "= pooled", 3));
    expect(found?.uri).toMatch(/stdlib\/std\/isolation\.paybill$/);
    await server.connection.sendNotification("textDocument/didClose", { textDocument: { uri: server.uri("plans.paybill") } });
  });

  it("finds every reference across files, with or without the declaration", async () => {
    const params = at("data.paybill", DATA, "Order {", 1);
    const withDecl = await server.request<Location[]>("textDocument/references", { ...params, context: { includeDeclaration: true } });
    const without = await server.request<Location[]>("textDocument/references", { ...params, context: { includeDeclaration: false } });
    expect(withDecl.filter((l) => l.uri === server.uri("data.paybill"))).toHaveLength(1);
    expect(without.every((l) => l.uri === server.uri("rules.paybill"))).toBe(true);
    // `Order.id` and `Order(input.order)`.
    expect(without.map((l) => l.range.start.line).sort()).toEqual([5, 6]);
  });

  it("references of an agent from its use", async () => {
    const found = await server.request<Location[]>("textDocument/references", { ...at("rules.paybill", RULES, "bot to", 1), context: { includeDeclaration: true } });
    expect(found.map((l) => l.range.start.line).sort()).toEqual([10, 2].sort());
  });
});

describe("lsp document symbols and formatting", () => {
  it("outlines declarations with their fields and rules", async () => {
    const symbols = await server.request<DocumentSymbol[]>("textDocument/documentSymbol", { textDocument: { uri: server.uri("rules.paybill") } });
    expect(symbols.map((s) => s.name)).toEqual(["bot", "close_order", "bot_closes"]);
    expect(symbols[1]?.children?.map((c) => c.name)).toEqual(["order", "reason"]);
    expect(symbols[2]?.children?.map((c) => c.name)).toEqual(["permit"]);
    const data = await server.request<DocumentSymbol[]>("textDocument/documentSymbol", { textDocument: { uri: server.uri("data.paybill") } });
    expect(data[0]?.children?.map((c) => c.name)).toEqual(["id", "amount", "status"]);
  });

  it("formats as paybillc fmt does, and leaves a broken file alone", async () => {
    const messy = "package shop\nagent   helper {roles=[support]}\n";
    await server.open("messy.paybill", messy);
    const edits = await server.request<TextEdit[]>("textDocument/formatting", { textDocument: { uri: server.uri("messy.paybill") }, options: { tabSize: 2, insertSpaces: true } });
    const expected = format(new SourceFile("messy.paybill", messy));
    expect(expected.ok).toBe(true);
    expect(edits).toHaveLength(1);
    expect(edits[0]?.newText).toBe(expected.ok ? expected.text : "");
    await server.replace("messy.paybill", "package shop\nagent helper {");
    const none = await server.request<TextEdit[]>("textDocument/formatting", { textDocument: { uri: server.uri("messy.paybill") }, options: { tabSize: 2, insertSpaces: true } });
    expect(none).toEqual([]);
  });
});
