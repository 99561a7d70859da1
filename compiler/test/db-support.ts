/**
 * Shared pieces of the database tests: tables from inline sources (checked as the build
 * checks them), and the databases they run on — one PGlite per test file (it starts slowly),
 * and, when PAYBILL_TEST_DATABASE_URL is set, a throwaway PostgreSQL database per test file,
 * dropped at the end.
 */
import { randomBytes } from "node:crypto";
import { PGlite } from "@electric-sql/pglite";
import { checkProject, type Diagnostic, hasErrors, SourceFile } from "@paybill/lang";
import pg from "pg";
import { tryEmitBundle } from "../src/emit/bundle/index.js";
import { ensureTestLogin, loginUrl } from "../../runtime/test/support/store-db.js";
import { type Client, openClient } from "../src/emit/db/client.js";
import { applyRuntimeTables } from "../src/emit/db/runtime-tables.js";
import { type DbTable, dbTables } from "../src/emit/db/tables.js";

export const PG_URL = process.env.PAYBILL_TEST_DATABASE_URL;

/** The tables of `files` (name → text); throws with the diagnostics if they do not check. */
export function tablesOf(files: Record<string, string>): { tables: DbTable[]; diagnostics: Diagnostic[] } {
  const checked = checkProject(Object.entries(files).map(([name, text]) => new SourceFile(name, text)));
  if (hasErrors(checked.diagnostics) || checked.model === undefined) throw new Error(checked.diagnostics.map((d) => `${d.code} ${d.message}`).join("\n"));
  const emitted = tryEmitBundle(checked.model);
  if (!emitted.ok) throw new Error(emitted.diagnostics.map((d) => d.message).join("\n"));
  const diagnostics: Diagnostic[] = [];
  return { tables: dbTables(emitted.bundle, checked.model, diagnostics), diagnostics };
}

export interface TestDatabase {
  readonly name: string;
  /** A fresh connection (each `Client` is one session). */
  connect(): Promise<Client>;
  /** For the CLI: a URL, or a PGlite data directory. */
  readonly target?: string;
  drop(): Promise<void>;
}

export async function pgliteDatabase(): Promise<TestDatabase> {
  const db = await PGlite.create();
  return {
    name: "pglite",
    connect: () => openClient({ pglite: db }),
    drop: () => db.close(),
  };
}

/** A new database on the server of PAYBILL_TEST_DATABASE_URL, or undefined when it is not set. */
export async function postgresDatabase(): Promise<TestDatabase | undefined> {
  if (PG_URL === undefined) return undefined;
  const name = `paybill_db_test_${randomBytes(6).toString("hex")}`;
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(PG_URL);
  url.pathname = `/${name}`;
  const opened: Client[] = [];
  return {
    name: "postgres",
    target: url.toString(),
    connect: async () => {
      const client = await openClient({ url: url.toString() });
      opened.push(client);
      return client;
    },
    drop: async () => {
      for (const c of opened) await c.close().catch(() => undefined);
      const a = new pg.Client({ connectionString: PG_URL });
      await a.connect();
      await a.query(`drop database if exists ${name} with (force)`);
      await a.end();
    },
  };
}

/**
 * A throwaway PostgreSQL database as `paybillc migrate` leaves it — the runtime's tables and
 * roles made by the admin, the tests' login role in place — with the URL a CLI run connects
 * with (`login`: a member of the runtime's roles, under row-level security) beside the
 * admin's (`target`). Undefined when PAYBILL_TEST_DATABASE_URL is not set.
 */
export async function postgresForRuntime(): Promise<(TestDatabase & { readonly login: string }) | undefined> {
  const database = await postgresDatabase();
  if (database === undefined) return undefined;
  const admin = await database.connect();
  await applyRuntimeTables(admin);
  await ensureTestLogin(admin);
  return { ...database, login: loginUrl(database.target as string) };
}
