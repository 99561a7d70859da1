/**
 * `paybillc migrate [project] --all-tenants [--database URL]`: every placement the registry
 * knows, migrated (spec/database.md §Every tenant). `--database` (or paybill.json, or the
 * PGlite default) is the pooled database, which holds the registry: migrated first (a
 * failure there stops the run), then each tenant's placement as the runtime's router
 * resolves it (`routing` of @paybill/runtime: the tenant's plan's isolation model and its
 * recorded outputs) — a bridge tenant's schema in its cell's server (created, migrated, then
 * guarded: only its tenant's rows), a silo tenant's own database; a pooled tenant is in the
 * database migrated first.
 *
 * Up to four placements are migrated at once (a PostgreSQL server gets a connection per
 * job; a PGlite directory's one connection takes them in turn). One progress line per tenant
 * on stderr as each finishes (`[i/n]`), a result per tenant (text, or JSON on stdout, sorted
 * by tenant), one summary line. A tenant whose migration fails is reported and the others go
 * on; a rerun applies only what is missing, so tenants already at the newest migration are
 * reported `up to date` and the run resumes where the failures are. Exit 0 when every
 * placement is migrated, 1 when any failed, 2 for a usage error (as `migrate`).
 */
import { mkdir, stat } from "node:fs/promises";
import { join, resolve } from "node:path";
import { type Bundle, BundleError, PaybillRuntimeError, readBundle, routing } from "@paybill/runtime";
import { auditIsolation, entityExpectations, runtimeExpectations } from "../emit/db/audit.js";
import { applyMigrations, type Client, isPostgresUrl, MigrateError, MIGRATIONS_DIR, type MigrationFile, openClient, readMigrations } from "../emit/db/index.js";
import { applyRuntimeTables } from "../emit/db/runtime-tables.js";
import { tablesOf } from "../emit/db/snapshot.js";
import type { Io } from "../io.js";
import { displayPath, type OutputFormat, printJson } from "../output/report.js";
import { type ProjectSettings, readSettings, SETTINGS_FILE, SettingsProblem } from "../project/settings.js";
import { DEFAULT_DATA_DIR } from "./default-data-dir.js";

export interface MigrateAllOptions {
  readonly database?: string;
  readonly format: OutputFormat;
  /** Placements migrated at once (default 4): each PostgreSQL server gets a connection per job. */
  readonly jobs?: number;
}

const JOBS = 4;

export type TenantStatus = "applied" | "up_to_date" | "failed";

export interface TenantResult {
  readonly tenant: string;
  readonly model: string;
  readonly database?: string;
  readonly schema?: string;
  readonly status: TenantStatus;
  readonly applied: readonly string[];
  readonly error?: { readonly code: string; readonly message: string; readonly help: string };
}

export interface Project {
  readonly migrations: readonly MigrationFile[];
  readonly tables: readonly string[];
}

export async function migrateAll(project: string, options: MigrateAllOptions, io: Io): Promise<number> {
  const dir = resolve(io.cwd, project);
  if (!(await stat(dir).then((s) => s.isDirectory(), () => false))) {
    io.err(`paybillc: no such directory: ${project}\n`);
    return 2;
  }
  let settings: ProjectSettings;
  let bundle: Bundle;
  try {
    settings = await readSettings(dir, process.env, displayPath(io.cwd, join(dir, SETTINGS_FILE)));
    bundle = await readBundle(join(dir, "out", "bundle.json"));
  } catch (error) {
    if (error instanceof SettingsProblem) return usage(io, error.code, error.message, error.help);
    if (error instanceof BundleError) return usage(io, "PB9317", `--all-tenants reads the plans of the built bundle: ${error.message}`, `run \`paybillc build ${project}\` first`);
    throw error;
  }
  const database = options.database ?? settings.database;
  if (database !== undefined && !isPostgresUrl(database) && /^[a-z][a-z0-9+.-]*:\/\//i.test(database)) {
    return usage(io, "PB9106", `\`${redact(database)}\` is not a PostgreSQL URL`, "write `postgres://user:password@host:5432/database`, or a PGlite data directory");
  }
  const read = await readMigrations(join(dir, MIGRATIONS_DIR), { snapshot: false });
  if (!read.ok) {
    io.err(`error[PB9103]: ${read.problem}\n  = help: ${read.help}\n`);
    return 1;
  }
  const snapshot = read.folder.migrations.length === 0 ? undefined : await readMigrations(join(dir, MIGRATIONS_DIR));
  const tables = snapshot?.ok === true && snapshot.folder.snapshot !== undefined ? Object.values(tablesOf(snapshot.folder.snapshot)).map((t) => t.name) : [];
  const work: Project = { migrations: read.folder.migrations, tables };
  const pooled: routing.DatabaseTarget = database !== undefined && isPostgresUrl(database) ? { url: database } : { dataDir: resolve(io.cwd, database ?? join(dir, DEFAULT_DATA_DIR)) };
  if ("dataDir" in pooled) await mkdir(pooled.dataDir, { recursive: true });

  // One connection per server and worker: PostgreSQL servers take JOBS placements at once; a
  // PGlite directory has one opener (its one connection, placements taking turns on it).
  const clients = new Map<string, Promise<Client>>();
  const turns = new Map<string, Promise<unknown>>();
  const clientOf = (target: routing.DatabaseTarget, worker = 0): Promise<Client> => {
    const key = "url" in target ? `url ${worker} ${target.url}` : `dir ${target.dataDir}`;
    let found = clients.get(key);
    if (found === undefined) {
      found = openClient(target);
      clients.set(key, found);
    }
    return found;
  };
  /** Runs `work` on the target's connection, after the work queued on it when it is a PGlite directory's. */
  const onServer = <T>(target: routing.DatabaseTarget, worker: number, work: (client: Client | Error) => Promise<T>): Promise<T> => {
    const run = () => clientOf(target, worker).then(work, (error: Error) => work(error));
    if ("url" in target) return run();
    const key = target.dataDir;
    const next = (turns.get(key) ?? Promise.resolve()).then(run, run);
    turns.set(key, next.catch(() => undefined));
    return next;
  };
  const shownOf = (target: routing.DatabaseTarget) => ("url" in target ? redact(target.url) : displayPath(io.cwd, target.dataDir));
  const results: TenantResult[] = [];
  try {
    // The pooled database first: it holds the registry the rest is read from.
    const first = await onServer(pooled, 0, (client) => migratePlacement(client, undefined, undefined, work));
    const pooledResult = { database: shownOf(pooled), status: first.status, applied: first.applied, ...(first.error === undefined ? {} : { error: first.error }) };
    if (options.format !== "json") io.err(`migrate: pooled database ${shownOf(pooled)}: ${describe(first)}\n`);
    if (first.status === "failed") {
      if (options.format === "json") printJson({ pooled: pooledResult, tenants: [] }, io);
      else io.err(`migrate: stopped: the pooled database holds the registry of tenants\n`);
      return 1;
    }
    const tenants = await routing.registeredTenants(await clientOf(pooled));
    let done = 0;
    const one = async (tenant: (typeof tenants)[number], worker: number): Promise<TenantResult> => {
      try {
        const target = await routing.resolvePlacement(bundle, tenant, { pooled, env: process.env });
        if (target.model === "pooled") {
          return { tenant: tenant.id, model: "pooled", database: shownOf(pooled), status: first.status === "applied" ? "applied" : "up_to_date", applied: first.applied };
        }
        const outcome = await onServer(target.database, worker, (client) => migratePlacement(client, target.schema, tenant.id, work));
        return { tenant: tenant.id, model: target.model, database: shownOf(target.database), ...(target.schema === undefined ? {} : { schema: target.schema }), ...outcome };
      } catch (error) {
        if (!(error instanceof PaybillRuntimeError)) throw error;
        return { tenant: tenant.id, model: "?", status: "failed", applied: [], error: { code: error.code, message: error.message, help: error.help } };
      }
    };
    const queue = [...tenants];
    const worker = async (index: number): Promise<void> => {
      for (let tenant = queue.shift(); tenant !== undefined; tenant = queue.shift()) {
        const result = await one(tenant, index);
        results.push(result);
        done++;
        if (options.format !== "json") {
          const where = result.schema === undefined ? (result.database ?? "") : `${result.database} schema \`${result.schema}\``;
          io.err(`migrate: [${done}/${tenants.length}] ${result.tenant} (${result.model}${where === "" ? "" : `, ${where}`}): ${describe(result)}\n`);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(options.jobs ?? JOBS, tenants.length)) }, (_, i) => worker(i)));
    results.sort((a, b) => (a.tenant < b.tenant ? -1 : a.tenant > b.tenant ? 1 : 0));
    const failed = results.filter((r) => r.status === "failed").length;
    const applied = results.filter((r) => r.status === "applied").length;
    if (options.format === "json") printJson({ pooled: pooledResult, tenants: results, failed }, io);
    else io.err(`migrate: ${results.length} ${results.length === 1 ? "tenant" : "tenants"}: ${applied} migrated, ${results.length - applied - failed} up to date, ${failed} failed${failed > 0 ? " (run it again to retry them: the others are skipped)" : ""}\n`);
    return failed > 0 ? 1 : 0;
  } finally {
    for (const client of clients.values()) await client.then((c) => c.close(), () => undefined);
  }
}

/** The runtime's tables, the project's migrations, the bridge guard and the isolation audit, in one placement. */
export async function migratePlacement(
  client: Client | Error,
  schema: string | undefined,
  tenant: string | undefined,
  project: Project,
): Promise<{ status: TenantStatus; applied: string[]; error?: TenantResult["error"] }> {
  if (client instanceof Error) {
    return { status: "failed", applied: [], error: { code: "PB9106", message: `cannot open the database: ${client.message}`, help: "check the recorded database, that the server is running, and the credentials" } };
  }
  const where = schema === undefined ? {} : { schema };
  try {
    const runtime = await applyRuntimeTables(client, where);
    const project_ = project.migrations.length === 0 ? { applied: [] as string[], already: [] } : await applyMigrations(client, project.migrations, where);
    if (schema !== undefined && tenant !== undefined) await client.exec(routing.bridgeGuardSql(schema, tenant));
    const problems = await client.transaction(async (tx) => {
      if (schema !== undefined) await tx.exec(`set local search_path to "${schema}"`);
      return auditIsolation(tx, [...entityExpectations(project.tables), ...runtimeExpectations]);
    });
    if (problems.length > 0) {
      return { status: "failed", applied: [...project_.applied], error: { code: "PB9107", message: `the isolation audit failed: ${problems.join("; ")}`, help: "restore the migrations' security (spec/database.md), then run `paybillc migrate --all-tenants` again" } };
    }
    const applied = [...runtime.applied.map((v) => `runtime ${v}`), ...project_.applied];
    return { status: applied.length > 0 ? "applied" : "up_to_date", applied };
  } catch (error) {
    if (error instanceof MigrateError || error instanceof PaybillRuntimeError) return { status: "failed", applied: [], error: { code: error.code, message: error.message, help: error.help } };
    return { status: "failed", applied: [], error: { code: "PB9105", message: error instanceof Error ? error.message : String(error), help: "fix the placement's database, then run `paybillc migrate --all-tenants` again (the others are skipped)" } };
  }
}

function describe(result: { status: TenantStatus; applied: readonly string[]; error?: TenantResult["error"] }): string {
  if (result.status === "failed") return `failed: error[${result.error?.code}]: ${result.error?.message}\n  = help: ${result.error?.help}`;
  if (result.status === "up_to_date") return "up to date";
  return `applied ${result.applied.join(", ")}`;
}

function usage(io: Io, code: string, message: string, help: string): number {
  io.err(`error[${code}]: ${message}\n  = help: ${help}\n`);
  return 2;
}

function redact(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@]+):[^@]*@/i, "$1:***@");
}
