/**
 * The Database interface over PostgreSQL through a `pg` Pool: each transaction checks out
 * one client, runs BEGIN … COMMIT on it (ROLLBACK when the body throws) and gives it back.
 * Concurrent transactions really run concurrently, one per pooled connection.
 */
import pg from "pg";
import type { Database, QueryOptions, Row, Sql, TransactionOptions } from "./adapter.js";
import { ident } from "./sql.js";

export interface PostgresOptions {
  readonly url: string;
  /** Connections in the pool (default 10). */
  readonly max?: number;
  /** Every connection's `search_path` (the runtime's tables and the entity tables live there). */
  readonly schema?: string;
}

export function openPostgres(options: PostgresOptions): Database {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.max ?? 10,
    ...(options.schema === undefined ? {} : { options: `-c search_path=${ident(options.schema)}` }),
  });
  // An idle client that loses its connection must not crash the host process.
  pool.on("error", () => {});
  return new PostgresDatabase(pool);
}

class PostgresDatabase implements Database {
  readonly kind = "postgres";
  readonly #pool: pg.Pool;

  constructor(pool: pg.Pool) {
    this.#pool = pool;
  }

  async query<T extends Row = Row>(text: string, params: readonly unknown[] = []): Promise<T[]> {
    return (await this.#pool.query<T>(text, [...params])).rows;
  }

  async exec(script: string): Promise<void> {
    await this.#pool.query(script);
  }

  async transaction<T>(body: (tx: Sql) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
    const client = await this.#pool.connect();
    let broken = false;
    try {
      // The role rides with BEGIN (one simple-protocol message): no round trip of its own.
      await client.query(options.role === undefined ? "begin" : `begin; set local role ${ident(options.role)}`);
      const result = await body(wrap(client));
      // PostgreSQL answers COMMIT of a failed transaction with ROLLBACK, without an error.
      const commit = await client.query("commit");
      if (commit.command !== "COMMIT") throw new Error("the transaction was rolled back instead of committed: a statement in it failed");
      return result;
    } catch (error) {
      try {
        await client.query("rollback");
      } catch {
        // The connection itself failed: do not hand it back to the pool.
        broken = true;
      }
      throw error;
    } finally {
      client.release(broken);
    }
  }

  async close(): Promise<void> {
    await this.#pool.end();
  }
}

/**
 * Prepared statements by text: one name per text, prepared on each connection when it first
 * runs there. The act path has a handful of texts per action; past MAX_PREPARED texts, new
 * ones run unprepared rather than fill every connection.
 */
const statementNames = new Map<string, string>();
const MAX_PREPARED = 1000;

function statementName(text: string): string | undefined {
  let name = statementNames.get(text);
  if (name === undefined && statementNames.size < MAX_PREPARED) {
    name = `paybill_${statementNames.size + 1}`;
    statementNames.set(text, name);
  }
  return name;
}

function wrap(client: pg.PoolClient): Sql {
  return {
    async query<T extends Row = Row>(text: string, params: readonly unknown[] = [], options?: QueryOptions): Promise<T[]> {
      const name = options?.prepared === true ? statementName(text) : undefined;
      if (name !== undefined) return (await client.query<T>({ name, text, values: [...params] })).rows;
      return (await client.query<T>(text, [...params])).rows;
    },
    async exec(script: string): Promise<void> {
      await client.query(script);
    },
  };
}
