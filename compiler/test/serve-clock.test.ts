/**
 * `paybillc serve --mcp --clock TIME`: the runtime behind the server decides at that fixed
 * time, so a replay does not depend on the day it runs (a `per day` total's window, an
 * approval's timeout): the status line says the clock is fixed, and the run and every record
 * of the session carry that time. A time that is not RFC 3339 with its zone, or not a real
 * date, is PB9201 (exit 2). On PGlite, and on PostgreSQL when PAYBILL_TEST_DATABASE_URL is set.
 */
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { describe, expect, it } from "vitest";
import { BACKENDS, seedDatabase, useBuiltHelpdesk } from "./mcp-support.js";
import { BIN, paybillc } from "./support/cli.js";

const example = useBuiltHelpdesk();
const FIXED = "2030-06-01T14:30:00+02:00";

describe("serve --clock usage", () => {
  it("refuses a time that is not RFC 3339 with its zone, or no real date, with PB9201", async () => {
    for (const bad of ["soon", "2030-06-01", "2030-06-01T12:00:00", "2030-02-30T12:00:00Z", "2030-06-01T24:00:00Z"]) {
      const ran = await paybillc(["serve", "--mcp", "--tenant", "initech", "--agent", "support_bot", "--clock", bad], example.dir);
      expect([ran.code, ran.stderr], bad).toEqual([2, `error[PB9201]: \`${bad}\` is not a time \`--clock\` accepts\n  = help: write an RFC 3339 time with its zone, like \`2030-01-01T12:00:00Z\`\n`]);
    }
  });
});

describe.each(BACKENDS)("serve --clock (%s)", (backend) => {
  it("decides, starts the run and audits at the fixed time", async () => {
    const seeded = await seedDatabase(backend, example.dir, example.bundle);
    const stderr: string[] = [];
    try {
      const transport = new StdioClientTransport({
        command: process.execPath,
        args: [BIN, "serve", "--mcp", "--bundle", example.bundle, "--tenant", "initech", "--agent", "support_bot", "--workflow", "resolve_ticket", "--clock", FIXED, ...seeded.args],
        cwd: example.dir,
        stderr: "pipe",
      });
      transport.stderr?.on("data", (chunk: Buffer) => stderr.push(chunk.toString("utf8")));
      const client = new Client({ name: "paybill-clock-test", version: "0" });
      await client.connect(transport);
      try {
        const read = await client.callTool({ name: "read_ticket", arguments: { ticket: seeded.ticket } });
        expect(read.isError).not.toBe(true);
        await client.callTool({ name: "close_ticket", arguments: { ticket: seeded.ticket } });
      } finally {
        await client.close();
      }
      expect(stderr.join("")).toMatch(/MCP on stdio — agent `support_bot` of tenant `initech`, run [0-9a-f-]{36} of `resolve_ticket` in state `triage`; clock fixed at 2030-06-01T12:30:00\.000Z\n/);
      const runtime = await seeded.open();
      try {
        const records = await runtime.audit.query({ tenant: "initech" });
        expect(records.map((r) => [r.agent, r.action, r.decision])).toEqual([
          ["support_bot", "read_ticket", "allow"],
          ["support_bot", "close_ticket", "deny"],
        ]);
        expect(records.map((r) => r.time)).toEqual(["2030-06-01T12:30:00.000000Z", "2030-06-01T12:30:00.000000Z"]);
        const run = await runtime.runs.get(records[0]?.run ?? "");
        expect(run?.startedAt).toBe("2030-06-01T12:30:00.000Z");
      } finally {
        await runtime.close();
      }
    } finally {
      await seeded.drop();
    }
  }, 120_000);
});
