/**
 * The runtime's own tables (`paybill_*`: tenants, runs, approvals, quotas, the audit chain,
 * the control plane's) and its roles (`paybill_runtime`, `paybill_control`), applied by
 * `paybillc migrate` with the project's migrations: the runtime's numbered migrations
 * (@paybill/runtime), through the same admin connection, in the schema given. A runtime
 * opened on PostgreSQL with a login role does not create them itself (spec/database.md).
 */
import { type Database, migrateRuntime, type MigrateResult } from "@paybill/runtime";
import type { Client } from "./client.js";

const q = (name: string): string => `"${name.replaceAll('"', '""')}"`;

/** Applies the runtime migrations the database (or `schema`, created when missing) lacks; a failure is the runtime's PaybillRuntimeError (PBR102, PBR103). */
export async function applyRuntimeTables(client: Client, options: { schema?: string } = {}): Promise<MigrateResult> {
  const schema = options.schema;
  if (schema !== undefined) {
    await client.transaction(async (tx) => {
      await tx.query("select pg_advisory_xact_lock(hashtext($1))", [`paybill.schema.${schema}`]);
      await tx.exec(`create schema if not exists ${q(schema)}`);
    });
  }
  const database: Database = {
    kind: client.kind,
    query: (text, params) => client.query(text, params),
    exec: (script) => client.exec(script),
    // Migrations run as the admin, without opening statements: the schema is all this view adds.
    transaction: (body) =>
      client.transaction(async (tx) => {
        if (schema !== undefined) await tx.exec(`set local search_path to ${q(schema)}`);
        return body(tx, []);
      }),
    close: async () => {},
  };
  return migrateRuntime(database);
}
