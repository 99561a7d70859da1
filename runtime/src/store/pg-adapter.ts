/**
 * The Database interface over PostgreSQL through a `pg` Pool: each transaction checks out
 * one client, runs BEGIN … COMMIT on it (ROLLBACK when the body throws) and gives it back.
 * Concurrent transactions really run concurrently, one per pooled connection.
 *
 * A lost connection (store/connection-loss.ts) is PBR190, never the driver's error, and
 * never an unhandled `error` event: every client the pool makes gets a listener that marks
 * it lost, and a lost client is dropped instead of handed back. A connection found dead at
 * BEGIN (terminated while idle in the pool) is replaced before anything ran.
 */
import pg from "pg";
import type { Database, QueryOptions, Row, Sql, TransactionOptions } from "./adapter.js";
import { connectionLost, isConnectionLoss, type LossPhase } from "./connection-loss.js";
import { lostPrepared, PreparedOpenings } from "./prepared-opening.js";
import { ident } from "./sql.js";

export interface PostgresOptions {
  readonly url: string;
  /** Connections in the pool (default 10). */
  readonly max?: number;
  /** Every connection's `search_path` (the runtime's tables and the entity tables live there). */
  readonly schema?: string;
  /** The connections' `application_name` (default `paybill`), as `pg_stat_activity` shows it. */
  readonly applicationName?: string;
}

export function openPostgres(options: PostgresOptions): Database {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.max ?? 10,
    application_name: options.applicationName ?? "paybill",
    ...(options.schema === undefined ? {} : { options: `-c search_path=${ident(options.schema)}` }),
  });
  // An idle client that loses its connection must not crash the host process.
  pool.on("error", () => {});
  const lost = new WeakSet<pg.ClientBase>();
  // A checked-out client has no pool listener: its backend terminated mid-transaction would
  // otherwise be an unhandled `error` event, which ends the process.
  pool.on("connect", (client) => {
    client.on("error", () => lost.add(client));
  });
  return new PostgresDatabase(pool, lost, options.max ?? 10);
}

class PostgresDatabase implements Database {
  readonly kind = "postgres";
  readonly #pool: pg.Pool;
  readonly #lost: WeakSet<pg.ClientBase>;
  readonly #size: number;
  readonly #openings = new PreparedOpenings<pg.PoolClient>();

  constructor(pool: pg.Pool, lost: WeakSet<pg.ClientBase>, size: number) {
    this.#pool = pool;
    this.#lost = lost;
    this.#size = size;
  }

  async query<T extends Row = Row>(text: string, params: readonly unknown[] = []): Promise<T[]> {
    // The connection first, on its own: a server that cannot be reached ran nothing ("connect"), unlike one lost mid-statement.
    let client: pg.PoolClient;
    try {
      client = await this.#pool.connect();
    } catch (error) {
      throw isConnectionLoss(error) ? connectionLost("connect", error) : error;
    }
    let broken = false;
    try {
      return (await client.query<T>(text, [...params])).rows;
    } catch (error) {
      broken = this.#lost.has(client) || isConnectionLoss(error);
      throw broken ? connectionLost("single", error) : error;
    } finally {
      client.release(broken);
    }
  }

  async exec(script: string): Promise<void> {
    await this.query(script);
  }

  async transaction<T>(body: (tx: Sql, opened: readonly Row[]) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
    const { client, opened } = await this.#begin(options);
    let broken = false;
    let phase: LossPhase = "statement";
    try {
      const result = await body(wrap(client), opened);
      phase = "commit";
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
      if (broken || this.#lost.has(client) || isConnectionLoss(error)) {
        broken = true;
        throw connectionLost(phase, error);
      }
      throw error;
    } finally {
      client.release(broken);
    }
  }

  /**
   * A client in a transaction, with the rows of its opening statements. Every pooled
   * connection may have died while idle: each is tried once, then a fresh one.
   */
  async #begin({ role, opening, prepared }: TransactionOptions): Promise<{ client: pg.PoolClient; opened: readonly Row[] }> {
    for (let attempt = 0; ; attempt++) {
      let client: pg.PoolClient;
      try {
        client = await this.#pool.connect();
      } catch (error) {
        throw isConnectionLoss(error) ? connectionLost("connect", error) : error;
      }
      const execute = prepared === undefined ? undefined : this.#openings.statements(client, prepared);
      try {
        if (execute?.prepare !== undefined) {
          // The first time on this connection: prepared in a message of its own (prepared-opening.ts).
          await client.query(execute.prepare);
          this.#openings.prepared(client, execute.name);
        }
        // The role and the opening statements ride with BEGIN (one simple-protocol message): no round trip of their own.
        const text = ["begin", ...(role === undefined ? [] : [`set local role ${ident(role)}`]), ...(opening === undefined ? [] : [opening]), ...(execute === undefined ? [] : [execute.execute])].join("; ");
        const results = (await client.query(text)) as unknown as pg.QueryResult | pg.QueryResult[];
        const last = Array.isArray(results) ? results[results.length - 1] : results;
        return { client, opened: opening === undefined && execute === undefined ? [] : (last?.rows ?? []) };
      } catch (error) {
        if (!isConnectionLoss(error)) {
          // A statement of the opening failed (the connection is fine): end the transaction it began.
          const ended = await client.query("rollback").then(
            () => true,
            () => false,
          );
          client.release(!ended);
          if (execute !== undefined && execute.name !== "" && lostPrepared(error) && attempt < this.#size) {
            // Its statement is gone: begin again, preparing it; gone right after preparing, a pooler is in the way: written out from now on.
            if (execute.prepare === undefined) this.#openings.forget(client);
            else this.#openings.inline();
            continue;
          }
          throw error;
        }
        client.release(true);
        if (attempt >= this.#size) throw connectionLost("statement", error);
      }
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
