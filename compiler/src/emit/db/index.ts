/** The Drizzle emitter: entities → `schema.ts`, snapshots and migrations; and applying them. */
export { type Applied, applyMigrations, MigrateError, migrationHash, RECORD_TABLE } from "./apply.js";
export { type Client, isPostgresUrl, openClient } from "./client.js";
export { type Folder, type MigrationFile, MIGRATIONS_DIR, readMigrations } from "./folder.js";
export type { Loss } from "./losses.js";
export { BREAKPOINT, type Plan, planMigration } from "./migration.js";
export { POLICY, type PolicySpec, RUNTIME_ROLE, TENANT_POLICY, TENANT_SETTING } from "./security.js";
export { schemaTs, tableVariable } from "./schema-ts.js";
export { type Snapshot, snapshotText } from "./snapshot.js";
export { type DbTable, dbTables } from "./tables.js";
export { buildDatabase, type DbBuild, type DbFile } from "./build-db.js";
export { auditIsolation, entityExpectations, type TableExpectation } from "./audit.js";
