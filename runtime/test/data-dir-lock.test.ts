/**
 * One opener per PGlite data directory: a second process (or a second open in this one) is
 * refused with PBR191 naming the holder, never let in to lose its writes; the lock goes
 * with close and with the holder's exit, and a lock left by a killed process is taken over.
 * Two real processes: the holder is a child that ends by itself when its stdin closes.
 */
import { type ChildProcessByStdio, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Readable, Writable } from "node:stream";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openRuntime, type Runtime } from "../src/runtime.js";
import { LOCK_FILE } from "../src/store/data-dir-lock.js";
import { PaybillRuntimeError } from "../src/store/errors.js";
import { storeBundle } from "./support/store-bundle.js";

const CHILD = fileURLToPath(new URL("./support/data-dir-child.mjs", import.meta.url));
const TENANTS = 5;

type Child = ChildProcessByStdio<Writable, Readable, Readable>;

let root: string;
let bundle: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "paybill-lock-"));
  bundle = join(root, "bundle.json");
  await writeFile(bundle, JSON.stringify(storeBundle()));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** Starts a holder and waits for its `ready`. */
async function holder(dataDir: string): Promise<{ child: Child; exited: Promise<number | null>; stderr: () => string }> {
  const child = spawn(process.execPath, [CHILD, JSON.stringify({ dataDir, bundle, tenants: TENANTS })], { stdio: ["pipe", "pipe", "pipe"] });
  let err = "";
  child.stderr.on("data", (chunk: Buffer) => {
    err += chunk.toString("utf8");
  });
  const exited = new Promise<number | null>((done) => child.once("close", done));
  let out = "";
  await new Promise<void>((ready, failed) => {
    child.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString("utf8");
      if (out.includes("ready\n")) ready();
    });
    void exited.then((code) => failed(new Error(`the holder exited (${code}) before it was ready: ${err}`)));
  });
  return { child, exited, stderr: () => err };
}

const open = (dataDir: string): Promise<Runtime> => openRuntime({ bundle: storeBundle(), database: { pglite: { dataDir } } });

const refusal = (dataDir: string): Promise<unknown> => open(dataDir).then(async (r) => {
  await r.close();
  return "opened";
}, (e: unknown) => e);

describe("a PGlite data directory in use", () => {
  it("is refused to a second process with PBR191 naming the holder, and none of the holder's writes are lost", async () => {
    const dataDir = join(root, "two-processes");
    const { child, exited, stderr } = await holder(dataDir);
    const error = await refusal(dataDir);
    expect(error).toBeInstanceOf(PaybillRuntimeError);
    expect(error).toMatchObject({ code: "PBR191", message: `the PGlite data directory \`${dataDir}\` is in use by process ${child.pid} on \`${(await import("node:os")).hostname()}\`` });
    expect((error as PaybillRuntimeError).help).toContain("an embedded database has one opener at a time");
    // The refusal left the holder's lock in place.
    expect(JSON.parse(await readFile(join(dataDir, LOCK_FILE), "utf8"))).toMatchObject({ pid: child.pid });

    child.stdin.end();
    expect(await exited).toBe(0);
    expect(stderr()).toBe("");
    expect(existsSync(join(dataDir, LOCK_FILE))).toBe(false);
    // Every write of the holder, before and after the refused open, is there.
    const runtime = await open(dataDir);
    try {
      const ids = (await runtime.database.query<{ id: string }>("select id from paybill_tenants where id like 'before\\_%' or id like 'after\\_%' order by id")).map((r) => r.id);
      expect(ids).toHaveLength(2 * TENANTS);
    } finally {
      await runtime.close();
    }
  }, 300_000);

  it("is refused to a second open in the same process until the first closes", async () => {
    const dataDir = join(root, "same-process");
    const first = await open(dataDir);
    try {
      const error = await refusal(dataDir);
      expect(error).toMatchObject({ code: "PBR191", message: `the PGlite data directory \`${dataDir}\` is in use by this process (it is already open and not closed)` });
    } finally {
      await first.close();
    }
    expect(existsSync(join(dataDir, LOCK_FILE))).toBe(false);
    const again = await open(dataDir);
    await again.close();
  }, 300_000);

  it("is taken over when its holder was killed and left its lock behind", async () => {
    const dataDir = join(root, "killed");
    const { child, exited } = await holder(dataDir);
    child.kill("SIGKILL");
    await exited;
    expect(JSON.parse(await readFile(join(dataDir, LOCK_FILE), "utf8"))).toMatchObject({ pid: child.pid });
    const runtime = await open(dataDir);
    try {
      expect(JSON.parse(await readFile(join(dataDir, LOCK_FILE), "utf8"))).toMatchObject({ pid: process.pid });
      const [row] = await runtime.database.query<{ n: number }>("select count(*)::int as n from paybill_tenants where id like 'before\\_%'");
      expect(Number(row?.n)).toBe(TENANTS);
    } finally {
      await runtime.close();
    }
  }, 300_000);

  it("is refused while the lock names a live process, and the refusal is not mistaken for a stale lock", async () => {
    const dataDir = join(root, "live");
    await mkdir(dataDir, { recursive: true });
    // A lock of a process that is alive (this test's parent, the vitest runner) on this host.
    const { hostname } = await import("node:os");
    await writeFile(join(dataDir, LOCK_FILE), JSON.stringify({ pid: process.ppid, host: hostname(), token: "theirs" }));
    expect(await refusal(dataDir)).toMatchObject({ code: "PBR191", message: `the PGlite data directory \`${dataDir}\` is in use by process ${process.ppid} on \`${hostname()}\`` });
    expect(JSON.parse(await readFile(join(dataDir, LOCK_FILE), "utf8"))).toMatchObject({ token: "theirs" });
  }, 300_000);
});
