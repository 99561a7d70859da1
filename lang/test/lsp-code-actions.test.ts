// Quick fixes through the real server: a did-you-mean applied, a missing import added, a missing declaration started.
import type { CodeAction, Diagnostic, Range } from "vscode-languageserver/node";
import { afterEach, describe, expect, it } from "vitest";
import { startServer, type TestServer } from "./support/lsp-client.js";

let server: TestServer | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

const PLANS = "package shop\nimport std.isolation.{pooled}\nplan free { price = 0, isolation = pooled }\nplan enterprise { price = custom, isolation = pooled }\n";

/** `text` with `edits` applied (the ranges of one file, applied from the last). */
function apply(text: string, edits: readonly { range: Range; newText: string }[]): string {
  const lines = text.split("\n");
  const offset = (p: { line: number; character: number }): number => lines.slice(0, p.line).reduce((n, l) => n + l.length + 1, 0) + p.character;
  let out = text;
  for (const e of [...edits].sort((a, b) => offset(b.range.start) - offset(a.range.start))) out = out.slice(0, offset(e.range.start)) + e.newText + out.slice(offset(e.range.end));
  return out;
}

async function fixes(s: TestServer, file: string, text: string): Promise<{ diagnostics: Diagnostic[]; actions: CodeAction[] }> {
  const { uri, version } = await s.open(file, text);
  const diagnostics = await s.diagnostics(file, version);
  const whole = { start: { line: 0, character: 0 }, end: { line: text.split("\n").length, character: 0 } };
  const actions = await s.request<CodeAction[]>("textDocument/codeAction", { textDocument: { uri }, range: whole, context: { diagnostics } });
  return { diagnostics, actions };
}

describe("lsp code actions", () => {
  it("applies each did-you-mean: a misspelt variable, field and plan name; the result checks clean", async () => {
    server = await startServer({ "plans.paybill": PLANS });
    const rules = 'package shop\nagent bot {}\naction refund { input { amount: decimal } }\npolicy big { permit bot to refund when inputs.amount > 1.0 && input.amonut < 9.0 && tenant.plan == "enterprsie" }\n';
    const { diagnostics, actions } = await fixes(server, "rules.paybill", rules);
    expect(diagnostics.map((d) => d.code).sort()).toEqual(["PB3003", "PB3010", "PB3011"]);
    expect(actions.map((a) => a.title).sort()).toEqual(["Change to `amount`", "Change to `enterprise`", "Change to `input`"]);
    const uri = server.uri("rules.paybill");
    const fixed = apply(rules, actions.flatMap((a) => a.edit?.changes?.[uri] ?? []));
    expect(fixed).toContain('input.amount > 1.0 && input.amount < 9.0 && tenant.plan == "enterprise"');
    const version = await server.replace("rules.paybill", fixed);
    expect(await server.diagnostics("rules.paybill", version)).toEqual([]);
  });

  it("adds a missing import after the file's imports, and starts a missing declaration", async () => {
    server = await startServer({ "plans.paybill": PLANS, "agents.paybill": "package people\nagent helper {}\n" });
    const rules = "package shop\nimport std.isolation.{pooled}\naction go {}\npolicy p { permit helper to go }\npolicy q { permit nobody to go }\n";
    const { actions } = await fixes(server, "rules.paybill", rules);
    const uri = server.uri("rules.paybill");
    const add = actions.find((a) => a.title === "Add `import people.{helper}`");
    const declare = actions.find((a) => a.title === "Declare `agent nobody`");
    expect([add?.kind, declare?.kind]).toEqual(["quickfix", "quickfix"]);
    const fixed = apply(rules, [...(add?.edit?.changes?.[uri] ?? []), ...(declare?.edit?.changes?.[uri] ?? [])]);
    expect(fixed).toBe("package shop\nimport std.isolation.{pooled}\nimport people.{helper}\naction go {}\npolicy p { permit helper to go }\npolicy q { permit nobody to go }\n\nagent nobody {\n}\n");
    const version = await server.replace("rules.paybill", fixed);
    expect((await server.diagnostics("rules.paybill", version)).filter((d) => d.severity === 1)).toEqual([]);
  });
});
