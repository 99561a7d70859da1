// The language server on `next … by agent when …`: completion offers the guard's variables
// (`tenant`, `context` only) and the edge keywords; hover types a guard's fields.
import type { CompletionItem, Hover } from "vscode-languageserver/node";
import { afterEach, describe, expect, it } from "vitest";
import { cursor, startServer, type TestServer } from "./support/lsp-client.js";

const FLOW = `agent bot { runs = required }
action look { input { n: int } }
policy p { permit bot to look }
workflow w {
  agent = bot
  start a
  state a { allow look next b by agent when context.budget.steps > 1 }
  state b { final }
}
`;

let server: TestServer | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

describe("lsp on workflow edges", () => {
  it("completes a guard with tenant and context only, and knows by, host and when", async () => {
    server = await startServer({ "flow.paybill": FLOW });
    const marked = FLOW.replace("when context.budget.steps > 1", "when ‸");
    const typed = cursor(marked);
    const { uri } = await server.open("flow.paybill", typed.text);
    const items = await server.request<CompletionItem[]>("textDocument/completion", { textDocument: { uri }, position: typed.position });
    const variables = items.filter((i) => i.detail === "CEL variable").map((i) => i.label);
    expect(variables.sort()).toEqual(["context", "tenant"]);
    expect(items.map((i) => i.label)).toEqual(expect.arrayContaining(["by", "host", "when"]));
  });

  it("hovers a guard's field with its type", async () => {
    server = await startServer({ "flow.paybill": FLOW });
    const typed = cursor(FLOW.replace("budget.steps", "budget.st‸eps"));
    const { uri, version } = await server.open("flow.paybill", typed.text);
    await server.diagnostics("flow.paybill", version);
    const hover = await server.request<Hover>("textDocument/hover", { textDocument: { uri }, position: typed.position });
    expect(JSON.stringify(hover.contents)).toContain("`steps`: `int`");
  });
});
