/**
 * The runtime's view of its database as one of its roles (roles.ts): every transaction
 * runs as that role from its first statement (the adapter sends `SET LOCAL ROLE` with
 * `BEGIN`), and a query outside a transaction runs in one of its own. So no statement of
 * the runtime runs as the connecting role, on PGlite (a superuser) as on PostgreSQL.
 *
 * - `prelude` runs first in every transaction, sent with `BEGIN` (an opening statement: no
 *   round trip of its own): binding the tenant (`bindTo`), or finding the tenant a run or
 *   an approval belongs to (`bindOwner`) before the body runs as the runtime role.
 * - A privilege the role lacks (42501 `permission denied …`) becomes PBR153 naming the
 *   grant, and a write refused by a row-level security policy PBR154: never the raw
 *   PostgreSQL message.
 */
import type { Database, QueryOptions, Row, Sql, TransactionOptions } from "./adapter.js";
import { PaybillRuntimeError } from "./errors.js";
import { isUuid, literal } from "./sql.js";
import { RUNTIME_ROLE, type RuntimeRole } from "./roles.js";

export function asRole(db: Database, role: RuntimeRole, prelude?: string): Database {
  const run = async <T>(body: (tx: Sql, opened: readonly Row[]) => Promise<T>, options: TransactionOptions = {}): Promise<T> => {
    const opening = [prelude, options.opening].filter((s) => s !== undefined).join("; ");
    try {
      const prepared = options.prepared === undefined ? {} : { prepared: options.prepared };
      return await db.transaction((raw, opened) => body(guarded(raw, role), opened), { role, ...(opening === "" ? {} : { opening }), ...prepared });
    } catch (error) {
      // `SET LOCAL ROLE` and the opening statements (sent with BEGIN) fail outside the body.
      throw privilegeError(error, role);
    }
  };
  return {
    kind: db.kind,
    query: <T extends Row = Row>(text: string, params?: readonly unknown[], options?: QueryOptions) => run((tx) => tx.query<T>(text, params, options)),
    exec: (script: string) => run((tx) => tx.exec(script)),
    transaction: run,
    // The connection is the runtime's to close, not a view's.
    close: async () => {},
  };
}

/** An opening statement binding the transaction to `tenant` (`paybill.tenant`). */
export function bindTo(tenant: string): string {
  return `select set_config('paybill.tenant', ${literal(tenant)}, true)`;
}

/**
 * An opening statement for a call that names a run or an approval, not its tenant: run as
 * the control role, it reads the tenant the row belongs to, binds it and switches to the
 * runtime role, so the body sees that tenant's rows only (none for an unknown id).
 */
export function bindOwner(kind: "run" | "approval", id: string): string {
  const table = kind === "run" ? "paybill_runs" : "paybill_approvals";
  const key = isUuid(id) ? `${literal(id)}::uuid` : "null::uuid";
  return `select set_config('paybill.tenant', coalesce((select tenant_id from ${table} where id = ${key}), ''), true), set_config('role', '${RUNTIME_ROLE}', true)`;
}

function guarded(tx: Sql, role: RuntimeRole): Sql {
  return {
    async query<T extends Row = Row>(text: string, params?: readonly unknown[], options?: QueryOptions): Promise<T[]> {
      try {
        return await tx.query<T>(text, params, options);
      } catch (error) {
        throw privilegeError(error, role);
      }
    },
    async exec(script: string): Promise<void> {
      try {
        await tx.exec(script);
      } catch (error) {
        throw privilegeError(error, role);
      }
    },
  };
}

/** 42501 as a PBR error naming what is missing; any other error as it is. */
export function privilegeError(error: unknown, role: string): unknown {
  if (!(error instanceof Error) || (error as { code?: unknown }).code !== "42501") return error;
  const denied = /^permission denied for (table|relation|sequence|schema|function) (.+)$/.exec(error.message);
  if (denied !== null) {
    const [, kind = "table", name = ""] = denied;
    const grant =
      kind === "schema"
        ? `GRANT USAGE ON SCHEMA ${name} TO ${role}`
        : kind === "function"
          ? `GRANT EXECUTE ON FUNCTION ${name} TO ${role}`
          : `GRANT ${tableGrant(name, role)} ON ${name} TO ${role}`;
    return new PaybillRuntimeError(
      "PBR153",
      `the role \`${role}\` lacks a privilege on the ${kind === "relation" ? "table" : kind} \`${name}\``,
      `run \`paybillc migrate\` (it grants what the runtime needs), or as the owner: \`${grant}\``,
      { cause: error },
    );
  }
  const rls = /^new row violates row-level security policy (?:for|"[^"]*" for) table "([^"]+)"/.exec(error.message);
  if (rls !== null) {
    return new PaybillRuntimeError(
      "PBR154",
      `a write to \`${rls[1] ?? ""}\` outside the tenant the transaction is bound to was refused`,
      "a row may only be written for the tenant the call names; report this as a bug if the runtime made the write",
      { cause: error },
    );
  }
  if (/^permission denied to set role/.test(error.message)) {
    return new PaybillRuntimeError(
      "PBR151",
      `the connecting role is not a member of \`${role}\``,
      `as an admin: \`GRANT ${role} TO <login role>\` (spec/database.md)`,
      { cause: error },
    );
  }
  return new PaybillRuntimeError("PBR153", `the role \`${role}\` lacks a privilege: ${error.message}`, "run `paybillc migrate` (it grants what the runtime needs)", { cause: error });
}

/** What the role is given on a table by migration 5 or the entity migrations (the help of PBR153). */
function tableGrant(table: string, role: string): string {
  if (table === "paybill_audit" || table === "paybill_run_history") return "SELECT, INSERT";
  if (table === "paybill_migrations" || (role === RUNTIME_ROLE && table === "paybill_tenants")) return "SELECT";
  if (table.startsWith("paybill_")) return "SELECT, INSERT, UPDATE";
  return "SELECT, INSERT, UPDATE, DELETE";
}
