// The language server's diagnostics over stdio: the same as `checkProject` (so the same as
// `paybillc check`), for files open in the editor and files only on disk, re-checked across
// files after every edit.
import { afterEach, describe, expect, it } from "vitest";
import { checkProject, SourceFile } from "../src/index.js";
import { DATA, PROJECT, RULES } from "./support/lsp-fixture.js";
import { startServer, type TestServer } from "./support/lsp-client.js";

let server: TestServer | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

describe("lsp diagnostics", () => {
  it("a clean project has none, for open files and files on disk alike", async () => {
    server = await startServer(PROJECT);
    expect(await server.diagnostics("data.paybill")).toEqual([]);
    const { version } = await server.open("rules.paybill", RULES);
    expect(await server.diagnostics("rules.paybill", version)).toEqual([]);
  });

  it("an edit in one file re-checks the files that use it", async () => {
    server = await startServer(PROJECT);
    await server.open("data.paybill", PROJECT["data.paybill"]);
    await server.diagnostics("rules.paybill");
    // Renaming the entity's field breaks `resource.amount` in the other file, on disk only.
    const version = await server.replace("data.paybill", PROJECT["data.paybill"].replace("amount decimal", "total decimal"));
    await server.diagnostics("data.paybill", version);
    const broken = await server.diagnostics("rules.paybill");
    expect(broken.map((d) => d.code)).toEqual(["PB3003"]);
    expect(broken[0]?.message).toContain("`amount`");
    expect(broken[0]?.range.start).toEqual({ line: 10, character: 42 });
    const fixed = await server.replace("data.paybill", PROJECT["data.paybill"]);
    await server.diagnostics("data.paybill", fixed);
    expect(await server.diagnostics("rules.paybill")).toEqual([]);
  });

  it("a syntax error's diagnostics are check's, with code, range and help", async () => {
    server = await startServer(PROJECT);
    const text = RULES.replace("agent bot {", "agent bot {{");
    const { version } = await server.open("rules.paybill", text);
    const got = await server.diagnostics("rules.paybill", version);
    const want = checkProject([new SourceFile("data.paybill", PROJECT["data.paybill"]), new SourceFile("rules.paybill", text)]).diagnostics;
    expect(want.length).toBeGreaterThan(0);
    expect(got.map((d) => [d.code, d.range.start.line, d.range.start.character, d.message])).toEqual(
      want.map((d) => [d.code, d.file.position(d.span.start).line - 1, d.file.position(d.span.start).column - 1, d.help === undefined ? d.message : `${d.message}\nhelp: ${d.help}`]),
    );
  });

  it("a syntax error in one file does not hide a type error in another", async () => {
    server = await startServer(PROJECT);
    const rules = RULES.replace("resource.amount < 100.0", 'resource.amount < "x"');
    const data = `${DATA}\nentity Broken { id uuid @id,, }\n`;
    const { version } = await server.open("rules.paybill", rules);
    const opened = await server.open("data.paybill", data);
    const inData = await server.diagnostics("data.paybill", opened.version);
    expect(inData.map((d) => [d.code, d.range.start])).toEqual([["PB1001", { line: 9, character: 28 }]]);
    const inRules = await server.diagnostics("rules.paybill", version);
    expect(inRules.map((d) => [d.code, d.range.start])).toEqual([["PB3002", { line: 10, character: 51 }]]);
    const want = checkProject([new SourceFile("data.paybill", data), new SourceFile("rules.paybill", rules)]).diagnostics;
    expect(want.map((d) => d.code)).toEqual(["PB1001", "PB3002"]);
  });

  it("incremental edits apply at their ranges", async () => {
    server = await startServer(PROJECT);
    await server.open("rules.paybill", RULES);
    // `bot` → `bott` in the policy only: an unknown agent.
    const line = RULES.split("\n").findIndex((l) => l.includes("permit bot"));
    const v = await server.edit("rules.paybill", { start: { line, character: 12 }, end: { line, character: 12 } }, "t");
    const got = await server.diagnostics("rules.paybill", v);
    expect(got.map((d) => d.code)).toEqual(["PB2002"]);
    expect(got[0]?.message).toContain("`bott`");
  });

  it("a file's diagnostics are those of every file's last edit, not of a publish before it", async () => {
    server = await startServer(PROJECT);
    // An unknown agent in rules (PB2002), reported only while data parses: check reports syntax errors alone.
    const rules = RULES.replace("permit bot", "permit nobody");
    const { version } = await server.open("rules.paybill", rules);
    await server.open("data.paybill", DATA);
    const broken = DATA.replace("entity Order {", "entity Order {{");
    for (let i = 0; i < 20; i++) {
      const data = i % 2 === 0 ? broken : DATA;
      await server.replace("data.paybill", data);
      // Asked at once: rules' own version was published long ago, with data's previous text.
      const got = await server.diagnostics("rules.paybill", version);
      const want = checkProject([new SourceFile("data.paybill", data), new SourceFile("rules.paybill", rules)]).diagnostics.filter((d) => d.file.name === "rules.paybill");
      expect(got.map((d) => d.code)).toEqual(want.map((d) => d.code));
    }
  });

  it("closing a file falls back to its text on disk", async () => {
    server = await startServer(PROJECT);
    const { uri } = await server.open("rules.paybill", RULES.replace("permit bot", "permit nobody"));
    expect((await server.diagnostics("rules.paybill", 1)).map((d) => d.code)).toContain("PB2002");
    await server.connection.sendNotification("textDocument/didClose", { textDocument: { uri } });
    await new Promise((r) => setTimeout(r, 100));
    await expect.poll(async () => (await server?.diagnostics("rules.paybill"))?.length, { timeout: 50_000 }).toBe(0);
  });
});
