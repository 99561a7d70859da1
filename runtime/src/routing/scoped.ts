/**
 * One schema of a shared database, as a Database of its own: every transaction starts with
 * `SET LOCAL search_path` to the schema (sent with `BEGIN`, no round trip of its own), and a
 * query outside a transaction runs in one. So one pool (or one PGlite instance) serves every
 * bridge schema of a server, and no connection keeps a tenant's schema after its
 * transaction. Unqualified names reach the schema only; the schema's guard
 * (bridge-guard.ts) refuses another tenant's rows even to a qualified name.
 */
import type { Database, Row, Sql, TransactionOptions } from "../store/adapter.js";
import { ident } from "../store/sql.js";

export function inSchema(db: Database, schema: string): Database {
  const setPath = `set local search_path to ${ident(schema)}`;
  const transaction = <T>(body: (tx: Sql, opened: readonly Row[]) => Promise<T>, options: TransactionOptions = {}): Promise<T> =>
    db.transaction(body, { ...options, opening: options.opening === undefined ? setPath : `${setPath}; ${options.opening}` });
  return {
    kind: db.kind,
    transaction,
    query: (text, params, options) => transaction((tx) => tx.query(text, params, options)),
    exec: (script) => transaction((tx) => tx.exec(script)),
    // The server's connection is shared with the other schemas: its owner (the router) closes it.
    close: async () => {},
  };
}
