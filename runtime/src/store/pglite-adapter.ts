/**
 * The Database interface over embedded PGlite (real PostgreSQL compiled to WASM, one
 * connection). PGlite serialises queries and transactions itself, so concurrent callers
 * simply queue; a transaction holds the only connection until it ends.
 */
import { PGlite, type Transaction } from "@electric-sql/pglite";
import type { Database, Row, Sql, TransactionOptions } from "./adapter.js";
import { ident } from "./sql.js";

export interface PgliteOptions {
  /** A PGlite instance the caller owns (left open on close), or where to create one. */
  readonly instance?: PGlite;
  /** A directory to keep the database in; in memory when absent. */
  readonly dataDir?: string;
}

export async function openPglite(options: PgliteOptions): Promise<Database> {
  const owned = options.instance === undefined;
  const db = options.instance ?? (await PGlite.create(options.dataDir === undefined ? {} : { dataDir: options.dataDir }));
  return new PgliteDatabase(db, owned);
}

class PgliteDatabase implements Database {
  readonly kind = "pglite";
  readonly #db: PGlite;
  readonly #owned: boolean;

  constructor(db: PGlite, owned: boolean) {
    this.#db = db;
    this.#owned = owned;
  }

  async query<T extends Row = Row>(text: string, params: readonly unknown[] = []): Promise<T[]> {
    return (await this.#db.query<T>(text, [...params])).rows;
  }

  async exec(script: string): Promise<void> {
    await this.#db.exec(script);
  }

  transaction<T>(body: (tx: Sql) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
    const role = options.role;
    return this.#db.transaction(async (tx) => {
      if (role !== undefined) await tx.exec(`set local role ${ident(role)}`);
      return body(wrap(tx));
    });
  }

  async close(): Promise<void> {
    if (this.#owned) await this.#db.close();
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
