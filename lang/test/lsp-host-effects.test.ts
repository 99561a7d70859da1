// The language server on host effects and list reads: hover on `host`, `many`, `where` and
// `limit` says what they mean, `row.<field>` in a list read's `where` shows the field's type,
// and completion inside an action offers the new keywords.
import type { CompletionItem, Hover } from "vscode-languageserver/node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mark } from "./support/lsp-fixture.js";
import { cursor, startServer, type TestServer } from "./support/lsp-client.js";

const FILE = `entity Payment {
  id     uuid @id
  payee  string(max: 34)
  amount decimal
}

action send_money {
  input { iban: string(max: 34), amount: decimal }
  effect host
}

action recent {
  input { payee: string(max: 34) }
  effect read many Payment where row.payee == input.payee limit 20
}
`;

let server: TestServer;
beforeAll(async () => {
  server = await startServer({ "pay.paybill": FILE });
  const { version } = await server.open("pay.paybill", FILE);
  await server.diagnostics("pay.paybill", version);
});
afterAll(async () => {
  await server.stop();
});

const hoverText = async (needle: string, shift: number): Promise<string> => {
  const hover = await server.request<Hover | null>("textDocument/hover", { textDocument: { uri: server.uri("pay.paybill") }, position: cursor(mark(FILE, needle, shift)).position });
  const contents = hover?.contents;
  return contents !== undefined && typeof contents === "object" && "value" in contents ? contents.value : "";
};

describe("lsp on host effects and list reads", () => {
  it("hover on the keywords says what they mean", async () => {
    expect(await hoverText("effect host", "effect ".length + 1)).toContain("the host performs this action");
    expect(await hoverText("read many", "read ".length + 1)).toContain("bounded list read");
    expect(await hoverText("limit 20", 2)).toContain("1 to 100");
    expect(await hoverText("where row", 2)).toContain("run as SQL");
  });

  it("`row.<field>` in `where` shows the field's type", async () => {
    const text = await hoverText("row.payee", "row.".length + 1);
    expect(text).toContain("`payee`: `string`");
  });

  it("completion inside an action offers `host`, `many`, `where` and `limit`", async () => {
    const marked = mark(FILE, "  effect host", 2);
    const { text, position } = cursor(marked);
    const version = await server.replace("pay.paybill", text);
    await server.diagnostics("pay.paybill", version);
    const result = await server.request<CompletionItem[] | { items: CompletionItem[] }>("textDocument/completion", { textDocument: { uri: server.uri("pay.paybill") }, position });
    const labels = (Array.isArray(result) ? result : result.items).map((i) => i.label);
    expect(labels).toEqual(expect.arrayContaining(["host", "many", "where", "limit"]));
  });
});
