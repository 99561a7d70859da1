/**
 * A test runtime that signs audit checkpoints: a fresh ed25519 key pair and a checkpoint
 * file in a temporary directory, on PGlite or on PostgreSQL in a schema of its own (as
 * store-db.ts opens its runtimes). Also a second key pair, the forger's.
 */
import { generateKeyPairSync, type KeyObject } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll } from "vitest";
import { FileCheckpointSink } from "../../src/audit/checkpoint-sink.js";
import { openRuntime, type Runtime } from "../../src/runtime.js";
import { entityTablesSql } from "../../src/store/entity-tables.js";
import { type Backend, PG_URL, testSchema } from "./store-db.js";
import { storeBundle } from "./store-bundle.js";

export interface AuditTestRuntime {
  readonly runtime: Runtime;
  readonly sink: FileCheckpointSink;
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  /** A key the runtime does not trust. */
  readonly forger: KeyObject;
  readonly dir: string;
}

export function sharedAuditRuntime(backend: Backend, file: string): AuditTestRuntime {
  let opened: (AuditTestRuntime & { schema: string | undefined }) | undefined;
  beforeAll(async () => {
    const dir = await mkdtemp(join(tmpdir(), "paybill-audit-"));
    const { privateKey, publicKey } = generateKeyPairSync("ed25519");
    const forger = generateKeyPairSync("ed25519").privateKey;
    const sink = new FileCheckpointSink(join(dir, "checkpoints.ndjson"));
    const schema = backend === "postgres" ? testSchema(file) : undefined;
    const database = backend === "postgres" && PG_URL !== undefined && schema !== undefined ? { url: PG_URL, schema, max: 10, privileged: true } : {};
    // The admin URL, declared `privileged` (transactions still run as the runtime's roles): the tamper tests need a superuser's `runtime.database`.
    const runtime = await openRuntime({ bundle: storeBundle(), database, audit: { signingKey: privateKey, sink } });
    await runtime.database.exec(entityTablesSql(runtime.bundle));
    opened = { runtime, sink, privateKey, publicKey, forger, dir, schema };
  });
  afterAll(async () => {
    if (opened === undefined) return;
    if (opened.schema !== undefined) await opened.runtime.database.exec(`drop schema if exists "${opened.schema}" cascade`);
    await opened.runtime.close();
    await rm(opened.dir, { recursive: true, force: true });
  });
  const get = (): AuditTestRuntime => {
    if (opened === undefined) throw new Error("the test runtime is not open yet: use it inside a test");
    return opened;
  };
  return {
    get runtime() {
      return get().runtime;
    },
    get sink() {
      return get().sink;
    },
    get privateKey() {
      return get().privateKey;
    },
    get publicKey() {
      return get().publicKey;
    },
    get forger() {
      return get().forger;
    },
    get dir() {
      return get().dir;
    },
  };
}
