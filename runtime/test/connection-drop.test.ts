/**
 * A dropped PostgreSQL connection (`pg_terminate_backend`) during and between acts: the act
 * in flight fails with PBR190 and writes nothing, the next act succeeds on a fresh
 * connection, the audit chain verifies, and the process survives every drop — shown in a
 * child process that must end by itself with exit 0 (an unhandled `error` event of a `pg`
 * client would end it with 1). PostgreSQL only: PGlite has no connection to lose.
 */
import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openRuntime, type Runtime } from "../src/runtime.js";
import { entityTablesSql } from "../src/store/entity-tables.js";
import { dropScenario } from "./support/connection-drop-scenario.mjs";
import { storeBundle } from "./support/store-bundle.js";
import { PG_URL, testSchema } from "./support/store-db.js";

const ROUNDS = 10;
const CHILD_ROUNDS = 25;
const CHILD = fileURLToPath(new URL("./support/connection-drop-child.mjs", import.meta.url));

const expectSurvived = (summary: Awaited<ReturnType<typeof dropScenario>>, rounds: number): void => {
  expect(summary.inFlight).toEqual(Array(rounds).fill("PBR190"));
  expect(summary.idleInTransaction).toEqual(Array(rounds).fill("PBR190"));
  expect(summary.afterDrop).toEqual(Array(1 + 3 * rounds).fill("allow"));
  expect(summary.lostLabels).toBe(0);
  // The first act, three after drops and three concurrent ones per round; nothing of the acts that failed.
  expect(summary.verify).toEqual({ ok: true, records: 1 + 6 * rounds });
  expect(summary.records).toBe(1 + 6 * rounds);
};

describe.skipIf(PG_URL === undefined || PG_URL === "")("a dropped PostgreSQL connection", () => {
  const url = PG_URL as string;
  const schema = testSchema("drop");
  const app = `paybill_drop_${process.pid}`;
  let runtime: Runtime;

  beforeAll(async () => {
    runtime = await openRuntime({ bundle: storeBundle(), database: { url, schema, applicationName: app, max: 4, privileged: true } });
    await runtime.database.exec(entityTablesSql(runtime.bundle));
  });
  afterAll(async () => {
    await runtime?.database.exec(`drop schema if exists "${schema}" cascade`);
    await runtime?.close();
  });

  it(`fails the act in flight with PBR190 and recovers, ${ROUNDS} rounds of drops during and between acts`, async () => {
    expectSurvived(await dropScenario({ runtime, url, schema, app, rounds: ROUNDS, pg }), ROUNDS);
  });

  it("says what happened in the runtime's words, not the driver's", async () => {
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      const error = await runtime.database
        .transaction(async (tx) => {
          await tx.query("select 1");
          await admin.query("select pg_terminate_backend(pid) from pg_stat_activity where application_name = $1", [app]);
          await tx.query("select pg_sleep(0)");
        })
        .catch((e: unknown) => e);
      expect(error).toMatchObject({ name: "PaybillRuntimeError", code: "PBR190", message: "the database connection was lost before the transaction ended: nothing was written" });
      expect((error as { help: string }).help).toMatch(/^act again/);
    } finally {
      await admin.end();
    }
  });

  it("says a server that cannot be reached is that — nothing ran — not a connection lost mid-statement", async () => {
    const nowhere = new URL(url);
    nowhere.port = "1";
    const refused = await openRuntime({ bundle: storeBundle(), database: { url: nowhere.toString(), schema } }).catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: "PBR190", message: "the database cannot be reached: no connection could be made" });
    expect((refused as { help: string }).help).toMatch(/nothing was done/);
  });

  it(`a process whose connections are dropped ${CHILD_ROUNDS} times in every way survives and exits 0 by itself`, async () => {
    const dir = await mkdtemp(join(tmpdir(), "paybill-drop-"));
    try {
      const bundle = join(dir, "bundle.json");
      await writeFile(bundle, JSON.stringify(storeBundle()));
      const args = { url, schema: testSchema("dropchild"), app: `paybill_dropchild_${process.pid}`, bundle, rounds: CHILD_ROUNDS };
      const child = spawn(process.execPath, [CHILD, JSON.stringify(args)], { stdio: ["ignore", "pipe", "pipe"] });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (chunk: Buffer) => {
        stdout += chunk.toString("utf8");
      });
      child.stderr.on("data", (chunk: Buffer) => {
        stderr += chunk.toString("utf8");
      });
      const code = await new Promise<number | null>((done) => child.once("close", done));
      expect(stderr).toBe("");
      expect(code).toBe(0);
      expectSurvived(JSON.parse(stdout), CHILD_ROUNDS);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 300_000);
});
