/**
 * Applies the migrations a database (or, for bridge tenants, one schema of it) lacks: each
 * in its own transaction with its record in `paybill_schema_migrations`, under an advisory
 * lock, so a migration is applied entirely or not at all and a rerun applies only what is
 * missing. A migration whose recorded hash differs from the file (edited after it was
 * applied), or a record of a migration the folder lacks, stops everything before any change.
 */
import { createHash } from "node:crypto";
import type { Client, Tx } from "./client.js";
import type { MigrationFile } from "./folder.js";
import { BREAKPOINT } from "./migration.js";

export const RECORD_TABLE = "paybill_schema_migrations";

export class MigrateError extends Error {
  constructor(
    readonly code: "PB9104" | "PB9105",
    message: string,
    readonly help: string,
  ) {
    super(message);
  }
}

export interface Applied {
  readonly applied: readonly string[];
  readonly already: readonly string[];
}

export function migrationHash(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

const q = (name: string): string => `"${name.replaceAll('"', '""')}"`;

export async function applyMigrations(client: Client, migrations: readonly MigrationFile[], options: { schema?: string } = {}): Promise<Applied> {
  const schema = options.schema;
  const enter = async (tx: Tx): Promise<void> => {
    if (schema !== undefined) await tx.exec(`set local search_path to ${q(schema)}`);
    await tx.query(`select pg_advisory_xact_lock(hashtext(current_schema() || '.${RECORD_TABLE}'))`);
  };
  if (schema !== undefined) {
    await client.transaction(async (tx) => {
      await tx.query("select pg_advisory_xact_lock(hashtext($1))", [`paybill.schema.${schema}`]);
      await tx.exec(`create schema if not exists ${q(schema)}`);
    });
  }
  const recorded = await client.transaction(async (tx) => {
    await enter(tx);
    await tx.exec(`create table if not exists ${RECORD_TABLE} (id text primary key, hash text not null, applied_at timestamptz not null default now())`);
    return tx.query<{ id: string; hash: string }>(`select id, hash from ${RECORD_TABLE} order by id`);
  });
  const files = new Map(migrations.map((m) => [m.id, m]));
  for (const row of recorded) {
    const file = files.get(row.id);
    if (file === undefined) {
      throw new MigrateError("PB9104", `the database has migration \`${row.id}\` applied, which the migrations folder does not have`, "migrate with the project's migrations folder at the version that wrote this database, or a newer one");
    }
    if (migrationHash(file.text) !== row.hash) {
      throw new MigrateError("PB9104", `migration \`${row.id}\` was edited after it was applied to this database`, "restore the file from version control; a change is a new migration (`paybillc build` writes it)");
    }
  }
  const done = new Set(recorded.map((r) => r.id));
  const applied: string[] = [];
  for (const migration of migrations) {
    if (done.has(migration.id)) continue;
    const ran = await client.transaction(async (tx) => {
      await enter(tx);
      const again = await tx.query(`select 1 from ${RECORD_TABLE} where id = $1`, [migration.id]);
      if (again.length > 0) return false; // another migrate applied it while we waited for the lock
      const statements = migration.text.split(BREAKPOINT).map((s) => s.trim()).filter((s) => s.replace(/^--.*$/gm, "").trim() !== "");
      for (const [i, statement] of statements.entries()) {
        try {
          await tx.exec(statement);
        } catch (error) {
          const reason = error instanceof Error ? error.message : String(error);
          throw new MigrateError(
            "PB9105",
            `migration \`${migration.id}\` failed at statement ${i + 1} of ${statements.length}: ${reason}`,
            "nothing of this migration was applied (it ran in one transaction); fix the database or the migration and run `paybillc migrate` again",
          );
        }
      }
      await tx.query(`insert into ${RECORD_TABLE} (id, hash) values ($1, $2)`, [migration.id, migrationHash(migration.text)]);
      return true;
    });
    if (ran) applied.push(migration.id);
  }
  return { applied, already: migrations.filter((m) => done.has(m.id)).map((m) => m.id) };
}
