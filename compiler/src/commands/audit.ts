/**
 * `paybillc audit verify|export|checkpoint|keygen`: the audit chains of the project's
 * runtime (project-runtime.ts) from the command line. `checkpoint` signs the chains' heads
 * with an ed25519 key read from a file and appends them to a checkpoint file (the runtime's
 * FileCheckpointSink) or, given `--sink s3://bucket/prefix`, to an Object Lock bucket (its
 * S3CheckpointSink); `verify` checks each chain and its latest checkpoint and exits 1 on
 * any tampering; `export` writes a chain as NDJSON, one record per line with its hashes,
 * so it can be kept or checked elsewhere; `keygen` writes a key pair. The checks and the
 * file format are the runtime's; this file only reads options and prints.
 */
import { generateKeyPairSync } from "node:crypto";
import { mkdir, open, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { type AuditQuery, type AuditRecord, keyId, PaybillRuntimeError, type Runtime, type VerifyResult } from "@paybill/runtime";
import type { Io } from "../io.js";
import { locatedProject } from "../project/locate.js";
import { displayPath, printJson } from "../output/report.js";
import { CommandProblem, type ProjectOptions, printProblem, withProjectRuntime } from "./project-runtime.js";

/** Where checkpoints go when `--sink` is not given (beside the default PGlite data directory). */
export const DEFAULT_SINK = join(".paybill", "audit-checkpoints.ndjson");
export const SIGNING_KEY_FILE = "audit-signing-key.pem";
export const PUBLIC_KEY_FILE = "audit-public-key.pem";

export interface SinkOptions extends ProjectOptions {
  /** The checkpoint file (default `<project>/.paybill/audit-checkpoints.ndjson`), or `s3://bucket/prefix`. */
  readonly sink?: string;
}

/** An `s3://` sink as given (the runtime reads its region and credentials from the environment); a file's path resolved. */
function sinkPath(options: SinkOptions, io: Io): string {
  if (options.sink?.startsWith("s3://")) return options.sink;
  return options.sink === undefined ? resolve(io.cwd, options.project ?? locatedProject(io.cwd), DEFAULT_SINK) : resolve(io.cwd, options.sink);
}

export interface VerifyOptions extends SinkOptions {
  readonly tenant?: string;
  readonly publicKey?: readonly string[];
  /** A signing key: its public half is trusted too. */
  readonly key?: string;
}

export async function verify(options: VerifyOptions, io: Io): Promise<number> {
  const publicKeys = [...(options.publicKey ?? []), ...(options.key === undefined ? [] : [options.key])].map((k) => resolve(io.cwd, k));
  return withProjectRuntime(
    options,
    io,
    async ({ runtime }) => {
      const tenants = options.tenant === undefined ? await runtime.audit.tenants() : [options.tenant];
      const results: { tenant: string; result: VerifyResult }[] = [];
      for (const tenant of tenants) results.push({ tenant, result: await verifyOne(runtime, tenant) });
      const ok = results.every((r) => r.result.ok);
      if (options.format === "json") printJson({ ok, tenants: results.map(({ tenant, result }) => ({ tenant, ...result })) }, io);
      else {
        if (results.length === 0) io.err("no audit chains to verify\n");
        for (const { tenant, result } of results) io.out(`${verifyLine(tenant, result)}\n`);
        if (!ok) io.err("the audit was tampered with: keep the database as it is for investigation and compare it with an export or a backup\n");
      }
      return ok ? 0 : 1;
    },
    { audit: { sink: sinkPath(options, io), publicKeys } },
  );
}

async function verifyOne(runtime: Runtime, tenant: string): Promise<VerifyResult> {
  try {
    return await runtime.audit.verify(tenant);
  } catch (error) {
    // No key to check a checkpoint with is the caller's omission (usage), not tampering.
    if (error instanceof PaybillRuntimeError && error.code === "PBR162") {
      throw new CommandProblem(error.code, error.message, "pass `--public-key <file>` (or the signing key with `--key <file>`)", 2);
    }
    throw error;
  }
}

function verifyLine(tenant: string, result: VerifyResult): string {
  if (!result.ok) return `tampered: tenant \`${tenant}\`: ${result.problem} at record ${result.seq}: ${result.message}`;
  const records = `${result.records} ${result.records === 1 ? "record" : "records"}`;
  if (result.checkpoint === undefined) return `ok: tenant \`${tenant}\`: ${records}, no checkpoint to hold them against`;
  const { seq, time, key } = result.checkpoint;
  return `ok: tenant \`${tenant}\`: ${records}, the checkpoint at record ${seq} (${time}, key ${key}) holds`;
}

export interface CheckpointOptions extends SinkOptions {
  readonly tenant?: string;
  readonly key: string;
}

export async function checkpoint(options: CheckpointOptions, io: Io): Promise<number> {
  const sink = sinkPath(options, io);
  return withProjectRuntime(
    options,
    io,
    async ({ runtime }) => {
      const s3 = sink.startsWith("s3://");
      if (!s3) await mkdir(resolve(sink, ".."), { recursive: true });
      const taken = await runtime.audit.checkpoint(options.tenant);
      if (options.format === "json") printJson(taken, io);
      else {
        if (taken.length === 0) io.err(options.tenant === undefined ? "no audit chain has a record yet: nothing to checkpoint\n" : `tenant \`${options.tenant}\` has no audit record yet: nothing to checkpoint\n`);
        for (const c of taken) io.out(`checkpoint: tenant \`${c.tenant}\` at record ${c.seq} (${c.hash.slice(0, 12)}…), key ${c.key}\n`);
        if (taken.length > 0) io.err(`appended to ${s3 ? sink : displayPath(io.cwd, sink)}\n`);
      }
      return 0;
    },
    { audit: { signingKey: resolve(io.cwd, options.key), sink } },
  );
}

export interface ExportOptions extends ProjectOptions {
  readonly tenant: string;
  readonly from?: string;
  readonly to?: string;
  readonly out?: string;
}

/** A `--from`/`--to` value: a record number, or a time. */
type Bound = { readonly seq: number } | { readonly time: Date };

export async function exportAudit(options: ExportOptions, io: Io): Promise<number> {
  let from: Bound | undefined;
  let to: Bound | undefined;
  try {
    from = bound(options.from, "--from");
    to = bound(options.to, "--to");
  } catch (error) {
    if (error instanceof CommandProblem) return printProblem(error.code, error.message, error.help, error.status, options.format, io);
    throw error;
  }
  return withProjectRuntime(options, io, async ({ runtime }) => {
    const out = options.out === undefined ? undefined : resolve(io.cwd, options.out);
    const file = out === undefined ? undefined : await open(out, "w").catch((error: unknown) => {
      throw new CommandProblem("PB9312", `cannot write the export to \`${options.out}\` (${error instanceof Error && "code" in error ? String(error.code) : "error"})`, "check that its directory exists and may be written", 2);
    });
    let count = 0;
    try {
      const base: AuditQuery = {
        tenant: options.tenant,
        ...(from !== undefined && "time" in from ? { from: from.time } : {}),
        ...(to !== undefined && "time" in to ? { to: to.time } : {}),
      };
      let after = from !== undefined && "seq" in from ? from.seq - 1 : 0;
      const last = to !== undefined && "seq" in to ? to.seq : Number.POSITIVE_INFINITY;
      for (;;) {
        const page = (await runtime.audit.query({ ...base, afterSeq: after, limit: 1000 })).filter((r) => r.seq <= last);
        if (page.length > 0) {
          const text = page.map((r) => `${JSON.stringify(exported(r))}\n`).join("");
          if (file === undefined) io.out(text);
          else await file.appendFile(text, "utf8");
          count += page.length;
          after = page[page.length - 1]?.seq ?? after;
        }
        if (page.length < 1000 || after >= last) break;
      }
      if (file !== undefined) await file.sync();
    } finally {
      await file?.close();
    }
    if (out !== undefined) io.err(`exported ${count} ${count === 1 ? "record" : "records"} of tenant \`${options.tenant}\` to ${displayPath(io.cwd, out)}\n`);
    else if (count === 0) io.err(`tenant \`${options.tenant}\` has no audit record in that range\n`);
    return 0;
  });
}

/** The record as one NDJSON line: every member the hash covers, then the hashes. */
function exported(r: AuditRecord): Record<string, unknown> {
  return {
    tenant: r.tenant,
    seq: r.seq,
    id: r.id,
    time: r.time,
    agent: r.agent,
    action: r.action,
    input: r.input,
    decision: r.decision,
    reasons: r.reasons,
    run: r.run,
    approval: r.approval,
    effect: r.effect,
    hashRule: r.hashRule ?? 1,
    prevHash: r.prevHash,
    hash: r.hash,
  };
}

function bound(text: string | undefined, option: string): Bound | undefined {
  if (text === undefined) return undefined;
  if (/^[1-9][0-9]{0,14}$/.test(text)) return { seq: Number(text) };
  const time = /^\d{4}-\d\d-\d\d/.test(text) ? new Date(text) : new Date(Number.NaN);
  if (Number.isNaN(time.getTime())) {
    throw new CommandProblem("PB9311", `\`${text}\` is neither a record number nor a time ${option} accepts`, "write a record number like `120`, or an ISO 8601 time like `2026-12-01T00:00:00Z`", 2);
  }
  return { time };
}

export interface KeygenOptions {
  readonly out: string;
  readonly format: "text" | "json";
}

export async function keygen(options: KeygenOptions, io: Io): Promise<number> {
  const dir = resolve(io.cwd, options.out);
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  const signing = join(dir, SIGNING_KEY_FILE);
  const public_ = join(dir, PUBLIC_KEY_FILE);
  try {
    await mkdir(dir, { recursive: true });
    // `wx`: an existing key is never overwritten (its checkpoints could no longer be checked).
    await writeFile(signing, privateKey.export({ type: "pkcs8", format: "pem" }), { flag: "wx", mode: 0o600 });
    await writeFile(public_, publicKey.export({ type: "spki", format: "pem" }), { flag: "wx", mode: 0o644 });
  } catch (error) {
    const code = error instanceof Error && "code" in error ? String(error.code) : "error";
    if (code === "EEXIST") {
      return printProblem("PB9313", `\`${options.out}\` already holds an audit key`, "keygen never overwrites a key (checkpoints signed with it could no longer be checked): choose another `--out`", 2, options.format, io);
    }
    return printProblem("PB9312", `cannot write the keys to \`${options.out}\` (${code})`, "check that the directory may be written", 2, options.format, io);
  }
  const id = keyId(publicKey);
  if (options.format === "json") printJson({ key: id, signingKey: displayPath(io.cwd, signing), publicKey: displayPath(io.cwd, public_) }, io);
  else {
    io.out(`key ${id}\n  signing key  ${displayPath(io.cwd, signing)}  (keep it secret, outside the database and the repository)\n  public key   ${displayPath(io.cwd, public_)}\n`);
    io.err(`next: \`paybillc audit checkpoint --key ${displayPath(io.cwd, signing)}\`, and verify with \`--public-key ${displayPath(io.cwd, public_)}\`\n`);
  }
  return 0;
}
