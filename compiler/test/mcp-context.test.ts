/**
 * `paybillc serve --mcp --context file.json`: the run the session starts carries the host's
 * context, policies read it (`run.context`, `from_context`) exactly as in process, no tool
 * call changes it (its arguments naming context fields are refused as input), and the
 * context is in the chain once (`run.start`). On PGlite, and on PostgreSQL when
 * PAYBILL_TEST_DATABASE_URL is set.
 */
import { randomUUID } from "node:crypto";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { type DatabaseConfig, openRuntime, readBundle } from "@paybill/runtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureTestLogin, loginUrl } from "../../runtime/test/support/store-db.js";
import { BACKENDS, PG_URL, textOf } from "./mcp-support.js";
import { BIN, paybillc } from "./support/cli.js";

const PROJECT = `import std.isolation.{pooled}
import std.clouds

cloud aws primary { region = "eu-west-1" }
plan basic {
  price     = 0 usd per month
  isolation = pooled on primary
}
tenant acme { plan = basic }

agent assistant {}
action send_money {
  input { recipient: string(max: 100), amount: decimal }
}
workflow pay {
  agent = assistant
  context { recipient: string(max: 100), cap: decimal }
  start asking
  state asking { allow send_money next done }
  state done { final }
}
policy within_intent {
  permit assistant to send_money when input.amount <= run.context.cap
  forbid any agent to send_money when !from_context(input.recipient)
}
`;
const CONTEXT = { recipient: "DE89 3704 0044 0532 0130 00", cap: 500 };

/** The project, built once for the file, and the host's context file beside it. */
let dir = "";
let bundle = "";
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "paybill-mcp-context-"));
  await writeFile(join(dir, "pay.paybill"), PROJECT);
  const built = await paybillc(["build", "."], dir);
  if (built.code !== 0) throw new Error(built.stderr);
  bundle = join(dir, "out", "bundle.json");
  await writeFile(join(dir, "context.json"), JSON.stringify(CONTEXT));
}, 180_000);
afterAll(async () => {
  if (dir !== "") await rm(dir, { recursive: true, force: true });
});

describe.each(BACKENDS)("serve --mcp --context (%s)", (backend) => {
  let config: DatabaseConfig;
  let args: string[] = [];
  let client: Client;
  const schema = `paybill_mcpctx_${process.pid}_${randomUUID().slice(0, 8)}`;

  beforeAll(async () => {
    const dataDir = join(dir, `db-${backend}`);
    config = backend === "postgres" && PG_URL !== undefined ? { url: PG_URL, schema, privileged: true } : { pglite: { dataDir } };
    // On PostgreSQL the admin migrates the schema and the login role serves; a PGlite data
    // directory is created by the server itself.
    if (backend === "pglite") await mkdir(dataDir);
    else {
      const runtime = await openRuntime({ bundle: await readBundle(bundle), database: config });
      await ensureTestLogin(runtime.database);
      await runtime.close();
    }
    args = backend === "postgres" && PG_URL !== undefined ? ["--database", loginUrl(PG_URL), "--schema", schema] : ["--database", dataDir];
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [BIN, "serve", "--mcp", "--bundle", bundle, "--tenant", "acme", "--agent", "assistant", "--workflow", "pay", "--context", "context.json", ...args],
      cwd: dir,
      stderr: "pipe",
    });
    client = new Client({ name: "paybill-test", version: "0" });
    await client.connect(transport);
  }, 180_000);

  afterAll(async () => {
    await client?.close();
    if (backend === "postgres" && config !== undefined) {
      const runtime = await openRuntime({ bundle: await readBundle(bundle), database: config });
      await runtime.database.exec(`drop schema if exists "${schema}" cascade`);
      await runtime.close();
    }
  });

  it("decides with the host's context: the user's recipient within the cap is allowed, another recipient or more is denied", async () => {
    const ok = await client.callTool({ name: "send_money", arguments: { recipient: "de89 3704 0044 0532 0130 00", amount: 120 } });
    expect(ok.isError).toBeFalsy();
    const redirected = await client.callTool({ name: "send_money", arguments: { recipient: "GB33 BUKB 2020 1555 5555 55", amount: 120 } });
    expect(redirected.isError).toBe(true);
    expect(textOf(redirected)).toContain("within_intent");
    const raised = await client.callTool({ name: "send_money", arguments: { recipient: CONTEXT.recipient, amount: 501 } });
    expect(raised.isError).toBe(true);
    // A tool call naming the context is an input error, decided and audited; it changes nothing.
    const sneaky = await client.callTool({ name: "send_money", arguments: { recipient: "GB33", amount: 1, context: { recipient: "GB33", cap: 1e9 } } });
    expect(sneaky.isError).toBe(true);
    const tools = (await client.listTools()).tools.map((t) => t.name);
    expect(tools.some((name) => /context/.test(name))).toBe(false);
  });

  it("keeps the run's context as the host gave it, recorded once in the audit chain", async () => {
    await client.close();
    const runtime = await openRuntime({ bundle: await readBundle(bundle), database: config });
    try {
      const records = await runtime.audit.query({ tenant: "acme" });
      const starts = records.filter((r) => r.action === "run.start");
      expect(starts).toHaveLength(1);
      expect(starts[0]?.input).toMatchObject({ workflow: "pay", context: CONTEXT });
      const run = await runtime.runs.get(String(starts[0]?.run));
      expect(run?.context).toEqual(CONTEXT);
      expect(records.filter((r) => r.action === "send_money").map((r) => r.decision)).toEqual(["allow", "deny", "deny", "deny"]);
      expect((await runtime.audit.verify("acme")).ok).toBe(true);
    } finally {
      await runtime.close();
    }
  });

});

// Refused before any database is named or opened: the same on every backend, so run once.
describe("serve --mcp --context refusals", () => {
  it("refuses to start with a context the workflow does not accept, or without --workflow", async () => {
    await writeFile(join(dir, "bad.json"), JSON.stringify({ recipient: "x", cap: "lots" }));
    const bad = await paybillc(["serve", "--mcp", "--bundle", bundle, "--tenant", "acme", "--agent", "assistant", "--workflow", "pay", "--context", "bad.json"], dir);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("PBR210");
    expect(bad.stderr).toContain("`context.cap`");
    const alone = await paybillc(["serve", "--mcp", "--bundle", bundle, "--tenant", "acme", "--agent", "assistant", "--context", "context.json"], dir);
    expect(alone.code).toBe(2);
    expect(alone.stderr).toContain("`--context` is for `--workflow`");
  });
});
