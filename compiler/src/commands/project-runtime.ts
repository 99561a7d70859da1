/**
 * What `paybillc tenants …` and `paybillc billing …` share: the runtime of a project, opened
 * on its built bundle (`<project>/out/bundle.json`) and a database — a `postgres://` URL or
 * a PGlite data directory, by default `<project>/.paybill/db` as for `paybillc migrate` —
 * and the way their outcomes are printed. A runtime error (PaybillRuntimeError: a code,
 * a message, a help line) is printed as `error[PBR140]: …` / `  = help: …` (or as JSON on
 * stdout) with exit 1; what stops the runtime from opening (no project, no bundle, a bad
 * database) exits 2. Never a stack trace for either.
 *
 * On a PGlite directory the runtime is ready in well under a second: a directory with no
 * cluster yet starts from the runtime's template (spec/runtime.md, "The embedded
 * database"), and V8 keeps PGlite on baseline code for the few queries a command makes
 * (wasm-tiering.ts).
 */
import { mkdir, stat } from "node:fs/promises";
import { join, resolve } from "node:path";
import { type AuditOptions, BundleError, type Bundle, openRuntime, PaybillRuntimeError, readBundle, type Runtime } from "@paybill/runtime";
import { isPostgresUrl } from "../emit/db/client.js";
import { bundleTrust } from "./bundle-trust.js";
import type { Io } from "../io.js";
import { displayPath, type OutputFormat, printJson } from "../output/report.js";
import { locatedProject } from "../project/locate.js";
import { type ProjectSettings, readSettings, SETTINGS_FILE, SettingsProblem } from "../project/settings.js";
import { DEFAULT_DATA_DIR } from "./default-data-dir.js";
import { delayWasmTierUp } from "./wasm-tiering.js";

export interface ProjectOptions {
  /** The project's directory (default `.`). */
  readonly project?: string;
  /** A `postgres://` URL or a PGlite data directory (default `<project>/.paybill/db`). */
  readonly database?: string;
  readonly format: OutputFormat;
}

export interface ProjectRuntime {
  readonly runtime: Runtime;
  /** The project's directory, absolute. */
  readonly dir: string;
  /** The build's output directory (`<project>/out`), absolute. */
  readonly outDir: string;
  /** The project as the user wrote it, for help lines. */
  readonly shown: string;
  /** `--project …` and `--database …` as given (a URL's password hidden), to repeat in a suggested command. */
  readonly args: string;
  /** The project's `paybill.json` (none: empty). */
  readonly settings: ProjectSettings;
  /** The database the runtime opened: its URL, or its PGlite data directory (absolute). */
  readonly database: { readonly url: string } | { readonly dataDir: string };
}

/** A problem that stops a command before or after it ran (exit 1: runtime refusals; 2: cannot start). */
export class CommandProblem extends Error {
  readonly code: string;
  readonly help: string;
  readonly status: 1 | 2;

  constructor(code: string, message: string, help: string, status: 1 | 2) {
    super(message);
    this.code = code;
    this.help = help;
    this.status = status;
  }
}

/**
 * Opens the project's runtime, runs `work` with it and closes it; prints any runtime error
 * or problem as the file header says and returns the exit status (`work`'s when it ends).
 * `audit`: the runtime's audit checkpoint keys and sink (`paybillc audit`).
 */
export async function withProjectRuntime(
  options: ProjectOptions,
  io: Io,
  work: (project: ProjectRuntime) => Promise<number>,
  runtimeOptions: { readonly audit?: AuditOptions } = {},
): Promise<number> {
  let opened: ProjectRuntime | undefined;
  try {
    opened = await openProjectRuntime(options, io, runtimeOptions.audit);
    return await work(opened);
  } catch (error) {
    if (error instanceof PaybillRuntimeError || error instanceof BundleError) return printProblem(error.code, error.message, error.help, 1, options.format, io);
    if (error instanceof CommandProblem) return printProblem(error.code, error.message, error.help, error.status, options.format, io);
    throw error;
  } finally {
    await opened?.runtime.close();
  }
}

async function openProjectRuntime(options: ProjectOptions, io: Io, audit: AuditOptions | undefined): Promise<ProjectRuntime> {
  // One convention for every command (project/locate.ts): --project, else the nearest paybill.json upwards, else here.
  const shown = options.project ?? locatedProject(io.cwd);
  const dir = resolve(io.cwd, shown);
  if (!(await stat(dir).then((s) => s.isDirectory(), () => false))) {
    throw new CommandProblem("PB9301", `there is no project directory \`${shown}\``, "pass the project's directory with `--project <dir>` (default: the working directory)", 2);
  }
  const outDir = join(dir, "out");
  const bundlePath = join(outDir, "bundle.json");
  if (!(await stat(bundlePath).then((s) => s.isFile(), () => false))) {
    throw new CommandProblem("PB9301", `there is no built bundle at ${displayPath(io.cwd, bundlePath)}`, `run \`paybillc build ${shown}\` first`, 2);
  }
  let bundle: Bundle;
  try {
    bundle = await readBundle(bundlePath);
  } catch (error) {
    if (error instanceof BundleError) throw new CommandProblem(error.code, error.message, `${error.help} (run \`paybillc build ${shown}\` again)`, 2);
    throw error;
  }
  let settings: ProjectSettings;
  try {
    settings = await readSettings(dir, process.env, displayPath(io.cwd, join(dir, SETTINGS_FILE)));
  } catch (error) {
    if (error instanceof SettingsProblem) throw new CommandProblem(error.code, error.message, error.help, 2);
    throw error;
  }
  // A flag wins over the project's settings.
  const database = options.database ?? settings.database;
  if (database !== undefined && !isPostgresUrl(database) && /^[a-z][a-z0-9+.-]*:\/\//i.test(database)) {
    throw new CommandProblem("PB9302", `\`${redact(database)}\` is not a PostgreSQL URL`, "write `postgres://user:password@host:5432/database`, or a PGlite data directory", 2);
  }
  const target = database ?? join(dir, DEFAULT_DATA_DIR);
  try {
    // Signed bundles and planned rollbacks: PAYBILL_TRUSTED_KEYS, PAYBILL_ALLOW_ROLLBACK (bundle-trust.ts).
    const trust = await bundleTrust(process.env, io.cwd);
    let runtime: Runtime;
    const opened = isPostgresUrl(target) ? { url: target } : { dataDir: resolve(io.cwd, target) };
    const withAudit = audit === undefined ? {} : { audit };
    if (isPostgresUrl(target)) runtime = await openRuntime({ bundle, database: { url: target, max: 2 }, ...withAudit, ...trust });
    else {
      const dataDir = resolve(io.cwd, target);
      await mkdir(dataDir, { recursive: true });
      delayWasmTierUp();
      runtime = await openRuntime({ bundle, database: { pglite: { dataDir } }, ...withAudit, ...trust });
    }
    const args = `${shown === "." ? "" : ` --project ${shown}`}${options.database === undefined ? "" : ` --database ${redact(options.database)}`}`;
    return { runtime, dir, outDir, shown, args, settings, database: opened };
  } catch (error) {
    if (error instanceof PaybillRuntimeError) throw new CommandProblem(error.code, error.message, openHelp(error), 2);
    if (error instanceof BundleError) throw new CommandProblem(error.code, error.reason + (error.path === undefined ? "" : ` at \`${error.path}\``), error.help, 2);
    const where = isPostgresUrl(target) ? redact(target) : displayPath(io.cwd, resolve(io.cwd, target));
    throw new CommandProblem(
      "PB9302",
      `cannot open the database ${where}: ${error instanceof Error ? error.message : String(error)}`,
      "check the URL, that the server is running and the credentials (a PGlite directory is used by one process at a time)",
      2,
    );
  }
}

/**
 * The help line of a runtime that refused to open, worded for the CLI: an admin URL
 * (PBR150) is refused, and the CLI has no `privileged` opt-out — migrate as the admin,
 * run as a login role (spec/database.md, "Roles").
 */
export function openHelp(error: PaybillRuntimeError): string {
  if (error.code !== "PBR150") return error.help;
  return "give `--database` the URL of a login role that is a member of `paybill_runtime` and `paybill_control` only; `paybillc migrate --database <admin url>` creates those roles and the runtime's tables (spec/database.md, \"Roles\")";
}

export function printProblem(code: string, message: string, help: string, status: 1 | 2, format: OutputFormat, io: Io): 1 | 2 {
  if (format === "json") printJson({ error: { code, message, help } }, io);
  else io.err(`error[${code}]: ${message}\n  = help: ${help}\n`);
  return status;
}

/** A URL without its password, for messages. */
function redact(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@]+):[^@]*@/i, "$1:***@");
}
