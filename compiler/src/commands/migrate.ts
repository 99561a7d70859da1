/**
 * `paybillc migrate [project] [--database URL] [--schema name]`: applies the runtime's own
 * tables and roles (emit/db/runtime-tables.ts: `paybill_*`, `paybill_runtime`,
 * `paybill_control`) and the project's migrations (`<project>/migrations/`, written by
 * `paybillc build`) that the database lacks, and the control server's tables
 * (`paybill_api_tokens`, `paybill_api_calls`: @paybill/server, spec/control-server.md) —
 * each in its own transaction with its record, so a rerun applies only what is missing and
 * a failure part-way leaves that migration unapplied (spec/database.md).
 *
 * The database is a `postgres://` URL, or by default the embedded PGlite data directory
 * `<project>/.paybill/db` (created when missing). `--schema` applies the same migrations
 * inside one schema (a bridge tenant's); a silo tenant's database is just another URL.
 * Only a PGlite data directory that does not exist yet is left alone when there is nothing of
 * the project's to apply: it holds nothing to audit, and a runtime on PGlite makes its tables.
 * After applying — also when the project has no migrations or none is pending — the tables of the
 * newest snapshot (if any) and the runtime's own are audited (emit/db/audit.ts): row-level
 * security enabled and forced, each table's policies as the migrations write them and no other
 * permissive policy, the runtime role no owner, superuser or BYPASSRLS, no superuser or
 * BYPASSRLS login role a member of it, no view over the tables with its owner's rights —
 * a database changed by hand fails here (PB9107).
 * Exit 0 applied or up to date, 1 a migration failed, the folder and the database
 * disagree, or the audit found a problem, 2 usage errors (no such project, a bad URL or schema name, no connection).
 */
import { type ProjectSettings, readSettings, SETTINGS_FILE, SettingsProblem } from "../project/settings.js";
import { mkdir, stat } from "node:fs/promises";
import { join, resolve } from "node:path";
import { auditIsolation, entityExpectations, runtimeExpectations } from "../emit/db/audit.js";
import { tablesOf } from "../emit/db/snapshot.js";
import { PaybillRuntimeError } from "@paybill/runtime";
import { applyMigrations, type Client, isPostgresUrl, MigrateError, MIGRATIONS_DIR, openClient, readMigrations } from "../emit/db/index.js";
import { applyRuntimeTables } from "../emit/db/runtime-tables.js";
import { installControlTables } from "@paybill/server/control-tables";
import type { Io } from "../io.js";
import { DEFAULT_DATA_DIR } from "./default-data-dir.js";
import { displayPath, type OutputFormat, printJson } from "../output/report.js";

export interface MigrateOptions {
  readonly database?: string;
  readonly schema?: string;
  readonly format: OutputFormat;
}

export { DEFAULT_DATA_DIR };
const SCHEMA = /^[a-z_][a-z0-9_]{0,62}$/;

export async function migrate(project: string, options: MigrateOptions, io: Io): Promise<number> {
  const dir = resolve(io.cwd, project);
  const isDir = await stat(dir).then((s) => s.isDirectory(), () => false);
  if (!isDir) {
    io.err(`paybillc: no such directory: ${project}\n`);
    return 2;
  }
  if (options.schema !== undefined && !SCHEMA.test(options.schema)) {
    io.err(`error[PB9106]: \`${options.schema}\` is not a schema name migrate accepts\n  = help: use lowercase letters, digits and \`_\`, starting with a letter or \`_\` (at most 63 characters)\n`);
    return 2;
  }
  let settings: ProjectSettings;
  try {
    settings = await readSettings(dir, process.env, displayPath(io.cwd, join(dir, SETTINGS_FILE)));
  } catch (error) {
    if (!(error instanceof SettingsProblem)) throw error;
    io.err(`error[${error.code}]: ${error.message}\n  = help: ${error.help}\n`);
    return 2;
  }
  // A flag wins over the project's settings (paybill.json).
  const database = options.database ?? settings.database;
  if (database !== undefined && isPostgresUrl(database) === false && /^[a-z][a-z0-9+.-]*:\/\//i.test(database)) {
    io.err(`error[PB9106]: \`${redact(database)}\` is not a PostgreSQL URL\n  = help: write \`postgres://user:password@host:5432/database\`, or a PGlite data directory\n`);
    return 2;
  }
  const read = await readMigrations(join(dir, MIGRATIONS_DIR), { snapshot: false });
  if (!read.ok) {
    io.err(`error[PB9103]: ${read.problem}\n  = help: ${read.help}\n`);
    return 1;
  }
  const target = database === undefined ? join(dir, DEFAULT_DATA_DIR) : database;
  const none = read.folder.migrations.length === 0;
  const folder = displayPath(io.cwd, join(dir, MIGRATIONS_DIR));
  if (none && !isPostgresUrl(target) && !(await holdsDatabase(resolve(io.cwd, target)))) {
    // A PGlite data directory not made yet: nothing to create and nothing to audit (a runtime
    // on PGlite migrates its own tables when it opens it). One that exists is audited below.
    if (options.format === "json") printJson({ folder, applied: [], already: [] }, io);
    else io.err(noMigrations(folder));
    return 0;
  }
  const shown = isPostgresUrl(target) ? redact(target) : displayPath(io.cwd, resolve(io.cwd, target));
  let client: Client;
  try {
    if (isPostgresUrl(target)) client = await openClient({ url: target });
    else {
      await mkdir(resolve(io.cwd, target), { recursive: true });
      client = await openClient({ dataDir: resolve(io.cwd, target) });
    }
  } catch (error) {
    if (error instanceof PaybillRuntimeError) {
      // A data directory another process holds (PBR191): its own message and help.
      if (options.format === "json") printJson({ database: shown, error: { code: error.code, message: error.message, help: error.help } }, io);
      else io.err(`error[${error.code}]: ${error.message}
  = help: ${error.help}
`);
      return 2;
    }
    io.err(`error[PB9106]: cannot open the database ${shown}: ${error instanceof Error ? error.message : String(error)}\n  = help: check the URL, that the server is running, and the credentials\n`);
    return 2;
  }
  try {
    const runtime = await applyRuntimeTables(client, options.schema === undefined ? {} : { schema: options.schema });
    const runtimeJson = { applied: runtime.applied, version: runtime.version };
    if (options.format !== "json" && runtime.applied.length > 0) io.err(`migrate: applied the runtime's tables (version ${runtime.version}) to ${shown}${where(options.schema)}\n`);
    // The control server's tables (API tokens, the record of calls), granted to the control role: `serve --control` runs as a login role that may not create them.
    await client.transaction(async (tx) => {
      if (options.schema !== undefined) await tx.exec(`set local search_path to "${options.schema}"`);
      await installControlTables(tx);
    });
    // Without project migrations there is nothing of the project's to apply, but the runtime's
    // tables are audited all the same: a policy changed by hand fails the run either way.
    const result = none ? { applied: [], already: [] } : await applyMigrations(client, read.folder.migrations, options.schema === undefined ? {} : { schema: options.schema });
    const snapshot = none ? undefined : await readMigrations(join(dir, MIGRATIONS_DIR));
    const tables = snapshot?.ok === true && snapshot.folder.snapshot !== undefined ? Object.values(tablesOf(snapshot.folder.snapshot)).map((t) => t.name) : [];
    const schema = options.schema;
    const problems = await client.transaction(async (tx) => {
      if (schema !== undefined) await tx.exec(`set local search_path to "${schema}"`);
      return auditIsolation(tx, [...entityExpectations(tables), ...runtimeExpectations]);
    });
    if (problems.length > 0) {
      const help = "tenants are not kept apart by the database: restore the migrations' security (spec/database.md), then run `paybillc migrate` again";
      if (options.format === "json") printJson({ database: shown, applied: result.applied, error: { code: "PB9107", message: "the isolation audit failed", problems, help } }, io);
      else io.err(`error[PB9107]: the isolation audit of ${shown}${where(schema)} failed:\n${problems.map((p) => `  - ${p}\n`).join("")}  = help: ${help}\n`);
      return 1;
    }
    if (none) {
      if (options.format === "json") printJson({ folder, runtime: runtimeJson, applied: [], already: [] }, io);
      else io.err(noMigrations(folder));
      return 0;
    }
    if (options.format === "json") printJson({ database: shown, ...(options.schema === undefined ? {} : { schema: options.schema }), runtime: runtimeJson, applied: result.applied, already: result.already }, io);
    else if (result.applied.length === 0) io.err(`migrate: ${shown}${where(options.schema)} is up to date (${result.already.length} ${plural(result.already.length)})\n`);
    else io.err(`migrate: applied ${result.applied.join(", ")} to ${shown}${where(options.schema)} (${result.already.length} already applied)\n`);
    return 0;
  } catch (error) {
    if (!(error instanceof MigrateError) && !(error instanceof PaybillRuntimeError)) throw error;
    if (options.format === "json") printJson({ database: shown, error: { code: error.code, message: error.message, help: error.help } }, io);
    else io.err(`error[${error.code}]: ${error.message}\n  = help: ${error.help}\n`);
    return 1;
  } finally {
    await client.close();
  }
}

const noMigrations = (folder: string): string => `migrate: no migrations in ${folder}, nothing to apply (\`paybillc build\` writes them for the project's entities)\n`;

/** Whether `dir` is a PostgreSQL (PGlite) data directory already: one holds `PG_VERSION`. */
const holdsDatabase = (dir: string): Promise<boolean> => stat(join(dir, "PG_VERSION")).then((s) => s.isFile(), () => false);

const where = (schema: string | undefined): string => (schema === undefined ? "" : ` (schema \`${schema}\`)`);
const plural = (n: number): string => (n === 1 ? "migration" : "migrations");

/** A URL without its password, for messages. */
function redact(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@]+):[^@]*@/i, "$1:***@");
}
