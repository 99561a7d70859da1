/**
 * Turns the `database` option of openRuntime into a Database: embedded PGlite by default
 * (in memory, a data directory, or an instance the caller made) or PostgreSQL by URL.
 * With `schema`, every table the runtime touches lives in that schema (created if missing),
 * so several runtimes can share one database without sharing tables. On PostgreSQL the schema
 * is created only by a `privileged` (admin) connection: a runtime role may not create anything.
 *
 * A new embedded database starts from a template holding the runtime's migrations (in the
 * schema, when one is given): pglite-template.ts says where templates live and how a
 * change of migrations, schema or PGlite makes another one.
 */
import { PGlite } from "@electric-sql/pglite";
import type { Database } from "./adapter.js";
import { PaybillRuntimeError } from "./errors.js";
import { migrate, migrationsKey } from "./migrate.js";
import { MIGRATIONS } from "./migrations.js";
import { openPglite, type PgliteTemplate } from "./pglite-adapter.js";
import { defaultTemplateDir } from "./pglite-template.js";
import { openPostgres } from "./pg-adapter.js";
import { ident, isSchemaName } from "./sql.js";

export type DatabaseConfig =
  | {
      /**
       * An instance the caller owns, or options for one the runtime creates (in memory without
       * `dataDir`). `template`: the folder a new database's template is kept in (default:
       * `PAYBILL_CACHE_DIR`, else the user's cache folder; pglite-template.ts), `false` to run
       * `initdb` and every migration each time.
       */
      readonly pglite?: PGlite | { readonly dataDir?: string; readonly template?: string | false };
      readonly schema?: string;
    }
  | {
      /** `postgres://user@host:5432/db` */
      readonly url: string;
      /** Pool size (default 10). */
      readonly max?: number;
      /** The connections' `application_name` (default `paybill`): how to find them in `pg_stat_activity`. */
      readonly applicationName?: string;
      readonly schema?: string;
      /**
       * The URL's role is an admin's (superuser, owner or BYPASSRLS): open anyway, and apply
       * the runtime's migrations at open as PGlite does. Without it the runtime refuses such
       * a role (PBR150) and expects `paybillc migrate` to have created its tables (PBR152).
       * Transactions run as the runtime's roles either way.
       */
      readonly privileged?: boolean;
    };

export async function openDatabase(config: DatabaseConfig = {}): Promise<Database> {
  const schema = config.schema;
  if (schema !== undefined && !isSchemaName(schema)) {
    throw new PaybillRuntimeError(
      "PBR101",
      `\`${schema}\` is not a schema name the runtime accepts`,
      "use lowercase letters, digits and `_`, starting with a letter or `_` (at most 63 characters)",
    );
  }
  if ("url" in config) {
    if (typeof config.url !== "string" || !/^postgres(ql)?:\/\//.test(config.url)) {
      throw new PaybillRuntimeError(
        "PBR101",
        `\`${String(config.url)}\` is not a PostgreSQL URL`,
        "write it as `postgres://user:password@host:5432/database`",
      );
    }
    const db = openPostgres({
      url: config.url,
      ...(config.max === undefined ? {} : { max: config.max }),
      ...(config.applicationName === undefined ? {} : { applicationName: config.applicationName }),
      ...(schema === undefined ? {} : { schema }),
    });
    if (schema !== undefined && config.privileged === true) {
      try {
        await createSchema(db, schema);
      } catch (error) {
        await db.close();
        throw error;
      }
    }
    return db;
  }
  const option = "pglite" in config ? config.pglite : undefined;
  if (option instanceof PGlite) return inSchema(await openPglite({ instance: option }), schema);
  const template = option?.template === false ? undefined : runtimeTemplate(option?.template ?? defaultTemplateDir(), schema);
  const db = await openPglite({ ...(option?.dataDir === undefined ? {} : { dataDir: option.dataDir }), ...(template === undefined ? {} : { template }) });
  return inSchema(db, schema);
}

/** The runtime's tables, migrated in `schema` (or the default one). */
function runtimeTemplate(dir: string, schema: string | undefined): PgliteTemplate {
  return {
    dir,
    parts: [`schema ${schema ?? ""}`, migrationsKey(MIGRATIONS)],
    async setup(db) {
      await inSchema(db, schema);
      await migrate(db, MIGRATIONS);
    },
  };
}

async function inSchema(db: Database, schema: string | undefined): Promise<Database> {
  if (schema !== undefined) {
    // PGlite has one session: its search_path holds for every later query.
    await createSchema(db, schema);
    await db.exec(`set search_path to ${ident(schema)}`);
  }
  return db;
}

/** `create schema if not exists` races with itself; an advisory lock makes concurrent opens take turns. */
async function createSchema(db: Database, schema: string): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.query("select pg_advisory_xact_lock(hashtext($1))", [`paybill.schema.${schema}`]);
    await tx.exec(`create schema if not exists ${ident(schema)}`);
  });
}
