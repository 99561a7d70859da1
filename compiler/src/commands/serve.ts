/**
 * `paybillc serve --mcp --bundle out/bundle.json --tenant T --agent A [--workflow W [--context FILE] | --run ID]
 * [--database url-or-dir] [--schema S] [--max-message BYTES] [--clock TIME] [--http [--port N] [--host H]
 * [--auth token|none] [--max-sessions N] [--idle-timeout S]]`: the MCP tool server (mcp/)
 * on a runtime opened on the bundle. Over stdio by default (one session: the process's;
 * mcp/stdio.ts), or streamable HTTP (a session, and a run, per client). Over HTTP, bearer
 * tokens (the runtime's agent tokens, in the database) are required on any host that is
 * not loopback — `--auth none` there is refused (PB9320) — and optional on loopback, where
 * the default is none; tokens need `--database` (PB9321).
 *
 * The database is a `postgres://` URL or a PGlite data directory, migrated by `paybillc
 * migrate`; without `--database` it is a PGlite in a temporary directory given the entity
 * tables (`entityTablesSql`), removed when the server stops — for trying an agent out. It
 * starts from the runtime's template (spec/runtime.md, "The embedded database"), on disk
 * rather than in memory so the process does not hold the cluster's files (~100 MB), and V8
 * keeps PGlite on baseline code until it runs hot (wasm-tiering.ts).
 * `--clock` fixes the runtime's clock (every decision, record and window at that one time:
 * nothing expires, no deadline passes): for replays and demos that must not depend on the
 * day they run, never for a service; the status line says so.
 * On stdio nothing but the protocol goes to stdout; status lines go to stderr.
 * Exit 0 when stdin closes or on SIGINT/SIGTERM; 2 for usage errors, a bundle or database
 * that cannot be opened, or a session that cannot start.
 */
import { mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { BundleError, type DatabaseConfig, entityTablesSql, openRuntime, PaybillRuntimeError, readBundle, type Runtime } from "@paybill/runtime";
import type { Io } from "../io.js";
import { checkSession, checkSessionNames, createPaybillMcpServer, isLoopback, PaybillStdioTransport, SessionError, type SessionOptions, serveHttp } from "@paybill/server/mcp";
import { bundleTrust } from "./bundle-trust.js";
import { openHelp } from "./project-runtime.js";
import { delayWasmTierUp } from "./wasm-tiering.js";

export interface ServeOptions {
  readonly mcp: boolean;
  readonly bundle: string;
  readonly tenant: string;
  readonly agent: string;
  readonly workflow?: string;
  readonly run?: string;
  /** A JSON file: the trusted context of the run `--workflow` starts (spec/mcp.md). */
  readonly context?: string;
  readonly database?: string;
  readonly schema?: string;
  readonly http: boolean;
  readonly port: string;
  readonly host: string;
  /** HTTP authentication: `token` or `none` (default: `none` on loopback, else `token`). */
  readonly auth?: string;
  readonly maxSessions: string;
  /** Seconds. */
  readonly idleTimeout: string;
  /** The largest message taken, in bytes (a stdio line, an HTTP body). */
  readonly maxMessage: string;
  /** A fixed time (RFC 3339, with its zone) the runtime decides at instead of the system clock. */
  readonly clock?: string;
  /** The server's version in the MCP handshake. */
  readonly version?: string;
}

export async function serve(options: ServeOptions, io: Io, stop: Promise<void> = stopSignal()): Promise<number> {
  const usage = usageProblem(options);
  if (usage !== undefined) return fail(io, "PB9201", usage.message, usage.help);
  const auth = options.auth ?? (isLoopback(options.host) ? "none" : "token");
  if (options.http && auth === "none" && !isLoopback(options.host)) {
    return fail(
      io,
      "PB9320",
      `refusing to serve MCP on \`${options.host}\` without authentication`,
      "a host that is not loopback needs `--auth token` (its default): create tokens with `paybillc mcp token create --tenant … --agent …`; or listen on 127.0.0.1",
    );
  }
  if (options.http && auth === "token" && options.database === undefined) {
    return fail(io, "PB9321", "`--auth token` needs `--database`", "tokens live in the database (`paybillc mcp token create … --database …`): give the same `--database` to `serve`");
  }
  let context: Record<string, unknown> | undefined;
  if (options.context !== undefined) {
    const read = await readContext(resolve(io.cwd, options.context));
    if (!read.ok) return fail(io, "PB9201", read.message, "give a JSON file holding one object: the workflow's context fields and their values");
    context = read.value;
  }
  let runtime: Runtime;
  // The temporary directory of a server without `--database`, removed when it stops.
  let scratch: string | undefined;
  try {
    const bundle = await readBundle(resolve(io.cwd, options.bundle));
    // The agent, workflow and context against the bundle, before a database is opened.
    checkSessionNames(bundle, { tenant: options.tenant, agent: options.agent, ...(options.workflow === undefined ? {} : { workflow: options.workflow }), ...(options.run === undefined ? {} : { run: options.run }), ...(context === undefined ? {} : { context }) });
    const fixed = options.clock === undefined ? undefined : fixedTime(options.clock);
    if (options.database === undefined) scratch = await mkdtemp(join(tmpdir(), "paybill-serve-"));
    runtime = await openRuntime({
      bundle,
      database: await databaseConfig(options, io, scratch),
      ...(fixed === undefined ? {} : { clock: () => new Date(fixed.getTime()) }),
      ...(await bundleTrust(process.env, io.cwd)),
    });
    if (options.database === undefined) await runtime.database.exec(entityTablesSql(runtime.bundle));
  } catch (error) {
    if (scratch !== undefined) await rm(scratch, { recursive: true, force: true });
    if (error instanceof BundleError) return fail(io, error.code, error.reason + (error.path === undefined ? "" : ` at \`${error.path}\``), error.help);
    if (error instanceof SessionError) return fail(io, error.code, error.message, error.help);
    if (error instanceof PaybillRuntimeError) return fail(io, error.code, error.message, openHelp(error));
    return fail(io, "PB9201", `cannot open the database: ${error instanceof Error ? error.message : String(error)}`, "check the URL or directory, that the server is running, and the credentials");
  }
  const session: SessionOptions = {
    tenant: options.tenant,
    agent: options.agent,
    ...(options.workflow === undefined ? {} : { workflow: options.workflow }),
    ...(options.run === undefined ? {} : { run: options.run }),
    ...(context === undefined ? {} : { context }),
  };
  const server = { ...session, ...(options.version === undefined ? {} : { version: options.version }) };
  const clock = options.clock === undefined ? "" : `; clock fixed at ${fixedTime(options.clock)?.toISOString() ?? options.clock}`;
  try {
    if (options.http) {
      await checkSession(runtime, session);
      const http = await serveHttp({
        host: options.host,
        port: Number(options.port),
        open: async () => (await createPaybillMcpServer(runtime, server)).server,
        log: (line) => io.err(`paybillc serve: ${line}\n`),
        ...(auth === "token" ? { auth: { authenticate: (token: string) => runtime.tokens.authenticate(token), tenant: options.tenant, agent: options.agent } } : {}),
        maxSessions: Number(options.maxSessions),
        idleMs: Number(options.idleTimeout) * 1000,
        maxBody: Number(options.maxMessage),
      });
      const guard = auth === "token" ? "bearer tokens required" : "no authentication (loopback)";
      io.err(`paybillc serve: MCP over streamable HTTP at ${http.url} — agent \`${options.agent}\` of tenant \`${options.tenant}\`, ${guard}${clock}\n`);
      await stop;
      await http.close();
      return 0;
    }
    const mcp = await createPaybillMcpServer(runtime, server);
    const view = await mcp.session.view();
    const where = view.run === undefined ? "in no workflow run" : `run ${view.run.id} of \`${view.run.workflow}\` in state \`${view.run.state}\``;
    io.err(`paybillc serve: MCP on stdio — agent \`${options.agent}\` of tenant \`${options.tenant}\`, ${where}${clock}\n`);
    const closed = new Promise<void>((done) => process.stdin.once("end", done));
    await mcp.server.connect(new PaybillStdioTransport({ maxMessageBytes: Number(options.maxMessage) }));
    await Promise.race([closed, stop]);
    await mcp.server.close();
    return 0;
  } catch (error) {
    if (error instanceof SessionError || error instanceof PaybillRuntimeError) return fail(io, error.code, error.message, error.help);
    throw error;
  } finally {
    await runtime.close();
    if (scratch !== undefined) await rm(scratch, { recursive: true, force: true });
  }
}

async function readContext(path: string): Promise<{ ok: true; value: Record<string, unknown> } | { ok: false; message: string }> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    return { ok: false, message: `cannot read the context file \`${path}\`: ${(error as NodeJS.ErrnoException).code ?? String(error)}` };
  }
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === "object" && value !== null && !Array.isArray(value)) return { ok: true, value: value as Record<string, unknown> };
    return { ok: false, message: `the context file \`${path}\` does not hold a JSON object` };
  } catch (error) {
    return { ok: false, message: `the context file \`${path}\` is not JSON: ${error instanceof Error ? error.message : String(error)}` };
  }
}

function usageProblem(options: ServeOptions): { message: string; help: string } | undefined {
  if (!options.mcp) return { message: "`serve` needs a protocol", help: "run `paybillc serve --mcp …` (an agent's tools) or `paybillc serve --control` (the control API)" };
  if (options.workflow !== undefined && options.run !== undefined) return { message: "give `--workflow` or `--run`, not both", help: "`--workflow` starts a new run; `--run` joins an existing one" };
  if (options.context !== undefined && options.workflow === undefined) return { message: "`--context` is for `--workflow`", help: "the context is given to the run a session starts: add `--workflow <name>`; a joined run keeps its own" };
  const port = Number(options.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) return { message: `\`${options.port}\` is not a port`, help: "give a number from 0 to 65535 (0 picks a free port)" };
  const max = Number(options.maxMessage);
  if (!Number.isInteger(max) || max < 1024) return { message: `\`${options.maxMessage}\` is not a message size`, help: "give a number of bytes, at least 1024 (default 1048576, 1 MiB)" };
  if (options.auth !== undefined && options.auth !== "token" && options.auth !== "none") return { message: `\`${options.auth}\` is not an authentication mode`, help: "give `--auth token` or `--auth none`" };
  if (options.auth !== undefined && !options.http) return { message: "`--auth` is for `--http`", help: "stdio is the launching process's own pipe: add `--http`, or drop `--auth`" };
  const sessions = Number(options.maxSessions);
  if (!Number.isInteger(sessions) || sessions < 1) return { message: `\`${options.maxSessions}\` is not a number of sessions`, help: "give a whole number, at least 1 (default 64)" };
  const idle = Number(options.idleTimeout);
  if (!Number.isFinite(idle) || idle <= 0) return { message: `\`${options.idleTimeout}\` is not a number of seconds`, help: "give a positive number of seconds (default 900)" };
  if (!options.http && options.port !== DEFAULT_PORT) return { message: "`--port` is for `--http`", help: "add `--http`, or drop `--port` to serve on stdio" };
  if (options.schema !== undefined && options.database === undefined) return { message: "`--schema` needs `--database`", help: "give the database the schema is in" };
  if (options.clock !== undefined && fixedTime(options.clock) === undefined) {
    return { message: `\`${options.clock}\` is not a time \`--clock\` accepts`, help: "write an RFC 3339 time with its zone, like `2030-01-01T12:00:00Z`" };
  }
  return undefined;
}

/** An RFC 3339 date and time with its zone (`2030-01-01T12:00:00Z`, `…+02:00`), or undefined (`Date` alone would take February 30th). */
function fixedTime(text: string): Date | undefined {
  const parts = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(\.\d{1,9})?(Z|[+-](\d\d):(\d\d))$/.exec(text);
  if (parts === null) return undefined;
  const [year, month, day, hour, minute, second, , , zoneHours, zoneMinutes] = [...parts.slice(1)].map(Number);
  const days = new Date(Date.UTC(year ?? 0, month ?? 0, 0)).getUTCDate();
  const fits = (value: number | undefined, max: number, min = 0) => value !== undefined && value >= min && value <= max;
  const valid = fits(month, 12, 1) && fits(day, days, 1) && fits(hour, 23) && fits(minute, 59) && fits(second, 59);
  const zone = parts[8] === "Z" || (fits(zoneHours, 23) && fits(zoneMinutes, 59));
  return valid && zone ? new Date(text) : undefined;
}

export const DEFAULT_PORT = "3000";

async function databaseConfig(options: ServeOptions, io: Io, scratch: string | undefined): Promise<DatabaseConfig> {
  const schema = options.schema === undefined ? {} : { schema: options.schema };
  const target = options.database;
  if (target === undefined || scratch !== undefined) {
    delayWasmTierUp();
    return { pglite: scratch === undefined ? {} : { dataDir: scratch } };
  }
  if (/^postgres(ql)?:\/\//i.test(target)) return { url: target, ...schema };
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(target)) {
    throw new PaybillRuntimeError("PBR101", `\`${target.replace(/\/\/[^@/]*@/, "//***@")}\` is not a PostgreSQL URL`, "write `postgres://user:password@host:5432/database`, or a PGlite data directory");
  }
  const dataDir = resolve(io.cwd, target);
  await mkdir(dataDir, { recursive: true });
  delayWasmTierUp();
  return { pglite: { dataDir }, ...schema };
}

function fail(io: Io, code: string, message: string, help: string): number {
  io.err(`error[${code}]: ${message}\n  = help: ${help}\n`);
  return 2;
}

function stopSignal(): Promise<void> {
  return new Promise((done) => {
    process.once("SIGINT", () => done());
    process.once("SIGTERM", () => done());
  });
}
