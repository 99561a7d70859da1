// The VS Code extension's static parts: the manifest points at files that exist and at the
// `paybill` language, and every grammar rule is a valid regular expression that scopes
// the words it is meant for (keywords, CEL variables, fields, strings, comments).
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { lensCommandLine } from "../editors/vscode/src/lens-commands.mjs";
import { serverCommand } from "../editors/vscode/src/server-command.mjs";

const DIR = fileURLToPath(new URL("../editors/vscode/", import.meta.url));
const manifest = JSON.parse(readFileSync(join(DIR, "package.json"), "utf8"));
const grammar = JSON.parse(readFileSync(join(DIR, "syntaxes/paybill.tmLanguage.json"), "utf8"));

interface Rule {
  match?: string;
  begin?: string;
  end?: string;
  name?: string;
  patterns?: Rule[];
  captures?: Record<string, { name: string }>;
}

function* rules(rule: Rule): Generator<Rule> {
  yield rule;
  for (const child of rule.patterns ?? []) yield* rules(child);
}
const all: Rule[] = [...rules(grammar), ...Object.values(grammar.repository as Record<string, Rule>).flatMap((r) => [...rules(r)])];

/** The scope names the grammar's flat rules give the words of one line (first match wins at each position). */
function scopes(line: string): Map<string, string> {
  const found = new Map<string, string>();
  const order = ["comments", "module", "declaration", "annotation", "rule", "keywords", "types", "cel"];
  let rest = line;
  for (const key of order) {
    for (const rule of rules(grammar.repository[key])) {
      if (rule.match === undefined) continue;
      const re = new RegExp(rule.match, "g");
      for (const m of rest.matchAll(re)) {
        if (rule.captures !== undefined) {
          for (const [i, c] of Object.entries(rule.captures)) if (m[Number(i)] !== undefined && !found.has(m[Number(i)] as string)) found.set(m[Number(i)] as string, c.name);
        } else if (rule.name !== undefined && !found.has(m[0])) found.set(m[0], rule.name);
        rest = rest.replace(m[0], " ".repeat(m[0].length));
      }
    }
  }
  return found;
}

describe("vscode extension", () => {
  it("the manifest declares the language, its configuration and grammar, and a bundled entry", () => {
    expect(manifest.contributes.languages[0].id).toBe("paybill");
    expect(manifest.contributes.languages[0].extensions).toEqual([".paybill"]);
    expect(existsSync(join(DIR, manifest.contributes.languages[0].configuration))).toBe(true);
    expect(existsSync(join(DIR, manifest.contributes.grammars[0].path))).toBe(true);
    expect(manifest.contributes.grammars[0].scopeName).toBe(grammar.scopeName);
    expect(manifest.main).toBe("./dist/extension.js");
    expect(existsSync(join(DIR, "src/extension.ts"))).toBe(true);
  });

  it("every grammar rule compiles", () => {
    expect(all.length).toBeGreaterThan(20);
    for (const rule of all) for (const source of [rule.match, rule.begin, rule.end]) if (source !== undefined) expect(() => new RegExp(source)).not.toThrow();
  });

  it("scopes declarations, keywords and CEL", () => {
    const policy = scopes("policy bot_closes {");
    expect(policy.get("policy")).toMatch(/^storage\.type/);
    expect(policy.get("bot_closes")).toMatch(/^entity\.name/);
    const rule = scopes("  permit bot to close_order when resource.amount < 100.0 && size(input.reason) > 0");
    expect(rule.get("permit")).toMatch(/^keyword\.control/);
    expect(rule.get("when")).toMatch(/^keyword\.control/);
    expect(rule.get("resource")).toBe("variable.language.paybill");
    expect(rule.get("amount")).toBe("variable.other.property.paybill");
    expect(rule.get("size")).toBe("entity.name.function.paybill");
    expect(rule.get("100.0")).toBe("constant.numeric.paybill");
    expect(rule.get("&&")).toBe("keyword.operator.paybill");
    expect(scopes("  email string @pii // contact").get("@pii")).toBe("storage.modifier.annotation.paybill");
    expect(scopes("// a comment").get("// a comment")).toBe("comment.line.double-slash.paybill");
    // `untrusted` is a keyword only in a test's `given untrusted "…"`; in a condition it is a function.
    expect(scopes('  given untrusted "Pay DE44"').get("untrusted")).toBe("keyword.other.paybill");
    expect(scopes("  forbid bot to pay when untrusted(input.recipient)").get("untrusted")).toBe("entity.name.function.paybill");
  });

  it("declares a restart command and registers it", () => {
    expect(manifest.contributes.commands).toEqual([{ command: "paybill.restartServer", title: "Restart Language Server", category: "Paybill" }]);
    expect(readFileSync(join(DIR, "src/extension.ts"), "utf8")).toContain('registerCommand("paybill.restartServer"');
  });

  it("runs the code lenses' commands in a terminal with the server's paybillc", () => {
    const server = { command: "/w/node_modules/.bin/paybillc", args: ["lsp"], shell: false };
    expect(lensCommandLine(server, "paybill.runTest", { project: "/w", test: "support closes an open ticket" }, "", "linux")).toBe(
      "/w/node_modules/.bin/paybillc test /w --filter 'support closes an open ticket'",
    );
    expect(lensCommandLine(server, "paybill.runTest", { project: "/w", test: "it's" }, "", "linux")).toBe("/w/node_modules/.bin/paybillc test /w --filter 'it'\\''s'");
    expect(lensCommandLine({ command: "paybillc", args: ["--x", "lsp"], shell: true }, "paybill.explain", { project: "C:/my w", request: {} }, "C:/t/request.json", "win32")).toBe(
      'paybillc --x explain "C:/my w" --request C:/t/request.json',
    );
    const source = readFileSync(join(DIR, "src/extension.ts"), "utf8");
    expect(source).toContain('registerCommand("paybill.runTest"');
    expect(source).toContain('registerCommand("paybill.explain"');
  });

  it("scopes `forbid` as a keyword, never as deprecated", () => {
    expect(scopes("  forbid bot to pay").get("forbid")).toBe("keyword.control.forbid.paybill");
    expect(JSON.stringify(grammar)).not.toContain("deprecated");
  });

  it("starts the workspace's paybillc, through a shell on Windows (npm's paybillc.cmd)", () => {
    const base = { configured: "", args: [], join: (...p: string[]) => p.join("/") };
    const none = () => false;
    const all = () => true;
    expect(serverCommand({ ...base, folder: "/w", platform: "linux", exists: all })).toEqual({ command: "/w/node_modules/.bin/paybillc", args: ["lsp"], shell: false });
    expect(serverCommand({ ...base, folder: "C:/w", platform: "win32", exists: all })).toEqual({ command: "C:/w/node_modules/.bin/paybillc.cmd", args: ["lsp"], shell: true });
    expect(serverCommand({ ...base, folder: "C:/w", platform: "win32", exists: none })).toEqual({ command: "paybillc", args: ["lsp"], shell: true });
    expect(serverCommand({ ...base, folder: undefined, platform: "darwin", exists: none })).toEqual({ command: "paybillc", args: ["lsp"], shell: false });
    expect(serverCommand({ ...base, configured: "node", args: ["/x/paybillc.js"], folder: "C:/w", platform: "win32", exists: all })).toEqual({ command: "node", args: ["/x/paybillc.js", "lsp"], shell: false });
  });
});
