/**
 * What the MCP server tests share: the helpdesk example built into a temporary directory
 * (the shared tree's examples/helpdesk/out is not touched), a database seeded through the
 * runtime and closed again — a PGlite data directory, or a fresh schema on the server of
 * PAYBILL_TEST_DATABASE_URL — and the arguments that point `paybillc serve` at it. The
 * copy's edges are all `by agent` (agentMoves), so the agent can walk its run over MCP;
 * the example's own edges are the host's.
 */
import { randomUUID } from "node:crypto";
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type DatabaseConfig, entityTablesSql, openRuntime, readBundle, type Runtime } from "@paybill/runtime";
import { afterAll, beforeAll } from "vitest";
import { paybillc } from "./support/cli.js";
import { ensureTestLogin, loginUrl } from "../../runtime/test/support/store-db.js";

export const PG_URL = process.env.PAYBILL_TEST_DATABASE_URL;
export type Backend = "pglite" | "postgres";
export const BACKENDS: Backend[] = PG_URL === undefined || PG_URL === "" ? ["pglite"] : ["pglite", "postgres"];

const EXAMPLE = fileURLToPath(new URL("../../examples/helpdesk/", import.meta.url));

/** Builds a copy of examples/helpdesk; returns the directory and the bundle's path. */
export async function buildHelpdesk(): Promise<{ dir: string; bundle: string }> {
  const dir = await mkdtemp(join(tmpdir(), "paybill-mcp-"));
  for (const name of await readdir(EXAMPLE)) {
    if (name.endsWith(".paybill") && !name.startsWith(".")) await writeFile(join(dir, name), agentMoves(await readFile(join(EXAMPLE, name), "utf8")));
  }
  const built = await paybillc(["build", "."], dir);
  if (built.code !== 0) throw new Error(`paybillc build failed:\n${built.stderr}`);
  return { dir, bundle: join(dir, "out", "bundle.json") };
}

/** The text with every target of every `next` taken `by agent` (`next a, b` → `next a by agent, b by agent`). */
export function agentMoves(text: string): string {
  return text.replace(/\bnext ([a-z_]+(?:, [a-z_]+)*)/g, (_all, targets: string) => `next ${targets.split(", ").map((t) => `${t} by agent`).join(", ")}`);
}

/** A built copy of the example for the whole test file (built before its tests, removed after). */
export function useBuiltHelpdesk(): { readonly dir: string; readonly bundle: string } {
  let built: { dir: string; bundle: string } | undefined;
  beforeAll(async () => {
    built = await buildHelpdesk();
  }, 180_000);
  afterAll(async () => {
    if (built !== undefined) await rm(built.dir, { recursive: true, force: true });
  });
  const get = () => {
    if (built === undefined) throw new Error("the example is not built yet: use it inside a test or a hook");
    return built;
  };
  return {
    get dir() {
      return get().dir;
    },
    get bundle() {
      return get().bundle;
    },
  };
}

export interface Seeded {
  /** `--database …` (and `--schema …`) for `paybillc serve`. */
  readonly args: readonly string[];
  readonly customer: string;
  readonly ticket: string;
  /** Opens a runtime on the same data (only while no server holds a PGlite directory). */
  open(): Promise<Runtime>;
  drop(): Promise<void>;
}

/** A PGlite data directory seeded once and never served, by bundle path (`copies`). */
const pristine = new Map<string, { dataDir: string; customer: string; ticket: string }>();

/**
 * A database holding the entity tables, a customer and a ticket of tenant `initech`, closed
 * after seeding. `setUp` runs on the seeding runtime before it closes (tokens, rows a test
 * needs), saving an open. With `copies`, each PGlite database of a bundle is a copy of one
 * created and seeded once per test file (creating a PGlite database is the slow part).
 */
export async function seedDatabase(
  backend: Backend,
  dir: string,
  bundlePath: string,
  options: { setUp?: (runtime: Runtime) => Promise<void>; copies?: boolean } = {},
): Promise<Seeded> {
  const schema = `paybill_mcp_${process.pid}_${randomUUID().slice(0, 8)}`;
  const dataDir = join(dir, `db-${randomUUID().slice(0, 8)}`);
  // On PostgreSQL the seeding runtime is the admin's (it migrates the schema); `paybillc serve` runs as the tests' login role.
  const config: DatabaseConfig = backend === "postgres" && PG_URL !== undefined ? { url: PG_URL, schema, privileged: true } : { pglite: { dataDir } };
  const bundle = await readBundle(bundlePath);
  const open = () => openRuntime({ bundle, database: config });
  let customer: string = randomUUID();
  let ticket: string = randomUUID();
  if (backend === "pglite" && options.copies === true) {
    let source = pristine.get(bundlePath);
    if (source === undefined) {
      source = { dataDir: join(dir, `db-pristine-${randomUUID().slice(0, 8)}`), customer, ticket };
      await mkdir(source.dataDir, { recursive: true });
      await seed(backend, await openRuntime({ bundle, database: { pglite: { dataDir: source.dataDir } } }), customer, ticket);
      pristine.set(bundlePath, source);
    }
    await cp(source.dataDir, dataDir, { recursive: true });
    ({ customer, ticket } = source);
    if (options.setUp !== undefined) {
      const runtime = await open();
      try {
        await options.setUp(runtime);
      } finally {
        await runtime.close();
      }
    }
  } else {
    if (backend === "pglite") await mkdir(dataDir, { recursive: true });
    await seed(backend, await open(), customer, ticket, options.setUp);
  }
  return {
    args: backend === "postgres" && PG_URL !== undefined ? ["--database", loginUrl(PG_URL), "--schema", schema] : ["--database", dataDir],
    customer,
    ticket,
    open,
    async drop() {
      if (backend === "postgres") {
        const runtime = await open();
        await runtime.database.exec(`drop schema if exists "${schema}" cascade`);
        await runtime.close();
      } else await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** The entity tables and the rows of `seedDatabase` on `runtime`, then `setUp`; closes the runtime. */
async function seed(backend: Backend, runtime: Runtime, customer: string, ticket: string, setUp?: (runtime: Runtime) => Promise<void>): Promise<void> {
  try {
    await runtime.database.exec(entityTablesSql(runtime.bundle));
    if (backend === "postgres") await ensureTestLogin(runtime.database);
    await runtime.database.query("insert into customer (tenant_id, id, name, email) values ($1, $2, $3, $4)", ["initech", customer, "Ada", "ada@example.com"]);
    await runtime.database.query(
      "insert into tickets (tenant_id, id, customer, subject, body, updated_at) values ($1, $2, $3, $4, $5, now() - interval '2 hours')",
      ["initech", ticket, customer, "Broken kettle", "It arrived in pieces."],
    );
    await setUp?.(runtime);
  } finally {
    await runtime.close();
  }
}

/** The text of a tool result's first content item. */
export function textOf(result: object): string {
  const content = "content" in result && Array.isArray(result.content) ? (result.content as unknown[]) : [];
  const first = content[0];
  return typeof first === "object" && first !== null && "text" in first ? String(first.text) : "";
}

/**
 * A runtime on `bundle` for one `describe` block on `backend`, opened before its tests and
 * closed after: PGlite in memory, or on PostgreSQL in a schema of its own (dropped at the
 * end), with the entity tables made when `entityTables` (the default). `setUp` runs once
 * after opening (rows the tests need).
 */
export function runtimeFor(
  backend: Backend,
  bundle: unknown,
  prefix: string,
  options: { entityTables?: boolean; setUp?: (runtime: Runtime) => Promise<void> } = {},
): { readonly runtime: Runtime } {
  let runtime: Runtime | undefined;
  const schema = `paybill_${prefix}_${process.pid}_${randomUUID().slice(0, 8)}`;
  beforeAll(async () => {
    const database: DatabaseConfig = backend === "postgres" && PG_URL !== undefined ? { url: PG_URL, schema, privileged: true } : { pglite: {} };
    runtime = await openRuntime({ bundle: bundle as Parameters<typeof openRuntime>[0]["bundle"], database });
    if (options.entityTables !== false) await runtime.database.exec(entityTablesSql(runtime.bundle));
    await options.setUp?.(runtime);
  }, 60_000);
  afterAll(async () => {
    if (backend === "postgres") await runtime?.database.exec(`drop schema if exists "${schema}" cascade`);
    await runtime?.close();
  });
  return {
    get runtime() {
      if (runtime === undefined) throw new Error("the runtime is not open yet");
      return runtime;
    },
  };
}
