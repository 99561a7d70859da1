/**
 * The one database interface the runtime speaks: parameterized queries and transactions,
 * the same over embedded PGlite and over PostgreSQL through `pg`. Nothing above this file
 * knows which database it talks to.
 *
 * Rows come back as the driver parses them (a `bigint` may be a string or a BigInt, a
 * `numeric` a string): row-codec.ts turns them into JSON values.
 */

export type Row = Record<string, unknown>;

/** What a query runs on: the database (its own implicit transaction) or one transaction's connection. */
export interface Sql {
  /**
   * `prepared`: the statement is parsed and planned once per connection and reused (the
   * act path's statements, sent thousands of times). Only for statements whose result
   * columns are written out (no `select *`), so a table altered later cannot change them.
   */
  query<T extends Row = Row>(text: string, params?: readonly unknown[], options?: QueryOptions): Promise<T[]>;
  /** Runs a script of several statements without parameters (migrations, DDL). */
  exec(script: string): Promise<void>;
}

export interface Database extends Sql {
  readonly kind: "pglite" | "postgres";
  /**
   * Runs `body` in one transaction on one connection: committed when it returns, rolled back when it throws.
   * With `role`, the transaction runs as that role from its first statement (`SET LOCAL ROLE`, sent with `BEGIN`).
   * With `opening`, those statements run next, in the same message; `body` gets the rows of the last one.
   */
  transaction<T>(body: (tx: Sql, opened: readonly Row[]) => Promise<T>, options?: TransactionOptions): Promise<T>;
  /** Closes what this adapter opened; a PGlite instance or pool the caller passed in stays open. */
  close(): Promise<void>;
}

export interface TransactionOptions {
  /** A role the connecting role is a member of (store/roles.ts); checked by the database. */
  readonly role?: string;
  /**
   * Statements sent with `BEGIN` (after the role) in the same message, so a transaction's
   * first reads cost no round trip of their own (the act path binds its tenant and reads
   * its facts this way). Simple protocol: no parameters, every value written with sql.ts's
   * `literal` (or checked to be a uuid).
   */
  readonly opening?: string;
  /**
   * A statement with parameters run after `opening`, in the same message, as `EXECUTE` of a
   * statement the adapter prepares once per connection (prepared-opening.ts): parsed and
   * planned once, not on every transaction. `body` gets its rows.
   */
  readonly prepared?: PreparedOpening;
}

/** A statement with `$1…$n` and its arguments, each an SQL literal (sql.ts `literal`, or a checked uuid). */
export interface PreparedOpening {
  readonly sql: string;
  readonly args: readonly string[];
}

export interface QueryOptions {
  readonly prepared?: boolean;
}
