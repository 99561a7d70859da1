/**
 * What a host gives `openRuntime` for signed audit checkpoints (`audit: { signingKey,
 * publicKeys, sink, every }`), read once at open: the keys loaded and checked (PBR160),
 * the sink made (`s3://bucket/prefix` is an `S3CheckpointSink`, any other string the path
 * of a `FileCheckpointSink`), the periodic schedule started on the
 * database the runtime opened. The private key stays in the host's memory: nothing of it
 * is written to the database.
 */
import type { KeyObject } from "node:crypto";
import type { Database, Sql } from "../store/adapter.js";
import { PaybillRuntimeError } from "../store/errors.js";
import { type KeyInput, loadPrivateKey, loadPublicKey, type Signer, signer } from "./checkpoint.js";
import { type CheckpointSink, FileCheckpointSink } from "./checkpoint-sink.js";
import { S3CheckpointSink } from "./s3-checkpoint-sink.js";
import { type CheckpointEvery, CheckpointSchedule, checkEvery, checkpointHeads, readHeads } from "./checkpoints.js";

export interface AuditOptions {
  /** The ed25519 private key checkpoints are signed with: a KeyObject, PEM text or a PEM file's path. */
  readonly signingKey?: KeyInput;
  /** The public keys checkpoints are verified with (the signing key's own is always trusted). */
  readonly publicKeys?: readonly KeyInput[];
  /**
   * Where checkpoints are kept: a sink, `s3://bucket/prefix` (an Object Lock bucket; region,
   * endpoint and credentials from the AWS environment), or the path of an NDJSON file (opened
   * for append only).
   */
  readonly sink?: CheckpointSink | string;
  /** Periodic checkpoints (needs `signingKey` and `sink`): every `ms`, of the chains that grew by `records`. */
  readonly every?: CheckpointEvery;
  /** Where an error of a periodic checkpoint goes (default: a process warning); the runtime carries on. */
  readonly onError?: (error: unknown) => void;
}

export interface AuditConfig {
  readonly signer?: Signer;
  readonly trusted: readonly KeyObject[];
  readonly sink?: CheckpointSink;
  readonly every?: CheckpointEvery;
  readonly onError?: (error: unknown) => void;
}

/** Reads and checks everything before the database is opened, so a mistake leaves nothing to close. */
export async function auditConfig(options: AuditOptions): Promise<AuditConfig> {
  if (options.every !== undefined) {
    checkEvery(options.every);
    if (options.signingKey === undefined || options.sink === undefined) {
      throw new PaybillRuntimeError("PBR161", "`audit.every` asks for periodic checkpoints but the runtime has no audit signing key and checkpoint sink", "pass `audit: { signingKey, sink, every }` to `openRuntime` (`paybillc audit keygen` makes a key pair)");
    }
  }
  const signing = options.signingKey === undefined ? undefined : signer(await loadPrivateKey(options.signingKey));
  const trusted = await Promise.all((options.publicKeys ?? []).map(loadPublicKey));
  if (signing !== undefined) trusted.push(signing.publicKey);
  const sink = typeof options.sink === "string" ? sinkOf(options.sink) : options.sink;
  return {
    trusted,
    ...(signing === undefined ? {} : { signer: signing }),
    ...(sink === undefined ? {} : { sink }),
    ...(options.every === undefined ? {} : { every: options.every }),
    ...(options.onError === undefined ? {} : { onError: options.onError }),
  };
}

/** The sink a location names: `s3://bucket/prefix` or a file's path. */
export function sinkOf(location: string): CheckpointSink {
  return location.startsWith("s3://") ? S3CheckpointSink.fromUrl(location) : new FileCheckpointSink(location);
}

/** The periodic checkpoints, when `every` was asked for and there is a key and a sink to use. */
export function startSchedule(config: AuditConfig, database: Database, clock: () => Date): CheckpointSchedule | undefined {
  const { every, signer: signing, sink } = config;
  if (every === undefined || signing === undefined || sink === undefined) return undefined;
  const onError = config.onError ?? ((error: unknown) => process.emitWarning(`paybill: a periodic audit checkpoint failed: ${error instanceof Error ? error.message : String(error)}`));
  return new CheckpointSchedule(
    every,
    async (heads) => {
      await checkpointHeads(heads, signing, sink, clock());
    },
    () => readHeads(database),
    onError,
  );
}

/** Tenants with a chain (a head or records) in the database or a checkpoint in the sink. */
export async function auditTenants(sql: Sql, sink: CheckpointSink | undefined): Promise<string[]> {
  const rows = await sql.query<{ tenant_id: string }>("select tenant_id from paybill_audit_heads union select distinct tenant_id from paybill_audit");
  const tenants = new Set(rows.map((r) => r.tenant_id));
  for (const t of (await sink?.tenants()) ?? []) tenants.add(t);
  return [...tenants].sort();
}
