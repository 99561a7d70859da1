/**
 * Taking checkpoints: the heads of the chains (`paybill_audit_heads`, read without a lock:
 * a committed head always names a committed record) signed and appended to the sink. On
 * demand (`takeCheckpoints`), and periodically by `CheckpointSchedule`: a timer the
 * runtime starts when the host asks for `audit.every`, which reads every head in one
 * query and checkpoints the chains that moved by at least `records` since their last
 * checkpoint. The act path is not touched (no extra statement, lock or round trip in an
 * act's transaction); the price is that records appended since the last tick are covered
 * only at the next one (spec/runtime.md says what that leaves open).
 */
import type { Sql } from "../store/adapter.js";
import { PaybillRuntimeError } from "../store/errors.js";
import type { SignedCheckpoint, Signer } from "./checkpoint.js";
import type { CheckpointSink } from "./checkpoint-sink.js";

export interface Head {
  readonly tenant: string;
  readonly seq: number;
  readonly hash: string;
}

export async function readHeads(sql: Sql, tenant?: string): Promise<Head[]> {
  const rows =
    tenant === undefined
      ? await sql.query<{ tenant_id: string; seq: unknown; hash: string }>("select tenant_id, seq, hash from paybill_audit_heads where seq > 0 order by tenant_id")
      : await sql.query<{ tenant_id: string; seq: unknown; hash: string }>("select tenant_id, seq, hash from paybill_audit_heads where tenant_id = $1 and seq > 0", [tenant]);
  return rows.map((r) => ({ tenant: r.tenant_id, seq: Number(r.seq), hash: r.hash }));
}

/** Signs the given heads and appends them to the sink (durable when this resolves). */
export async function checkpointHeads(heads: readonly Head[], signer: Signer, sink: CheckpointSink, now: Date): Promise<SignedCheckpoint[]> {
  const time = now.toISOString();
  const signed = heads.map((h) => signer.sign({ tenant: h.tenant, seq: h.seq, hash: h.hash, time }));
  await sink.append(signed);
  return signed;
}

export interface CheckpointEvery {
  /** How often the heads are read, in milliseconds (default 60,000). */
  readonly ms?: number;
  /** A chain is checkpointed when it grew by at least this many records since its last checkpoint (default 1). */
  readonly records?: number;
}

/** `every` with its defaults, or PBR164 when it is not a positive whole interval and record count. */
export function checkEvery(every: CheckpointEvery): { ms: number; records: number } {
  const ms = every.ms ?? 60_000;
  const records = every.records ?? 1;
  if (!(Number.isSafeInteger(ms) && ms > 0) || !(Number.isSafeInteger(records) && records > 0)) {
    throw new PaybillRuntimeError("PBR164", `\`audit.every\` needs a positive whole \`ms\` and \`records\`, not ${JSON.stringify(every)}`, "write e.g. `every: { ms: 60000, records: 1 }`");
  }
  return { ms, records };
}

/** The periodic checkpoints of one runtime. `tick` is also what `close` runs a last time. */
export class CheckpointSchedule {
  readonly #last = new Map<string, number>();
  readonly #records: number;
  #timer: ReturnType<typeof setInterval> | undefined;
  #running: Promise<void> = Promise.resolve();

  constructor(
    readonly every: CheckpointEvery,
    private readonly take: (heads: readonly Head[]) => Promise<void>,
    private readonly read: () => Promise<Head[]>,
    private readonly onError: (error: unknown) => void,
  ) {
    const { ms, records } = checkEvery(every);
    this.#records = records;
    this.#timer = setInterval(() => void this.tick(), ms);
    // The timer alone never keeps the host's process alive.
    this.#timer.unref();
  }

  /** Remembers checkpoints taken on demand, so the schedule does not repeat them. */
  taken(checkpoints: readonly SignedCheckpoint[]): void {
    for (const c of checkpoints) this.#last.set(c.tenant, Math.max(c.seq, this.#last.get(c.tenant) ?? 0));
  }

  /** One round: the heads that moved enough are checkpointed. Never runs twice at once; never throws (errors go to onError). */
  tick(): Promise<void> {
    this.#running = this.#running.then(async () => {
      try {
        const due = (await this.read()).filter((h) => h.seq - (this.#last.get(h.tenant) ?? 0) >= this.#records);
        if (due.length === 0) return;
        await this.take(due);
        for (const h of due) this.#last.set(h.tenant, h.seq);
      } catch (error) {
        this.onError(error);
      }
    });
    return this.#running;
  }

  /** Stops the timer after a last round (the chains' latest heads are covered when the runtime closes). */
  async stop(): Promise<void> {
    if (this.#timer === undefined) return;
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.tick();
  }
}
