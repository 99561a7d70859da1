// Provenance in the language: `@untrusted` on entity text fields, `untrusted()` typed in
// conditions only, and the language server's hover and completion for both.
import type { CompletionItem, Hover } from "vscode-languageserver/node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkProject, SourceFile } from "../src/index.js";
import { mark } from "./support/lsp-fixture.js";
import { cursor, startServer, type TestServer } from "./support/lsp-client.js";

const BANK = `agent bot {}
entity Txn {
  id      uuid @id
  subject string(max: 500) @untrusted
  tags    list(string, max: 5) @untrusted
  amount  int
}
action read_txn {
  input { txn: Txn.id }
  effect read Txn(input.txn)
}
action send_money {
  input { recipient: string, amount: int, items: list(string, max: 3) }
}
policy payments {
  permit bot to read_txn, send_money
  forbid bot to send_money when untrusted(input.recipient) || untrusted(input.amount)
}
workflow banking {
  agent = bot
  start open
  state open { allow read_txn, send_money next done }
  state done { final }
}
`;

const codes = (text: string): string[] => checkProject([new SourceFile("bank.paybill", text)]).diagnostics.map((d) => `${d.code} ${d.message}`);

describe("the checker", () => {
  it("accepts @untrusted on string and list(string) fields and untrusted() of a string or a number in a condition", () => {
    expect(codes(BANK)).toEqual([]);
  });

  it("refuses @untrusted on a field without text (PB4110)", () => {
    expect(codes(BANK.replace("amount  int", "amount  int @untrusted"))).toEqual(["PB4110 field `amount` holds no text, so `@untrusted` cannot apply to it"]);
  });

  it("types untrusted(): a scalar argument, a bool result", () => {
    expect(codes(BANK.replace("untrusted(input.amount)", "untrusted(input.items)")).map((c) => c.slice(0, 6))).toEqual(["PB3004"]);
    expect(codes(BANK.replace("untrusted(input.amount)", "untrusted(input.amount) + 1 > 2")).map((c) => c.slice(0, 6))).toEqual(["PB3002"]);
  });

  it("refuses untrusted() outside a condition (PB4111) and warns where no run takes the action (PB4112)", () => {
    const effect = BANK.replace("action send_money {\n  input { recipient: string, amount: int, items: list(string, max: 3) }\n}", "action send_money {\n  input { recipient: string, amount: int, items: list(string, max: 3) }\n  effect read Txn(untrusted(input.recipient) ? input.recipient : input.recipient)\n}");
    expect(codes(effect).map((c) => c.slice(0, 6))).toContain("PB4111");
    const noRun = BANK.replace("allow read_txn, send_money", "allow read_txn");
    expect(codes(noRun)).toContainEqual(expect.stringMatching(/^PB4112 .*no workflow state allows `send_money`.*this forbid denies every call/));
    // A workflow allowing `any action` might take it in a run: no warning.
    expect(codes(noRun.replace("allow read_txn", "allow any action")).filter((c) => c.startsWith("PB4112"))).toEqual([]);
  });
});

describe("the language server", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({ "bank.paybill": BANK });
    const { version } = await server.open("bank.paybill", BANK);
    await server.diagnostics("bank.paybill", version);
  });
  afterAll(async () => {
    await server.stop();
  });
  const position = (needle: string, shift: number) => ({ textDocument: { uri: server.uri("bank.paybill") }, position: cursor(mark(BANK, needle, shift)).position });
  const hover = async (needle: string, shift: number): Promise<string> => {
    const found = await server.request<Hover | null>("textDocument/hover", position(needle, shift));
    const contents = found?.contents;
    return contents !== undefined && typeof contents === "object" && "value" in contents ? contents.value : "";
  };

  it("hovers untrusted() with its type and meaning, and an @untrusted field with its mark", async () => {
    const text = await hover("untrusted(input.recipient)", 2);
    expect(text).toContain("`untrusted()`: `bool`");
    expect(text).toContain("in this workflow run");
    expect(await hover("subject string", 1)).toContain("(untrusted: a read in a run records its value");
  });

  it("completes untrusted in a condition", async () => {
    const result = await server.request<CompletionItem[] | { items: CompletionItem[] }>("textDocument/completion", position("untrusted(input.recipient)", 0));
    const items = Array.isArray(result) ? result : result.items;
    expect(items.find((i) => i.label === "untrusted")).toMatchObject({ detail: "untrusted(value) -> bool" });
  });
});
