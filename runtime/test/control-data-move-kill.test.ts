/**
 * A data move in a child process killed with SIGKILL part-way — wherever the signal lands:
 * between statements, inside a batch's transaction, during verification or deletion — and
 * then run again to the end: exactly one copy of every row, in the target, each phase
 * audited once. PostgreSQL only (the child and the test share the server's database).
 */
import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DataEndpoint, tablesInOrder, tableSum } from "../src/control/tenant-rows.js";
import { freshId } from "./support/control-db.js";
import { bridgeSchema, currentSchema, moveBundle, rowCounts, seed } from "./support/data-move-db.js";
import { PG_URL, sharedTestRuntime } from "./support/store-db.js";

const CHILD = fileURLToPath(new URL("./support/data-move-child.mjs", import.meta.url));
const bundle = moveBundle();
const tables = tablesInOrder(bundle.entities);

/** Runs the child until it has printed `lines` boundaries, then SIGKILLs it; resolves with what it printed (all of it when it finished first). */
function runKilledAfter(args: unknown, lines: number): Promise<{ printed: string[]; killed: boolean }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CHILD, JSON.stringify(args)], { stdio: ["ignore", "pipe", "pipe"] });
    const printed: string[] = [];
    let buffer = "";
    let stderr = "";
    let killed = false;
    child.stdout.on("data", (chunk: Buffer) => {
      buffer += chunk.toString();
      const parts = buffer.split("\n");
      buffer = parts.pop() ?? "";
      printed.push(...parts);
      if (!killed && printed.length >= lines) {
        killed = true;
        child.kill("SIGKILL");
      }
    });
    child.stderr.on("data", (chunk: Buffer) => void (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("exit", (code, signal) => {
      if (signal === "SIGKILL" || code === 0) resolve({ printed, killed: signal === "SIGKILL" });
      else reject(new Error(`the child ended with ${code}: ${stderr}`));
    });
  });
}

describe.skipIf(PG_URL === undefined || PG_URL === "")("a data move killed with SIGKILL part-way", () => {
  const t = sharedTestRuntime("postgres", "data_move_kill", bundle);
  const made: string[] = [];
  let dir = "";
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "paybill-move-kill-"));
    await writeFile(join(dir, "bundle.json"), JSON.stringify(bundle));
  });
  afterAll(async () => {
    for (const schema of made) await t.admin.exec(`drop schema if exists ${schema} cascade`);
    if (dir !== "") await rm(dir, { recursive: true, force: true });
  });

  it.each([1, 4, 9, 15, 22, 30])("killed after %i boundaries, then resumed: one copy, audited once per phase", async (lines) => {
    const schema = await currentSchema(t.admin);
    const pooled: DataEndpoint = { sql: t.admin, schema };
    const bridge: DataEndpoint = { sql: t.admin, schema: await bridgeSchema(t.admin, bundle) };
    made.push(bridge.schema);
    const tenant = freshId("kill");
    await seed(pooled, tenant, 6, 3);
    const before = await Promise.all(tables.map((x) => tableSum(pooled, tenant, x)));
    const args = { url: PG_URL, schema, bundle: join(dir, "bundle.json"), tenant, moveId: "k", source: pooled.schema, target: bridge.schema, batch: 4 };
    const first = await runKilledAfter(args, lines);
    expect(first.killed, first.printed.join(" ")).toBe(true);
    const report = await t.runtime.tenants.moveData({ tenant, moveId: "k", source: pooled, target: bridge, batch: 4 });
    expect(report).toMatchObject({ phase: "done", resumed: true });
    expect(await Promise.all(tables.map((x) => tableSum(bridge, tenant, x)))).toEqual(before);
    expect(await rowCounts(pooled, tenant)).toEqual({ customers: 0, tickets: 0, comments: 0 });
    const phases = (await t.runtime.audit.query({ tenant })).map((r) => r.action).filter((a) => a.startsWith("tenant.data_move."));
    expect(phases).toEqual(["tenant.data_move.started", "tenant.data_move.verified", "tenant.data_move.switched", "tenant.data_move.done"]);
    expect(await t.runtime.audit.verify(tenant)).toMatchObject({ ok: true });
  });
});
