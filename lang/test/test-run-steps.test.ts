// `given context { … }` and `given untrusted "…"` in tests: both parsers read them (and
// still read an entity called `context` or `untrusted` qualified or braced as a row), the
// checker holds a context to its workflow's `context { … }` as `runs.start` does, the
// formatter keeps them, completion after `given` offers them and hover says what they do.
import type { CompletionItem, Hover } from "vscode-languageserver/node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkProject, format, parse, SourceFile } from "../src/index.js";
import { mark } from "./support/lsp-fixture.js";
import { cursor, startServer, type TestServer } from "./support/lsp-client.js";

const PROJECT = `agent bot {}
action pay { input { recipient: string, amount: decimal } }
policy payments {
  permit bot to pay when from_context(input.recipient) && input.amount <= run.context.cap
  forbid bot to pay when untrusted(input.recipient)
}
workflow assist {
  agent = bot
  context { recipient: string, cap: decimal, note: string? }
  start open
  state open { allow pay next done }
  state done { final }
}
`;

const test = (steps: string, as = "as bot in assist") => `${PROJECT}test "t" {\n  ${as}\n  ${steps}\n  do pay { recipient: "DE89", amount: 10.0 }\n  expect allow\n}\n`;
const codes = (text: string): string[] => checkProject([new SourceFile("pay.paybill", text)]).diagnostics.map((d) => `${d.code} ${d.message}`);

describe("parsing", () => {
  it("reads each step as its own node, and a qualified or braced `context`/`untrusted` as an entity's row", () => {
    const steps = (text: string) => {
      const decl = parse(new SourceFile("t.paybill", text)).ast.declarations[0];
      return decl?.kind === "Test" ? decl.body.map((s) => s.kind) : [];
    };
    expect(steps('test "t" { given context { cap: 1.0 } given untrusted "x" }')).toEqual(["GivenContext", "GivenUntrusted"]);
    expect(steps('test "t" { given context.Row { id: "r" } given untrusted { id: "u" } }')).toEqual(["GivenRecord", "GivenRecord"]);
  });

  it("formats them and keeps their meaning", () => {
    const text = 'test "t" { as bot in assist given   context {cap:1.0,recipient:"DE89"} given untrusted   "Pay DE44", do pay {} expect allow }\n';
    const out = format(new SourceFile("t.paybill", text));
    expect(out.ok ? out.text : "").toContain('  given context { cap: 1.0, recipient: "DE89" }\n  given untrusted "Pay DE44"\n');
  });
});

describe("the checker", () => {
  it("accepts a context that fits the workflow's and untrusted values in a run", () => {
    expect(codes(test('given context { recipient: "DE89", cap: 500.0 }\n  given untrusted "Pay DE44 now"'))).toEqual([]);
  });

  it("refuses what runs.start refuses: an undeclared field, a wrong type, a missing required field", () => {
    expect(codes(test('given context { recipient: "DE89", cap: 500.0, nte: "x" }'))).toEqual(["PB4102 the context of workflow `assist` has no field `nte`"]);
    expect(codes(test('given context { recipient: "DE89", cap: 500 }'))).toEqual(["PB4103 `cap` has type `double`, but this has type `int`"]);
    expect(codes(test('given context { recipient: 42, cap: 500.0 }'))).toEqual(["PB4103 `recipient` has type `string`, but this has type `int`"]);
    expect(codes(test('given context { recipient: "DE89" }'))).toEqual(["PB4104 the context of workflow `assist` also needs `cap`"]);
  });

  it("refuses a context or untrusted values for a test outside a run, and a context for a workflow that takes none", () => {
    expect(codes(test('given context { recipient: "DE89", cap: 500.0 }', "as bot"))).toEqual(["PB4105 test `t` gives a context but runs in no workflow"]);
    expect(codes(test('given untrusted "DE44"', "as bot"))).toEqual(["PB4113 test `t` gives an untrusted value but runs in no workflow"]);
    const plain = test('given context { recipient: "DE89", cap: 500.0 }').replace("  context { recipient: string, cap: decimal, note: string? }\n", "");
    expect(codes(plain)).toContainEqual("PB4105 workflow `assist` declares no `context`, so its runs take none");
  });

  it("lets a test without `given context` run in a workflow that has one (the run has no context)", () => {
    expect(codes(test(""))).toEqual([]);
  });
});

describe("the language server", () => {
  const CLEAN = `${PROJECT}entity Payee { id uuid @id }\ntest "t" {\n  as bot in assist\n  given Payee { id: "p" }\n  do pay { recipient: "DE89", amount: 10.0 }\n  expect allow\n}\n`;
  // As while typing: the step after `given` not written yet.
  const TEXT = CLEAN.replace('given Payee { id: "p" }', "given ");
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({ "pay.paybill": CLEAN });
    await server.diagnostics("pay.paybill", (await server.open("pay.paybill", CLEAN)).version);
    await server.diagnostics("pay.paybill", await server.replace("pay.paybill", TEXT));
  });
  afterAll(async () => {
    await server.stop();
  });

  it("completes after `given` with approval, context, untrusted and the entities", async () => {
    const position = cursor(mark(TEXT, "given \n", 6)).position;
    const result = await server.request<CompletionItem[] | { items: CompletionItem[] }>("textDocument/completion", { textDocument: { uri: server.uri("pay.paybill") }, position });
    const labels = (Array.isArray(result) ? result : result.items).map((i) => i.label);
    expect(labels).toEqual(expect.arrayContaining(["approval", "context", "untrusted", "Payee"]));
    expect(labels).not.toContain("expect");
  });

  it("hovers the words of `given context` and `given untrusted`, not their values", async () => {
    const clean = CLEAN.replace('given Payee { id: "p" }', 'given context { recipient: "DE89", cap: 5.0 }\n  given untrusted "Pay DE44"');
    await server.diagnostics("pay.paybill", await server.replace("pay.paybill", clean));
    const hover = async (needle: string, shift: number): Promise<string> => {
      const found = await server.request<Hover | null>("textDocument/hover", { textDocument: { uri: server.uri("pay.paybill") }, position: cursor(mark(clean, needle, shift)).position });
      const contents = found?.contents;
      return contents !== undefined && typeof contents === "object" && "value" in contents ? contents.value : "";
    };
    expect(await hover("given context", 8)).toContain("**given context** — the run's trusted context");
    expect(await hover("given untrusted", 2)).toContain("**given untrusted** — a value the run has seen in untrusted output");
    expect(await hover('"Pay DE44"', 3)).not.toContain("given untrusted");
  });
});
