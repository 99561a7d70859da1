/**
 * Opening statements prepared once per connection (adapter.ts `prepared`): the act path's
 * first statement binds the tenant and reads its facts and run on every transaction, and
 * parsing and planning it each time cost the database more than running it. Sent in the
 * simple protocol with BEGIN, it is `EXECUTE name(args…)` of a statement the connection
 * `PREPARE`d the first time it met the text, in a message of its own (so whether it is
 * prepared is never in doubt: a prepared statement outlives even a rolled-back transaction).
 *
 * A connection that lost its statements behind the adapter's back (`DEALLOCATE ALL`,
 * `DISCARD ALL`) answers 26000: the adapter forgets that connection's set and begins again,
 * preparing (nothing ran yet). One that answers 26000 right after preparing has a pooler in
 * transaction mode between it and the server (PgBouncer hands each transaction another
 * server connection, and keeps no SQL-level `PREPARE`): the adapter stops preparing and
 * sends the statement written out with its arguments, as before there was this file.
 */
import type { PreparedOpening } from "./adapter.js";

let adapters = 0;

/** The names one adapter gives its opening statements, and which each of its connections has prepared. */
export class PreparedOpenings<C extends object> {
  readonly #prefix = `paybill_opening_${++adapters}_`;
  readonly #names = new Map<string, string>();
  readonly #prepared = new WeakMap<C, Set<string>>();
  #inline = false;

  /** `EXECUTE` of `opening` on `connection`, and the `PREPARE` to send before it when the connection lacks it. */
  statements(connection: C, opening: PreparedOpening): { readonly prepare?: string; readonly execute: string; readonly name: string } {
    if (this.#inline) return { execute: inlined(opening), name: "" };
    let name = this.#names.get(opening.sql);
    if (name === undefined) {
      name = `${this.#prefix}${this.#names.size + 1}`;
      this.#names.set(opening.sql, name);
    }
    const execute = `execute ${name}${opening.args.length === 0 ? "" : `(${opening.args.join(", ")})`}`;
    return this.#prepared.get(connection)?.has(name) === true ? { execute, name } : { prepare: `prepare ${name} as ${opening.sql}`, execute, name };
  }

  /** `connection` prepared `name` (its `PREPARE` succeeded). */
  prepared(connection: C, name: string): void {
    let names = this.#prepared.get(connection);
    if (names === undefined) {
      names = new Set();
      this.#prepared.set(connection, names);
    }
    names.add(name);
  }

  /** `connection` lost its prepared statements (26000). */
  forget(connection: C): void {
    this.#prepared.delete(connection);
  }

  /** A statement prepared a moment ago was already gone: from now on, send each opening written out. */
  inline(): void {
    this.#inline = true;
  }
}

/** The statement with its arguments (SQL literals) in place of `$1…$n`. */
export function inlined(opening: PreparedOpening): string {
  return opening.sql.replace(/\$(\d+)/g, (whole, n: string) => opening.args[Number(n) - 1] ?? whole);
}

/** Whether `error` says a prepared statement the adapter thought the connection held is gone (26000). */
export function lostPrepared(error: unknown): boolean {
  return typeof error === "object" && error !== null && (error as { code?: unknown }).code === "26000";
}
