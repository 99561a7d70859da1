// Diagnostics are debounced: 500 edits sent as fast as the pipe takes them are checked a few
// times, not 500, and the last publish is of the last text. No clock is read: the assertions
// are about how many publishes there were and what the last one says.
import { afterEach, describe, expect, it } from "vitest";
import { startServer, type TestServer } from "./support/lsp-client.js";
import { PROJECT, RULES } from "./support/lsp-fixture.js";

let server: TestServer | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

const EDITS = 500;

describe("lsp debounce", () => {
  it("500 rapid edits settle in a few publishes, the last of the last text", async () => {
    server = await startServer(PROJECT);
    const opened = await server.open("rules.paybill", RULES);
    expect(await server.diagnostics("rules.paybill", opened.version)).toEqual([]);
    const before = server.publishes("rules.paybill").length;
    // Type `amount` → `amountxxx…` one letter at a time: every text but the first has an error.
    const line = RULES.split("\n").findIndex((l) => l.includes("resource.amount"));
    const column = (RULES.split("\n")[line] ?? "").indexOf("resource.amount") + "resource.amount".length;
    const sent: Promise<number>[] = [];
    for (let i = 0; i < EDITS - 1; i++) {
      const at = { line, character: column + i };
      sent.push(server.edit("rules.paybill", { start: at, end: at }, "x"));
    }
    // The last edit removes every typed letter: the final text is the clean original.
    const end = { line, character: column + EDITS - 1 };
    sent.push(server.edit("rules.paybill", { start: { line, character: column }, end }, ""));
    const versions = await Promise.all(sent);
    const last = versions.at(-1) ?? 0;
    expect(last).toBe(opened.version + EDITS);
    const final = await server.diagnostics("rules.paybill", last);
    expect(final).toEqual([]);
    const publishes = server.publishes("rules.paybill").slice(before);
    expect(publishes.at(-1)?.version).toBe(last);
    // Without the debounce every edit would be checked and published.
    expect(publishes.length).toBeLessThan(EDITS / 10);
  });
});
