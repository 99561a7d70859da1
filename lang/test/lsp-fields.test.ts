// Entity and input fields as names, over stdio: definition from a CEL read, references
// across files (declaration, CEL reads, an effect's `set`, a test's `given`), and rename of
// all of them (refused when a field beside it has the new name).
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { startServer, type TestServer } from "./support/lsp-client.js";
import { DATA, mark, RULES } from "./support/lsp-fixture.js";

let server: TestServer | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

const TEST = `
test "the bot closes a small order" {
  as bot
  given Order { id: "o-1", amount: 10.0, status: "open" }
  do close_order { order: "o-1", reason: "done" }
  expect allow by bot_closes
}
`;
const WITH_TEST = `${RULES}${TEST}`;

interface Location {
  uri: string;
  range: { start: { line: number; character: number }; end: { line: number; character: number } };
}

const at = (text: string, needle: string, nth = 0): { line: number; character: number } => {
  let offset = -1;
  for (let i = 0; i <= nth; i++) offset = text.indexOf(needle, offset + 1);
  const before = text.slice(0, offset).split("\n");
  return { line: before.length - 1, character: (before.at(-1) ?? "").length };
};

describe("lsp fields", () => {
  it("goes to a field's declaration, finds its uses and renames them all", async () => {
    server = await startServer({ "data.paybill": DATA, "rules.paybill": WITH_TEST });
    expect(await server.diagnostics("data.paybill")).toEqual([]);
    const { uri, position, version } = await server.open("rules.paybill", mark(WITH_TEST, "resource.amount", "resource.am".length));
    expect(await server.diagnostics("rules.paybill", version)).toEqual([]);
    const def = await server.request<Location>("textDocument/definition", { textDocument: { uri }, position });
    expect(def).toEqual({ uri: server.uri("data.paybill"), range: { start: at(DATA, "amount"), end: { ...at(DATA, "amount"), character: at(DATA, "amount").character + 6 } } });

    const refs = await server.request<Location[]>("textDocument/references", { textDocument: { uri }, position, context: { includeDeclaration: true } });
    const where = refs.map((r) => [r.uri === uri ? "rules" : "data", r.range.start]);
    expect(where).toEqual(
      expect.arrayContaining([
        ["data", at(DATA, "amount")],
        ["rules", at(WITH_TEST, "amount", 0)],
        ["rules", at(WITH_TEST, "amount:")],
      ]),
    );
    expect(refs).toHaveLength(3);

    // `status`: the declaration, the effect's `set { status = closed }` and the test's `given`.
    const status = at(WITH_TEST, "status =");
    const statusRefs = await server.request<Location[]>("textDocument/references", { textDocument: { uri }, position: status, context: { includeDeclaration: true } });
    expect(statusRefs.map((r) => [r.uri === uri ? "rules" : "data", r.range.start])).toEqual(
      expect.arrayContaining([
        ["data", at(DATA, "status")],
        ["rules", status],
        ["rules", at(WITH_TEST, "status:")],
      ]),
    );

    const edit = await server.request<{ changes: Record<string, { newText: string; range: Location["range"] }[]> }>("textDocument/rename", {
      textDocument: { uri },
      position,
      newName: "total",
    });
    expect(Object.keys(edit.changes).sort()).toEqual([server.uri("data.paybill"), uri].sort());
    expect(edit.changes[uri]?.map((e) => [e.range.start, e.newText])).toEqual(
      expect.arrayContaining([
        [at(WITH_TEST, "amount", 0), "total"],
        [at(WITH_TEST, "amount:"), "total"],
      ]),
    );
    // Applying it checks clean.
    const apply = (text: string, edits: { newText: string; range: Location["range"] }[]): string => {
      const lines = text.split("\n");
      for (const e of [...edits].sort((a, b) => b.range.start.line - a.range.start.line || b.range.start.character - a.range.start.character)) {
        const line = lines[e.range.start.line] ?? "";
        lines[e.range.start.line] = line.slice(0, e.range.start.character) + e.newText + line.slice(e.range.end.character);
      }
      return lines.join("\n");
    };
    const rules = await server.replace("rules.paybill", apply(WITH_TEST, edit.changes[uri] ?? []));
    await server.open("data.paybill", apply(DATA, edit.changes[server.uri("data.paybill")] ?? []));
    expect(await server.diagnostics("rules.paybill", rules)).toEqual([]);
    expect(await server.diagnostics("data.paybill", 1)).toEqual([]);

    // A name a field beside it has: refused.
    await expect(server.request("textDocument/rename", { textDocument: { uri }, position: at(WITH_TEST, "status ="), newName: "id" })).rejects.toThrow(/already exists/);
  });

  it("a workflow state: its declaration, start, next and the tests' `at`, renamed together", async () => {
    const dir = fileURLToPath(new URL("../../examples/helpdesk/", import.meta.url));
    const files = Object.fromEntries(readdirSync(dir).filter((f) => f.endsWith(".paybill")).map((f) => [f, readFileSync(join(dir, f), "utf8")]));
    server = await startServer(files);
    const workflows = files["workflows.paybill"] ?? "";
    const tests = files["tests.paybill"] ?? "";
    expect(await server.diagnostics("workflows.paybill")).toEqual([]);
    const uri = server.uri("workflows.paybill");
    const declared = at(workflows, "state resolve {");
    const position = { line: declared.line, character: declared.character + "state ".length };
    const refs = await server.request<Location[]>("textDocument/references", { textDocument: { uri }, position, context: { includeDeclaration: true } });
    const inTests = tests.split("\n").filter((l) => l.includes("in resolve_ticket at resolve")).length;
    // Declared once, named by two `next`s in its workflow, and by the tests.
    expect(refs.filter((r) => r.uri === uri)).toHaveLength(3);
    expect(refs.filter((r) => r.uri === server?.uri("tests.paybill"))).toHaveLength(inTests);
    const fromTest = at(tests, "at resolve");
    const def = await server.request<Location>("textDocument/definition", {
      textDocument: { uri: server.uri("tests.paybill") },
      position: { line: fromTest.line, character: fromTest.character + 4 },
    });
    expect(def.uri).toBe(uri);
    expect(def.range.start).toEqual(position);
    const edit = await server.request<{ changes: Record<string, unknown[]> }>("textDocument/rename", { textDocument: { uri }, position, newName: "resolving" });
    expect(edit.changes[uri]).toHaveLength(3);
    expect(edit.changes[server.uri("tests.paybill")]).toHaveLength(inTests);
    await expect(server.request("textDocument/rename", { textDocument: { uri }, position, newName: "done" })).rejects.toThrow(/a state `done` already exists/);
  });

  it("a feature: granted by plans (its definition), required by actions, renamed in all of them", async () => {
    const dir = fileURLToPath(new URL("../../examples/helpdesk/", import.meta.url));
    const files = Object.fromEntries(readdirSync(dir).filter((f) => f.endsWith(".paybill")).map((f) => [f, readFileSync(join(dir, f), "utf8")]));
    server = await startServer(files);
    const agents = files["agents.paybill"] ?? "";
    const plans = files["plans.paybill"] ?? "";
    expect(await server.diagnostics("agents.paybill")).toEqual([]);
    const uri = server.uri("agents.paybill");
    const required = at(agents, "requires feature refunds");
    const position = { line: required.line, character: required.character + "requires feature ".length + 2 };
    const grants = plans.split("\n").filter((l) => /features\s*=.*\brefunds\b/.test(l)).length;
    expect(grants).toBeGreaterThan(1);
    const def = await server.request<Location>("textDocument/definition", { textDocument: { uri }, position });
    expect(def.uri).toBe(server.uri("plans.paybill"));
    expect(def.range.start.line).toBe(plans.split("\n").findIndex((l) => /features\s*=.*\brefunds\b/.test(l)));
    const refs = await server.request<Location[]>("textDocument/references", { textDocument: { uri }, position, context: { includeDeclaration: true } });
    expect(refs.filter((r) => r.uri === server?.uri("plans.paybill"))).toHaveLength(grants);
    expect(refs.filter((r) => r.uri === uri)).toHaveLength(agents.split("\n").filter((l) => /requires feature refunds\b/.test(l)).length);
    const edit = await server.request<{ changes: Record<string, { newText: string }[]> }>("textDocument/rename", { textDocument: { uri }, position, newName: "money_back" });
    expect(edit.changes[server.uri("plans.paybill")]).toHaveLength(grants);
    expect(Object.values(edit.changes).flat().every((e) => e.newText === "money_back")).toBe(true);
    await expect(server.request("textDocument/rename", { textDocument: { uri }, position, newName: "macros" })).rejects.toThrow(/a feature `macros` already exists/);
  });
});
