/**
 * Where signed checkpoints are kept, outside the database: the `CheckpointSink` interface
 * (append; read the latest per tenant) and its default, a file of one JSON checkpoint per
 * line. The file is only ever opened for append, each batch written at its end and
 * fsync'd before `append` returns; nothing here rewrites or truncates it. The other sink
 * the runtime has is an S3 bucket with Object Lock (s3-checkpoint-sink.ts; the AWS stacks
 * declare one: spec/infrastructure.md); a host can plug in any sink with the same interface.
 *
 * A sink only stores: signatures are checked by verify.ts, so a forged line is reported
 * as tampering, not trusted.
 */
import { open, readFile } from "node:fs/promises";
import { PaybillRuntimeError } from "../store/errors.js";
import type { SignedCheckpoint } from "./checkpoint.js";

export interface CheckpointSink {
  /** Adds checkpoints at the end, durably, before resolving; never changes what is there. */
  append(checkpoints: readonly SignedCheckpoint[]): Promise<void>;
  /**
   * The latest checkpoint of `tenant`: the one of the highest seq (of those, the one appended
   * last), so an old checkpoint appended again cannot stand in for a newer one.
   */
  latest(tenant: string): Promise<SignedCheckpoint | undefined>;
  /** Every tenant with a checkpoint (to find chains deleted with their head). */
  tenants(): Promise<string[]>;
}

export class FileCheckpointSink implements CheckpointSink {
  readonly path: string;

  constructor(path: string) {
    this.path = path;
  }

  async append(checkpoints: readonly SignedCheckpoint[]): Promise<void> {
    if (checkpoints.length === 0) return;
    const text = checkpoints.map((c) => `${JSON.stringify(lineOf(c))}\n`).join("");
    try {
      const file = await open(this.path, "a", 0o644);
      try {
        await file.appendFile(text, "utf8");
        await file.sync();
      } finally {
        await file.close();
      }
    } catch (error) {
      throw sinkError(`the checkpoint file \`${this.path}\` cannot be written (${codeOf(error)})`, "check that its directory exists and the runtime may write to it");
    }
  }

  async latest(tenant: string): Promise<SignedCheckpoint | undefined> {
    return (await this.#read()).get(tenant);
  }

  async tenants(): Promise<string[]> {
    return [...(await this.#read()).keys()].sort();
  }

  async #read(): Promise<Map<string, SignedCheckpoint>> {
    let text: string;
    try {
      text = await readFile(this.path, "utf8");
    } catch (error) {
      if (codeOf(error) === "ENOENT") return new Map();
      throw sinkError(`the checkpoint file \`${this.path}\` cannot be read (${codeOf(error)})`, "check that the runtime may read it");
    }
    const latest = new Map<string, SignedCheckpoint>();
    const lines = text.split("\n");
    lines.forEach((line, i) => {
      // A crash in the middle of a write can leave the last line unfinished: it never held a whole checkpoint.
      if (line.trim() === "" || (i === lines.length - 1 && !text.endsWith("\n") && parse(line) === undefined)) return;
      const checkpoint = parse(line);
      if (checkpoint === undefined) {
        throw sinkError(
          `line ${i + 1} of the checkpoint file \`${this.path}\` is not a checkpoint`,
          "the file was changed by something other than the runtime: restore it from a copy you trust",
        );
      }
      const before = latest.get(checkpoint.tenant);
      if (before === undefined || checkpoint.seq >= before.seq) latest.set(checkpoint.tenant, checkpoint);
    });
    return latest;
  }
}

/** The members in a fixed order, so the file reads the same whatever built the value. */
export function lineOf(c: SignedCheckpoint): SignedCheckpoint {
  return { tenant: c.tenant, seq: c.seq, hash: c.hash, time: c.time, key: c.key, signature: c.signature };
}

/** A checkpoint from one line, or undefined when it is not one. */
export function parse(line: string): SignedCheckpoint | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof value !== "object" || value === null) return undefined;
  const v = value as Record<string, unknown>;
  const text = (name: string): string | undefined => (typeof v[name] === "string" ? (v[name] as string) : undefined);
  const tenant = text("tenant");
  const hash = text("hash");
  const time = text("time");
  const key = text("key");
  const signature = text("signature");
  const seq = v["seq"];
  if (tenant === undefined || hash === undefined || time === undefined || key === undefined || signature === undefined) return undefined;
  if (typeof seq !== "number" || !Number.isSafeInteger(seq) || seq < 1) return undefined;
  return { tenant, seq, hash, time, key, signature };
}

function sinkError(message: string, help: string): PaybillRuntimeError {
  return new PaybillRuntimeError("PBR163", message, help);
}

function codeOf(error: unknown): string {
  return error instanceof Error && "code" in error ? String(error.code) : "unknown error";
}
