// Completion, rename and semantic tokens through the real server.
import type { CompletionItem, Range, SemanticTokens, WorkspaceEdit } from "vscode-languageserver/node";
import { afterEach, describe, expect, it } from "vitest";
import { DATA, mark, PROJECT, RULES } from "./support/lsp-fixture.js";
import { cursor, startServer, type TestServer } from "./support/lsp-client.js";

let server: TestServer | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

/** Opens `clean` (when given) as the user's starting point, then types the marked text. */
async function complete(s: TestServer, file: string, marked: string, clean?: string): Promise<CompletionItem[]> {
  let { uri, position, version } = await s.open(file, clean ?? marked);
  await s.diagnostics(file, version);
  if (clean !== undefined) {
    const typed = cursor(marked);
    version = await s.replace(file, typed.text);
    position = typed.position;
    await s.diagnostics(file, version);
  }
  const result = await s.request<CompletionItem[] | { items: CompletionItem[] }>("textDocument/completion", { textDocument: { uri }, position });
  return Array.isArray(result) ? result : result.items;
}
const labels = (items: CompletionItem[]): string[] => items.map((i) => i.label);

describe("lsp completion", () => {
  it("fields after `resource.` are the entity's, with types and docs", async () => {
    server = await startServer(PROJECT);
    const items = await complete(server, "rules.paybill", mark(RULES, "resource.amount", "resource.".length));
    expect(labels(items).sort()).toEqual(["amount", "id", "status"]);
    expect(items.find((i) => i.label === "status")?.detail).toBe("string");
    expect(items.find((i) => i.label === "amount")?.documentation).toContain("`resource.amount`");
  });

  it("fields after `input.` are the action's input", async () => {
    server = await startServer(PROJECT);
    expect(labels(await complete(server, "rules.paybill", mark(RULES, "input.reason", 6))).sort()).toEqual(["order", "reason"]);
  });

  it("fields after `tenant.` and nested `context.budget.`", async () => {
    server = await startServer(PROJECT);
    const tenant = await complete(server, "rules.paybill", mark(RULES, "resource.amount", "resource.".length).replace("resource.‸amount", "tenant.‸"));
    expect(labels(tenant)).toContain("features");
    expect(labels(tenant)).toContain("plan");
    const budget = await complete(server, "rules.paybill", RULES.replace("resource.amount", "context.budget.‸"));
    expect(labels(budget).sort()).toEqual(["deadline", "steps", "writes"]);
  });

  it("fields after `run.context.` are the workflows' context fields, and `context` is a workflow keyword", async () => {
    const flow = "package shop\n\nworkflow closing {\n  agent = bot\n  context { order: Order.id, limit: decimal }\n  start open\n  state open { allow close_order next done }\n  state done { final }\n}\n";
    server = await startServer({ ...PROJECT, "flow.paybill": flow });
    const fields = await complete(server, "rules.paybill", RULES.replace("resource.amount", "run.context.‸"));
    expect(labels(fields).sort()).toEqual(["limit", "order"]);
    expect(fields.find((i) => i.label === "limit")?.documentation).toContain("`run.context.limit`");
    const keywords = await complete(server, "flow.paybill", flow.replace("  start open", "  ‸\n  start open"), flow);
    expect(labels(keywords)).toContain("context");
  });

  it("while the condition is broken, `resource.` still offers the entity's fields (from the last clean check)", async () => {
    server = await startServer(PROJECT);
    await server.open("rules.paybill", RULES);
    await server.diagnostics("rules.paybill", 1);
    const broken = RULES.replace("resource.amount < 100.0 && input.reason != \"\"", "resource.");
    const v = await server.replace("rules.paybill", broken);
    const diagnostics = await server.diagnostics("rules.paybill", v);
    expect(diagnostics.length).toBeGreaterThan(0);
    const line = broken.split("\n").findIndex((l) => l.includes("resource."));
    const character = (broken.split("\n")[line] ?? "").indexOf("resource.") + "resource.".length;
    const items = await server.request<CompletionItem[]>("textDocument/completion", { textDocument: { uri: server.uri("rules.paybill") }, position: { line, character } });
    expect(labels(items).sort()).toEqual(["amount", "id", "status"]);
  });

  it("keywords of the enclosing declaration and the names the file sees", async () => {
    server = await startServer(PROJECT);
    const items = await complete(server, "rules.paybill", RULES.replace("permit bot to close_order", "permit bot to close_order, ‸"), RULES);
    // In a rule's list of actions: actions and what selects them, not entities or agents (lsp-completion-slots.test.ts).
    expect(labels(items)).toEqual(expect.arrayContaining(["read", "any", "close_order"]));
    expect(labels(items)).not.toContain("expect");
    expect(labels(items)).not.toContain("Order");
    expect(labels(items)).not.toContain("bot");
  });

  it("declaration keywords at the top level", async () => {
    server = await startServer(PROJECT);
    const items = await complete(server, "extra.paybill", "package shop\n‸");
    expect(labels(items)).toEqual(expect.arrayContaining(["entity", "policy", "workflow", "import"]));
    expect(labels(items)).not.toContain("permit");
  });
});

describe("lsp rename", () => {
  it("renames a symbol in every file that uses it", async () => {
    server = await startServer(PROJECT);
    const { position } = await server.open("data.paybill", mark(DATA, "Order {", 2));
    await server.diagnostics("data.paybill", 1);
    const prepared = await server.request<Range>("textDocument/prepareRename", { textDocument: { uri: server.uri("data.paybill") }, position });
    expect(prepared.start).toEqual({ line: 3, character: 7 });
    const edit = await server.request<WorkspaceEdit>("textDocument/rename", { textDocument: { uri: server.uri("data.paybill") }, position, newName: "Purchase" });
    const changes = edit.changes ?? {};
    expect(changes[server.uri("data.paybill")]).toHaveLength(1);
    expect(changes[server.uri("rules.paybill")]).toHaveLength(2);
    // Applied, the project still checks clean.
    const apply = (text: string, edits: { range: Range; newText: string }[]): string => {
      const lines = text.split("\n");
      for (const e of [...edits].sort((a, b) => b.range.start.line - a.range.start.line || b.range.start.character - a.range.start.character)) {
        const line = lines[e.range.start.line] ?? "";
        lines[e.range.start.line] = line.slice(0, e.range.start.character) + e.newText + line.slice(e.range.end.character);
      }
      return lines.join("\n");
    };
    const v1 = await server.replace("data.paybill", apply(DATA, changes[server.uri("data.paybill")] ?? []));
    await server.open("rules.paybill", apply(RULES, changes[server.uri("rules.paybill")] ?? []));
    expect(await server.diagnostics("data.paybill", v1)).toEqual([]);
    expect(await server.diagnostics("rules.paybill", 1)).toEqual([]);
  });

  it("renames a plan in the strings that name it, and reports a string no plan is named (PB3011)", async () => {
    const plans = "package shop\nimport std.isolation.{pooled}\nplan free { price = 0 usd per month, isolation = pooled }\nplan enterprise { price = custom, isolation = pooled }\n";
    const rules = 'package shop\nagent bot {}\naction refund { input { amount: decimal } }\npolicy big { permit bot to refund when tenant.plan == "enterprise" || tenant.plan in ["free", "enterprise"] }\n';
    server = await startServer({ "plans.paybill": plans, "rules.paybill": rules });
    const { position } = await server.open("plans.paybill", mark(plans, "enterprise {", 0));
    await server.diagnostics("plans.paybill", 1);
    const edit = await server.request<WorkspaceEdit>("textDocument/rename", { textDocument: { uri: server.uri("plans.paybill") }, position, newName: "premium" });
    const inRules = edit.changes?.[server.uri("rules.paybill")] ?? [];
    // Both strings, between their quotes; not "free".
    expect(inRules.map((e) => [rules.split("\n")[e.range.start.line]?.slice(e.range.start.character, e.range.end.character), e.newText])).toEqual([
      ["enterprise", "premium"],
      ["enterprise", "premium"],
    ]);
    const typo = await server.open("rules.paybill", rules.replace('== "enterprise"', '== "enterprsie"'));
    const diagnostics = await server.diagnostics("rules.paybill", typo.version);
    expect(diagnostics.map((d) => [d.code, d.message])).toEqual([["PB3011", "`enterprsie` is not a plan of this project, so this comparison never holds\nhelp: did you mean `enterprise`?"]]);
  });

  it("refuses invalid names, reserved words, clashes and standard library names", async () => {
    server = await startServer({ ...PROJECT, "more.paybill": "package shop\nagent helper { roles = [support] }\n" });
    const { position } = await server.open("rules.paybill", mark(RULES, "agent bot", 6));
    await server.diagnostics("rules.paybill", 1);
    const rename = (newName: string) =>
      server?.request("textDocument/rename", { textDocument: { uri: server.uri("rules.paybill") }, position, newName });
    await expect(rename("2bots")).rejects.toThrow(/not a valid name/);
    await expect(rename("import")).rejects.toThrow(/reserved word/);
    await expect(rename("helper")).rejects.toThrow(/agent `helper` already exists/);
    const plans = "package shop\nimport std.isolation.{pooled}\nplan free { price = 0 usd per month, isolation = ‸pooled }\n";
    const opened = await server.open("plans.paybill", plans);
    await server.diagnostics("plans.paybill", 1);
    await expect(server.request("textDocument/prepareRename", { textDocument: { uri: opened.uri }, position: opened.position })).rejects.toThrow(/standard library/);
  });
});

describe("lsp semantic tokens", () => {
  it("marks declarations, references, CEL variables and fields", async () => {
    server = await startServer(PROJECT);
    await server.open("rules.paybill", RULES);
    await server.diagnostics("rules.paybill", 1);
    const init = await server.request<{ data: number[] }>("textDocument/semanticTokens/full", { textDocument: { uri: server.uri("rules.paybill") } });
    const tokens = decode(init, RULES);
    expect(tokens).toContainEqual({ text: "bot", type: "interface", declaration: true });
    expect(tokens).toContainEqual({ text: "Order", type: "struct", declaration: false });
    expect(tokens).toContainEqual({ text: "close_order", type: "function", declaration: false });
    expect(tokens).toContainEqual({ text: "resource", type: "variable", declaration: false });
    expect(tokens).toContainEqual({ text: "amount", type: "property", declaration: false });
    expect(tokens).toContainEqual({ text: "reason", type: "property", declaration: true });
  });
});

const TYPES = ["namespace", "type", "class", "enum", "enumMember", "function", "variable", "property", "event", "struct", "interface", "method"];

function decode(tokens: SemanticTokens, text: string): { text: string; type: string; declaration: boolean }[] {
  const lines = text.split("\n");
  const out: { text: string; type: string; declaration: boolean }[] = [];
  let line = 0;
  let char = 0;
  for (let i = 0; i < tokens.data.length; i += 5) {
    const [dl = 0, dc = 0, len = 0, type = 0, mods = 0] = tokens.data.slice(i, i + 5);
    line += dl;
    char = dl === 0 ? char + dc : dc;
    out.push({ text: (lines[line] ?? "").slice(char, char + len), type: TYPES[type] ?? "?", declaration: (mods & 1) === 1 });
  }
  return out;
}
