// The language server on `require approval from G` rules and `group` declarations: hover on
// the rule's words and on the group's name, definition of the group, completion of the new
// keywords and of group names, and the checker's PB2002 for an unknown group, live.
import type { CompletionItem, Hover, Location } from "vscode-languageserver/node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mark } from "./support/lsp-fixture.js";
import { cursor, startServer, type TestServer } from "./support/lsp-client.js";

const BANK = `agent assistant { roles = [payments] }

// The person who owns the account.
group account_holder {}

action send_money {
  input { recipient: string(max: 100), amount: int }
}

policy payments {
  permit role payments to send_money
  require approval from account_holder to send_money when input.amount > 100 timeout 24h
}
`;

let server: TestServer;
beforeAll(async () => {
  server = await startServer({ "bank.paybill": BANK });
  const { version } = await server.open("bank.paybill", BANK);
  await server.diagnostics("bank.paybill", version);
});
afterAll(async () => {
  await server.stop();
});

const at = (needle: string, shift = 0, nth = 0) => ({ textDocument: { uri: server.uri("bank.paybill") }, position: cursor(mark(BANK, needle, shift, nth)).position });
const hoverText = async (needle: string, shift = 0, nth = 0): Promise<string> => {
  const hover = await server.request<Hover | null>("textDocument/hover", at(needle, shift, nth));
  const contents = hover?.contents;
  return typeof contents === "object" && contents !== null && "value" in contents ? contents.value : "";
};

describe("lsp on approval rules", () => {
  it("hovers the rule's words with what it does, and the group's name as a declared group", async () => {
    expect(await hoverText("require approval", 2)).toContain("never permits");
    expect(await hoverText("timeout 24h", 2)).toContain("expires");
    const group = await hoverText("account_holder to", 3);
    expect(group).toContain("account_holder");
    expect(group).toContain("The person who owns the account.");
  });

  it("goes to the group's declaration from the rule", async () => {
    const found = await server.request<Location | Location[] | null>("textDocument/definition", at("account_holder to", 3));
    const location = Array.isArray(found) ? found[0] : found;
    expect(location?.range.start.line).toBe(3);
  });

  it("completes the rule's keywords in a policy, and group names", async () => {
    const marked = BANK.replace("permit role payments to send_money\n", "permit role payments to send_money\n  ‸\n");
    const typed = cursor(marked);
    const version = await server.replace("bank.paybill", typed.text);
    await server.diagnostics("bank.paybill", version);
    const result = await server.request<CompletionItem[] | { items: CompletionItem[] }>("textDocument/completion", {
      textDocument: { uri: server.uri("bank.paybill") },
      position: typed.position,
    });
    const labels = (Array.isArray(result) ? result : result.items).map((i) => i.label);
    expect(labels).toEqual(expect.arrayContaining(["require", "approval", "timeout", "account_holder"]));
    await server.replace("bank.paybill", BANK);
  });

  it("reports an unknown group with the nearest declared one", async () => {
    const version = await server.replace("bank.paybill", BANK.replace("from account_holder", "from account_holdr"));
    const diagnostics = await server.diagnostics("bank.paybill", version);
    expect(diagnostics.map((d) => `${d.code} ${d.message}`)).toContainEqual(expect.stringContaining("PB2002 no approval group is called `account_holdr`"));
    await server.replace("bank.paybill", BANK);
  });
});
