/**
 * Applies the runtime's migrations that a database lacks, all in one transaction, under an
 * advisory lock so that service instances opening at once do not race. Idempotent: a
 * migrated database is left as it is. A database migrated by a newer runtime is refused.
 *
 * A database that holds exactly the migrations asked for is seen in one read of
 * `paybill_migrations` (in a transaction, as the migrations run: the adapter may set the
 * schema there) and left alone: no lock, no DDL.
 */
import { createHash } from "node:crypto";
import type { Database } from "./adapter.js";
import { PaybillRuntimeError } from "./errors.js";
import { LATEST_VERSION, MIGRATIONS, type Migration } from "./migrations.js";

export interface MigrateResult {
  /** The versions applied by this call, in order (empty when the database was up to date). */
  readonly applied: readonly number[];
  readonly version: number;
}

export async function migrate(db: Database, migrations: readonly Migration[] = MIGRATIONS): Promise<MigrateResult> {
  const latest = migrations === MIGRATIONS ? LATEST_VERSION : migrations.reduce((max, m) => Math.max(max, m.version), 0);
  if (await upToDate(db, migrations)) return { applied: [], version: latest };
  return db.transaction(async (tx) => {
    await tx.query("select pg_advisory_xact_lock(hashtext(current_schema() || '.paybill_migrate'))");
    await tx.exec(
      "create table if not exists paybill_migrations (version integer primary key, name text not null, applied_at timestamptz not null default now())",
    );
    const rows = await tx.query<{ version: number }>("select version from paybill_migrations order by version");
    const done = new Set(rows.map((r) => Number(r.version)));
    const newest = Math.max(0, ...done);
    if (newest > latest) {
      throw new PaybillRuntimeError(
        "PBR102",
        `the database's runtime tables are at version ${newest}, newer than this runtime's ${latest}`,
        "upgrade @paybill/runtime in this service, or open another database",
      );
    }
    const applied: number[] = [];
    for (const migration of [...migrations].sort((a, b) => a.version - b.version)) {
      if (done.has(migration.version)) continue;
      try {
        await tx.exec(migration.sql);
      } catch (error) {
        throw new PaybillRuntimeError(
          "PBR103",
          `runtime migration ${migration.version} (\`${migration.name}\`) failed: ${error instanceof Error ? error.message : String(error)}`,
          "nothing was changed; fix the database and open the runtime again",
          { cause: error },
        );
      }
      await tx.query("insert into paybill_migrations (version, name) values ($1, $2)", [migration.version, migration.name]);
      applied.push(migration.version);
    }
    return { applied, version: Math.max(newest, ...applied) };
  });
}

/** Whether `paybill_migrations` lists exactly `migrations`' versions (false when it does not exist). */
async function upToDate(db: Database, migrations: readonly Migration[]): Promise<boolean> {
  const wanted = migrations.map((m) => m.version).sort((a, b) => a - b).join(",");
  try {
    // In a transaction of its own: an adapter may set the schema there only (emit/db/runtime-tables.ts in the compiler).
    const rows = await db.transaction((tx) => tx.query<{ versions: string | null }>("select string_agg(version::text, ',' order by version) as versions from paybill_migrations"));
    return (rows[0]?.versions ?? "") === wanted && wanted !== "";
  } catch {
    return false;
  }
}

/** What a template of a database with these migrations depends on (pglite-template.ts): their versions, names and text. */
export function migrationsKey(migrations: readonly Migration[]): string {
  const hash = createHash("sha256");
  for (const m of [...migrations].sort((a, b) => a.version - b.version)) hash.update(JSON.stringify([m.version, m.name, m.sql]));
  return `migrations ${hash.digest("hex")}`;
}
