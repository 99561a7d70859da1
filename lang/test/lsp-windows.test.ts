// Totals over windows in the language server: hover on `total(…)` says what it counts and
// its type; completion in a policy condition offers `total` and `count`.
import type { CompletionItem, Hover } from "vscode-languageserver/node";
import { afterEach, describe, expect, it } from "vitest";
import { mark } from "./support/lsp-fixture.js";
import { cursor, startServer, type TestServer } from "./support/lsp-client.js";

const PAY = `agent bot {}

action send_money {
  input { recipient: string(max: 100), amount: money }
}

policy limits {
  permit bot to send_money when total(send_money.amount, per day) + input.amount <= 2000.0 && count(send_money, per hour) < 5
}
`;

let server: TestServer | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

describe("lsp and totals over windows", () => {
  it("hover on `total` and `count` gives the window, its type and what it counts", async () => {
    server = await startServer({ "pay.paybill": PAY });
    const { version } = await server.open("pay.paybill", PAY);
    await server.diagnostics("pay.paybill", version);
    const hover = async (needle: string): Promise<string> => {
      const position = cursor(mark(PAY, needle, 1)).position;
      const result = await server?.request<Hover | null>("textDocument/hover", { textDocument: { uri: server.uri("pay.paybill") }, position });
      const contents = result?.contents;
      return contents !== undefined && typeof contents === "object" && "value" in contents ? contents.value : "";
    };
    expect(await hover("total(")).toBe("`total(send_money.amount, per day)`: `double`\n\nthe sum of `amount` over the tenant's performed `send_money` acts in the current UTC day");
    expect(await hover("count(")).toBe("`count(send_money, per hour)`: `int`\n\nthe number of the tenant's performed `send_money` acts in the current UTC hour");
  });

  it("completion in a policy condition offers `total` and `count`", async () => {
    server = await startServer({ "pay.paybill": PAY });
    const marked = mark(PAY, "total(");
    const typed = cursor(marked);
    const { uri, version } = await server.open("pay.paybill", typed.text);
    await server.diagnostics("pay.paybill", version);
    const result = await server.request<CompletionItem[] | { items: CompletionItem[] }>("textDocument/completion", { textDocument: { uri }, position: typed.position });
    const items = Array.isArray(result) ? result : result.items;
    expect(items.find((i) => i.label === "total")).toMatchObject({ detail: "total(action.field, per day)" });
    expect(items.find((i) => i.label === "count")).toMatchObject({ detail: "count(action, per hour)" });
  });
});
