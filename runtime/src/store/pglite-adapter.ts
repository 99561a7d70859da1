/**
 * The Database interface over embedded PGlite (real PostgreSQL compiled to WASM, one
 * connection). PGlite serialises queries and transactions itself, so concurrent callers
 * simply queue; a transaction holds the only connection until it ends.
 *
 * A data directory is locked for as long as it is open (data-dir-lock.ts): a second opener
 * is refused (PBR191) rather than let in to lose its writes.
 */
import { PGlite, type Transaction } from "@electric-sql/pglite";
import type { Database, Row, Sql, TransactionOptions } from "./adapter.js";
import { type DataDirLock, lockDataDir } from "./data-dir-lock.js";
import { lostPrepared, PreparedOpenings } from "./prepared-opening.js";
import { ident } from "./sql.js";

export interface PgliteOptions {
  /** A PGlite instance the caller owns (left open on close), or where to create one. */
  readonly instance?: PGlite;
  /** A directory to keep the database in; in memory when absent. */
  readonly dataDir?: string;
}

export async function openPglite(options: PgliteOptions): Promise<Database> {
  if (options.instance !== undefined) return new PgliteDatabase(options.instance, false);
  const lock = options.dataDir === undefined ? undefined : lockDataDir(options.dataDir);
  try {
    return new PgliteDatabase(await PGlite.create(options.dataDir === undefined ? {} : { dataDir: options.dataDir }), true, lock);
  } catch (error) {
    lock?.release();
    throw error;
  }
}

class PgliteDatabase implements Database {
  readonly kind = "pglite";
  readonly #db: PGlite;
  readonly #owned: boolean;
  readonly #lock: DataDirLock | undefined;
  readonly #openings = new PreparedOpenings<PGlite>();

  constructor(db: PGlite, owned: boolean, lock?: DataDirLock) {
    this.#db = db;
    this.#owned = owned;
    this.#lock = lock;
  }

  async query<T extends Row = Row>(text: string, params: readonly unknown[] = []): Promise<T[]> {
    return (await this.#db.query<T>(text, [...params])).rows;
  }

  async exec(script: string): Promise<void> {
    await this.#db.exec(script);
  }

  transaction<T>(body: (tx: Sql, opened: readonly Row[]) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
    return this.#transaction(body, options, true);
  }

  async #transaction<T>(body: (tx: Sql, opened: readonly Row[]) => Promise<T>, options: TransactionOptions, again: boolean): Promise<T> {
    const { role, opening, prepared } = options;
    let opened = false;
    let retry = false;
    try {
      return await this.#db.transaction(async (tx) => {
        // Decided once the transaction runs: PGlite runs one at a time, in the order asked.
        const execute = prepared === undefined ? undefined : this.#openings.statements(this.#db, prepared);
        if (execute?.prepare !== undefined) {
          // The first time: prepared in a call of its own (prepared-opening.ts).
          await tx.exec(execute.prepare);
          this.#openings.prepared(this.#db, execute.name);
        }
        retry = execute !== undefined && execute.prepare === undefined;
        const first = [...(role === undefined ? [] : [`set local role ${ident(role)}`]), ...(opening === undefined ? [] : [opening]), ...(execute === undefined ? [] : [execute.execute])];
        // The role and the opening statements in one call after PGlite's own BEGIN.
        const results = first.length === 0 ? [] : await tx.exec(first.join("; "));
        opened = true;
        return body(wrap(tx), opening === undefined && execute === undefined ? [] : ((results[results.length - 1]?.rows ?? []) as Row[]));
      });
    } catch (error) {
      if (!opened && retry && again && lostPrepared(error)) {
        // Its statement is gone (prepared-opening.ts): begin again, preparing it.
        this.#openings.forget(this.#db);
        return this.#transaction(body, options, false);
      }
      throw error;
    }
  }

  async close(): Promise<void> {
    try {
      if (this.#owned) await this.#db.close();
    } finally {
      this.#lock?.release();
    }
  }
}

function wrap(tx: Transaction): Sql {
  return {
    async query<T extends Row = Row>(text: string, params: readonly unknown[] = []): Promise<T[]> {
      return (await tx.query<T>(text, [...params])).rows;
    },
    async exec(script: string): Promise<void> {
      await tx.exec(script);
    },
  };
}
