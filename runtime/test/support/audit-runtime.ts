/**
 * A test runtime that signs audit checkpoints: a fresh ed25519 key pair and a checkpoint
 * file in a temporary directory (or another `audit.sink` location, e.g. `s3://…`), on PGlite
 * or on PostgreSQL in a schema of its own (as store-db.ts opens its runtimes). Also a second
 * key pair, the forger's; chains of audited actions, and a chain cut short as an attacker
 * who can write the database would.
 */
import { generateKeyPairSync, type KeyObject } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll } from "vitest";
import type { CheckpointSink } from "../../src/audit/checkpoint-sink.js";
import { sinkOf } from "../../src/audit/config.js";
import { openRuntime, type Runtime } from "../../src/runtime.js";
import type { Sql } from "../../src/store/adapter.js";
import { entityTablesSql } from "../../src/store/entity-tables.js";
import { type Backend, newTenant, PG_URL, testSchema } from "./store-db.js";
import { storeBundle } from "./store-bundle.js";

export interface AuditTestRuntime {
  readonly runtime: Runtime;
  /** A sink on the runtime's `audit.sink` location (a second object: it reads what the runtime wrote). */
  readonly sink: CheckpointSink;
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  /** A key the runtime does not trust. */
  readonly forger: KeyObject;
  readonly dir: string;
}

/** `sink`: the runtime's `audit.sink` location, read in beforeAll (default: a file in the temporary directory). */
export function sharedAuditRuntime(backend: Backend, file: string, sink?: () => string): AuditTestRuntime {
  let opened: (AuditTestRuntime & { schema: string | undefined }) | undefined;
  beforeAll(async () => {
    const dir = await mkdtemp(join(tmpdir(), "paybill-audit-"));
    const { privateKey, publicKey } = generateKeyPairSync("ed25519");
    const forger = generateKeyPairSync("ed25519").privateKey;
    const location = sink?.() ?? join(dir, "checkpoints.ndjson");
    const schema = backend === "postgres" ? testSchema(file) : undefined;
    const database = backend === "postgres" && PG_URL !== undefined && schema !== undefined ? { url: PG_URL, schema, max: 10, privileged: true } : {};
    // The admin URL, declared `privileged` (transactions still run as the runtime's roles): the tamper tests need a superuser's `runtime.database`.
    const runtime = await openRuntime({ bundle: storeBundle(), database, audit: { signingKey: privateKey, sink: location } });
    await runtime.database.exec(entityTablesSql(runtime.bundle));
    opened = { runtime, sink: sinkOf(location), privateKey, publicKey, forger, dir, schema };
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

/** A tenant with `n` audited actions (allowed and denied alternately). */
export async function chain(runtime: Runtime, n: number): Promise<string> {
  const tenant = await newTenant(runtime);
  for (let i = 0; i < n; i++) {
    const input = i % 2 === 0 ? { customer: `c${i}`, email: `c${i}@example.com`, amount: i } : { customer: `c${i}`, email: "x", amount: i, extra: 1 };
    await runtime.act({ tenant, agent: "support_bot", action: "open_ticket", input });
  }
  return tenant;
}

/** Deletes records `from`… and moves the head back to record `from - 1` (the chain looks whole). */
export async function truncate(tx: Sql, tenant: string, from: number): Promise<void> {
  await tx.query("delete from paybill_audit where tenant_id = $1 and seq >= $2", [tenant, from]);
  if (from === 1) {
    await tx.query("delete from paybill_audit_heads where tenant_id = $1", [tenant]);
    return;
  }
  await tx.query(
    `update paybill_audit_heads h set seq = a.seq, hash = a.hash, prev_hash = a.prev_hash
     from paybill_audit a where a.tenant_id = h.tenant_id and h.tenant_id = $1 and a.seq = $2`,
    [tenant, from - 1],
  );
}
