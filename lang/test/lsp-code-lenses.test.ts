// Code lenses over stdio: "▶ run test" on each test and "explain" on each `do` step, whose
// commands' arguments run as printed by `paybillc test --filter` and `paybillc explain
// --request` (what the VS Code extension does with them).
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { PAYBILLC, startServer, type TestServer } from "./support/lsp-client.js";

let server: TestServer | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

const HELPDESK = fileURLToPath(new URL("../../examples/helpdesk/", import.meta.url));

interface Lens {
  range: { start: { line: number } };
  command: { title: string; command: string; arguments: [{ project: string; test?: string; request?: Record<string, unknown> }] };
}

describe("lsp code lenses", () => {
  it("runs a test and explains a step, with commands that run as given", async () => {
    const files = Object.fromEntries(readdirSync(HELPDESK).filter((f) => f.endsWith(".paybill")).map((f) => [f, readFileSync(join(HELPDESK, f), "utf8")]));
    server = await startServer(files);
    expect(await server.diagnostics("tests.paybill")).toEqual([]);
    const lenses = await server.request<Lens[]>("textDocument/codeLens", { textDocument: { uri: server.uri("tests.paybill") } });
    const lines = (files["tests.paybill"] ?? "").split("\n");
    const tests = lines.filter((l) => l.startsWith("test ")).length;
    const steps = lines.filter((l) => /^\s+do /.test(l)).length;
    expect(lenses.filter((l) => l.command.command === "paybill.runTest")).toHaveLength(tests);
    expect(lenses.filter((l) => l.command.command === "paybill.explain")).toHaveLength(steps);
    const [run, explain] = lenses;
    expect(run?.command.title).toBe("▶ run test");
    expect(run?.command.arguments).toEqual([{ project: server.folder, test: "support closes an open ticket" }]);
    expect(run?.range.start.line).toBe(lines.findIndex((l) => l.startsWith('test "support closes')));
    expect(explain?.command.arguments).toEqual([
      {
        project: server.folder,
        request: { agent: "support_bot", action: "close_ticket", tenant: "globex", input: { ticket: "t-1", reason: "answered" },
          resource: { id: "t-1", status: "open", priority: 3 },
          workflow: { name: "resolve_ticket", state: "resolve" } },
      },
    ]);
    // The commands the extension runs for them.
    const tested = spawnSync(process.execPath, [PAYBILLC, "test", run?.command.arguments[0].project ?? "", "--filter", run?.command.arguments[0].test ?? ""], { encoding: "utf8" });
    expect(tested.status, tested.stderr).toBe(0);
    expect(tested.stdout).toContain("support closes an open ticket");
    const requestFile = join(server.folder, "request.json");
    writeFileSync(requestFile, JSON.stringify(explain?.command.arguments[0].request));
    const explained = spawnSync(process.execPath, [PAYBILLC, "explain", explain?.command.arguments[0].project ?? "", "--request", requestFile], { encoding: "utf8" });
    expect(explained.stderr).toBe("");
    // Decided for that agent, action and tenant (the test's `t-1` is a test-run name, not the
    // uuid the action's input wants, so outside the test runner the decision is a deny that says so).
    expect(explained.stdout).toMatch(/^(allow|deny): support_bot may (not )?close_ticket for tenant globex\n/);
  });
});
