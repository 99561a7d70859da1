/**
 * `mcp`: what an agent's tool call through `paybillc serve --mcp` costs beside the same
 * `runtime.act` called in process. The helpdesk example is built; two PGlite data
 * directories are seeded alike (the entity tables, a customer of tenant `initech`); one is
 * opened in this process, the other by a spawned `paybillc serve --mcp` that an MCP client of
 * @modelcontextprotocol/sdk drives over stdio. The call is `lookup_customer` by
 * `support_bot` (allowed, a read, `@pii` fields hidden), outside any workflow run so no
 * budget runs out; both sides are audited. Rows: the in-process act, the tool call over
 * stdio (JSON-RPC both ways, the server's act, the result as text and structured content),
 * and `tools/list`.
 */
import { spawnSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { entityTablesSql, openRuntime, readBundle } from "@paybill/runtime";
import { HELPDESK, PAYBILLC } from "./example.mjs";
import { fmtInt, fmtMs, fmtRate, measure } from "./harness.mjs";

export const name = "mcp";
export const description = "an MCP tool call over stdio (paybillc serve --mcp) vs runtime.act in process";

const RUNS = { warmup: 20, minRuns: 100, maxRuns: 1000, maxTimeMs: 3000 };

export default async function run({ log = () => {} } = {}) {
  const work = mkdtempSync(join(tmpdir(), "paybill-bench-mcp-"));
  try {
    log("building examples/helpdesk");
    const out = join(work, "out");
    const built = spawnSync(process.execPath, [PAYBILLC, "build", HELPDESK, "--out", out], { encoding: "utf8" });
    if (built.status !== 0) throw new Error(`paybillc build failed:\n${built.stderr}`);
    const bundlePath = join(out, "bundle.json");
    const bundle = await readBundle(bundlePath);
    const customer = randomUUID();
    log("seeding two PGlite data directories");
    const local = await seed(bundle, join(work, "db-local"), customer);
    const served = join(work, "db-served");
    await (await seed(bundle, served, customer)).close();

    const request = { tenant: "initech", agent: "support_bot", action: "lookup_customer", input: { customer } };
    const inProcess = await measure(async () => {
      const result = await local.act(request);
      if (result.decision !== "allow") throw new Error(`lookup_customer was not allowed: ${JSON.stringify(result.reasons)}`);
      return result;
    }, RUNS);
    await local.close();

    log("starting paybillc serve --mcp over stdio");
    const client = new Client({ name: "paybill-bench", version: "1" });
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [PAYBILLC, "serve", "--mcp", "--bundle", bundlePath, "--tenant", "initech", "--agent", "support_bot", "--database", served],
      stderr: "ignore",
    });
    await client.connect(transport);
    try {
      const call = await measure(async () => {
        const result = await client.callTool({ name: "lookup_customer", arguments: { customer } });
        if (result.isError) throw new Error(`the tool call failed: ${JSON.stringify(result.content)}`);
        return result;
      }, RUNS);
      const list = await measure(() => client.listTools(), RUNS);
      const tools = (await client.listTools()).tools.length;
      const ratio = call.medianMs / inProcess.medianMs;
      const row = (label, stats, unit, note) => ({
        name: label,
        size: `${fmtInt(stats.runs)} calls`,
        median: fmtMs(stats.medianMs),
        p90: fmtMs(stats.p90Ms),
        rate: fmtRate(1000 / stats.medianMs, unit),
        note,
        data: { ...stats, samplesMs: undefined },
      });
      return {
        rows: [
          row("runtime.act in process (lookup_customer)", inProcess, "acts/s", "PGlite data directory, audited"),
          row("MCP tools/call over stdio (lookup_customer)", call, "calls/s", `${ratio.toFixed(2)}× the in-process act (median)`),
          row("MCP tools/list over stdio", list, "lists/s", `${tools} tools (the agent's permittable actions + paybill_status)`),
        ],
        summary: [`an MCP tool call costs ${ratio.toFixed(2)}× runtime.act in process (${fmtMs(call.medianMs)} vs ${fmtMs(inProcess.medianMs)}, median)`],
      };
    } finally {
      await client.close();
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** A runtime on a new PGlite data directory with the entity tables and one customer of `initech`. */
async function seed(bundle, dataDir, customer) {
  mkdirSync(dataDir, { recursive: true });
  const runtime = await openRuntime({ bundle, database: { pglite: { dataDir } } });
  await runtime.database.exec(entityTablesSql(runtime.bundle));
  await runtime.database.query("insert into customer (tenant_id, id, name, email) values ($1, $2, $3, $4)", ["initech", customer, "Ada", "ada@example.com"]);
  return runtime;
}
