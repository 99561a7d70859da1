// Hover and completion for constants and lookups (issue 15, part 4a) through the real
// server: a constant's type and value at its declaration and where a condition names it
// (plainly and as `alias.name`), what `exists(…)` does, and completion offering constants
// (with their types), a module's constants after `alias.`, and `exists` in a policy condition.
import type { CompletionItem, Hover } from "vscode-languageserver/node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mark } from "./support/lsp-fixture.js";
import { cursor, startServer, type TestServer } from "./support/lsp-client.js";

const LIMITS = `package limits

const max_transfer = 2000.0
`;

const PAY = `package pay

import limits as lim

// Recipients never paid.
const blocked = ["FR7630006000011234567890189", "NL91ABNA0417164300"]

entity Payee {
  id    uuid @id
  iban  string(max: 34) @unique
}

agent assistant { roles = [banking] }

action send_money {
  input { recipient: string(max: 34), amount: decimal }
}

policy payments {
  permit assistant to send_money when exists(Payee, p, p.iban == input.recipient) && input.amount <= lim.max_transfer
  forbid assistant to send_money when input.recipient in blocked
}
`;

let server: TestServer;
beforeAll(async () => {
  server = await startServer({ "limits.paybill": LIMITS, "pay.paybill": PAY });
  await server.open("limits.paybill", LIMITS);
  const { version } = await server.open("pay.paybill", PAY);
  await server.diagnostics("pay.paybill", version);
});
afterAll(async () => {
  await server.stop();
});

const position = (needle: string, shift = 0, nth = 0) => cursor(mark(PAY, needle, shift, nth)).position;
const hoverText = async (needle: string, shift = 0, nth = 0): Promise<string> => {
  const hover = await server.request<Hover | null>("textDocument/hover", { textDocument: { uri: server.uri("pay.paybill") }, position: position(needle, shift, nth) });
  const contents = hover?.contents;
  return contents !== undefined && typeof contents === "object" && "value" in contents ? contents.value : "";
};

describe("lsp hover on constants and lookups", () => {
  it("a constant named in a condition shows its type and value", async () => {
    const text = await hoverText("in blocked", 4);
    expect(text).toContain('const blocked: list(string) = ["FR7630006000011234567890189", "NL91ABNA0417164300"]');
  });

  it("a constant of an imported module, named `alias.name`, shows its type and value", async () => {
    expect(await hoverText("lim.max_transfer", 6)).toContain("const max_transfer: double = 2000.0");
  });

  it("a constant's declaration shows its type, value and doc comment", async () => {
    const text = await hoverText("const blocked", 7);
    expect(text).toContain("const blocked: list(string) = [");
    expect(text).toContain("Recipients never paid.");
  });

  it("`exists(…)` says it is a lookup of the entity's rows in the tenant, on the fields compared", async () => {
    const text = await hoverText("exists(Payee", 2);
    expect(text).toContain("a lookup");
    expect(text).toContain("a row of `Payee` in the request's tenant has `iban` = `input.recipient`");
  });
});

describe("lsp completion of constants and lookups", () => {
  const complete = async (text: string): Promise<CompletionItem[]> => {
    const typed = cursor(text);
    const version = await server.replace("pay.paybill", typed.text);
    await server.diagnostics("pay.paybill", version);
    const result = await server.request<CompletionItem[] | { items: CompletionItem[] }>("textDocument/completion", { textDocument: { uri: server.uri("pay.paybill") }, position: typed.position });
    return Array.isArray(result) ? result : result.items;
  };

  it("offers the constants (with their types) and `exists` in a policy condition", async () => {
    const items = await complete(PAY.replace("input.recipient in blocked", "input.recipient in ‸"));
    const blocked = items.find((i) => i.label === "blocked");
    expect(blocked?.detail).toBe("const: list(string)");
    expect(items.find((i) => i.label === "exists")?.detail).toContain("exists(Entity, row");
  });

  it("offers an imported module's constants after `alias.`", async () => {
    const items = await complete(PAY.replace("input.amount <= lim.max_transfer", "input.amount <= lim.‸"));
    expect(items.map((i) => [i.label, i.detail])).toEqual([["max_transfer", "const: double"]]);
  });

  it("offers `const` at the top level", async () => {
    const items = await complete(`${PAY}\n‸`);
    expect(items.map((i) => i.label)).toContain("const");
  });
});
