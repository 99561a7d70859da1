/**
 * Making a placement ready for its tenant's rows: for a bridge tenant its schema is created
 * (under an advisory lock: concurrent onboardings take turns), migrated, then guarded
 * (bridge-guard.ts) — the guard after the migrations, so tables they add get it too; a
 * pooled or silo database is migrated. `migrate` is the caller's: the runtime's own tables
 * (store/migrate.ts) for a runtime, those and the project's migrations for `paybillc
 * migrate`. Needs an admin connection (the schema's owner); idempotent.
 */
import type { Database } from "../store/adapter.js";
import { ident } from "../store/sql.js";
import { bridgeGuardSql } from "./bridge-guard.js";
import type { PlacementConnection } from "./router.js";

export async function prepareBridgeSchema(server: Database, schema: string): Promise<void> {
  await server.transaction(async (tx) => {
    await tx.query("select pg_advisory_xact_lock(hashtext($1))", [`paybill.schema.${schema}`]);
    await tx.exec(`create schema if not exists ${ident(schema)}`);
  });
}

export async function migratePlacement<T>(connection: PlacementConnection, migrate: (sql: Database) => Promise<T>): Promise<T> {
  const schema = connection.schema;
  if (schema === undefined) return migrate(connection.sql);
  await prepareBridgeSchema(connection.server, schema);
  const result = await migrate(connection.sql);
  await connection.server.exec(bridgeGuardSql(schema, connection.tenant));
  return result;
}
