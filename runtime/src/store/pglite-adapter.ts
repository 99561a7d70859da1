/**
 * The Database interface over embedded PGlite (real PostgreSQL compiled to WASM, one
 * connection). PGlite serialises queries and transactions itself, so concurrent callers
 * simply queue; a transaction holds the only connection until it ends.
 *
 * A data directory is locked for as long as it is open (data-dir-lock.ts): a second opener
 * is refused (PBR191) rather than let in to lose its writes.
 *
 * A new database (in memory, or a data directory with no cluster in it yet) given a
 * `template` starts from that template's dump (pglite-template.ts) instead of `initdb` and
 * the template's setup (the runtime's migrations); the first open with a key makes the
 * template. Every instance opened here runs with small shared memory (START_PARAMS): one
 * runtime's tables need megabytes of buffers, not PostgreSQL's 128 MB default, which PGlite
 * would otherwise hold in the process.
 */
import { readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { PGlite, type Transaction } from "@electric-sql/pglite";
import type { Database, Row, Sql, TransactionOptions } from "./adapter.js";
import { type DataDirLock, LOCK_FILE, lockDataDir } from "./data-dir-lock.js";
import { readTemplate, templateKey, templatePath, writeTemplate } from "./pglite-template.js";
import { extractTar } from "./tar-extract.js";
import { lostPrepared, PreparedOpenings } from "./prepared-opening.js";
import { ident } from "./sql.js";

export interface PgliteOptions {
  /** A PGlite instance the caller owns (left open on close), or where to create one. */
  readonly instance?: PGlite;
  /** A directory to keep the database in; in memory when absent. */
  readonly dataDir?: string;
  /** Where a new database starts from (not used for an instance, nor a directory that holds a cluster). */
  readonly template?: PgliteTemplate;
}

export interface PgliteTemplate {
  /** The folder templates are kept in (pglite-template.ts, `defaultTemplateDir`). */
  readonly dir: string;
  /** Everything `setup` depends on (its migrations' text, a schema): part of the template's key. */
  readonly parts: readonly string[];
  /** Makes a fresh cluster what the template holds; run once per key, on the cluster that is dumped. */
  setup(db: Database): Promise<void>;
}

/**
 * PGlite's start parameters with shared memory sized for one runtime: 16 MB of shared
 * buffers and 1 MB of WAL buffers instead of ~160 MB and 5 MB (RSS ~300 MB → ~170 MB).
 */
export const START_PARAMS: readonly string[] = [...PGlite.defaultStartParams, "-c", "shared_buffers=16MB", "-c", "wal_buffers=1MB"];

export async function openPglite(options: PgliteOptions): Promise<Database> {
  if (options.instance !== undefined) return new PgliteDatabase(options.instance, false);
  const lock = options.dataDir === undefined ? undefined : lockDataDir(options.dataDir);
  try {
    return new PgliteDatabase(await createPglite(options.dataDir, options.template), true, lock);
  } catch (error) {
    lock?.release();
    throw error;
  }
}

/**
 * Before a template is dumped: PGlite's session uses the `postgres` database only, so the
 * template databases go (half the files a new directory is written with); then a checkpoint,
 * so that the dump opens without replaying the WAL, and a switch to a new WAL segment with
 * the old one removed rather than recycled, so that the segment dumped is zeros but for its
 * first page (8 MB fewer to write: tar-extract.ts leaves zeros as holes). One call each:
 * DROP DATABASE refuses to run in a transaction block.
 */
const SLIM = [
  "alter database template0 is_template false",
  "drop database template0",
  "alter database template1 is_template false",
  "drop database template1",
  "set wal_recycle = off",
  "checkpoint",
  "select pg_switch_wal()",
  "checkpoint",
  "reset wal_recycle",
];

async function createPglite(dataDir: string | undefined, template: PgliteTemplate | undefined): Promise<PGlite> {
  const options = { startParams: [...START_PARAMS], ...(dataDir === undefined ? {} : { dataDir }) };
  if (template === undefined || !(await holdsNoCluster(dataDir))) return PGlite.create(options);
  const path = templatePath(template.dir, templateKey(template.parts));
  let dump = await readTemplate(path);
  if (dump === undefined) {
    // None yet (or not intact): a cluster made in memory, set up, checkpointed and dumped.
    const made = await PGlite.create({ startParams: [...START_PARAMS] });
    try {
      await template.setup(new PgliteDatabase(made, false));
      for (const statement of SLIM) await made.exec(statement);
      dump = new Uint8Array(await (await made.dumpDataDir("gzip")).arrayBuffer());
    } catch (error) {
      await made.close();
      throw error;
    }
    await writeTemplate(path, dump);
    // In memory, the cluster just made is the database.
    if (dataDir === undefined) return made;
    await made.close();
  }
  if (dataDir === undefined) return PGlite.create({ ...options, loadDataDir: new Blob([dump]) });
  // A directory: its files written by Node (tar-extract.ts), then opened as any other cluster.
  const dir = dataDir.replace(/^file:\/\//, "");
  try {
    extractTar(gunzipSync(dump), dir);
  } catch (error) {
    // Half a cluster would be opened next time as a whole one: the directory is left as it was found.
    for (const name of await readdir(dir).catch(() => [] as string[])) if (name !== LOCK_FILE) await rm(join(dir, name), { recursive: true, force: true });
    throw error;
  }
  return PGlite.create(options);
}

/** In memory, or a data directory with nothing in it but its lock. */
async function holdsNoCluster(dataDir: string | undefined): Promise<boolean> {
  if (dataDir === undefined) return true;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(dataDir) && !dataDir.startsWith("file://")) return false;
  const names = await readdir(dataDir.replace(/^file:\/\//, "")).catch(() => [] as string[]);
  return names.every((name) => name === LOCK_FILE);
}

class PgliteDatabase implements Database {
  readonly kind = "pglite";
  readonly #db: PGlite;
  readonly #owned: boolean;
  readonly #lock: DataDirLock | undefined;
  readonly #openings = new PreparedOpenings<PGlite>();

  constructor(db: PGlite, owned: boolean, lock?: DataDirLock) {
    this.#db = db;
    this.#owned = owned;
    this.#lock = lock;
  }

  async query<T extends Row = Row>(text: string, params: readonly unknown[] = []): Promise<T[]> {
    return (await this.#db.query<T>(text, [...params])).rows;
  }

  async exec(script: string): Promise<void> {
    await this.#db.exec(script);
  }

  transaction<T>(body: (tx: Sql, opened: readonly Row[]) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
    return this.#transaction(body, options, true);
  }

  async #transaction<T>(body: (tx: Sql, opened: readonly Row[]) => Promise<T>, options: TransactionOptions, again: boolean): Promise<T> {
    const { role, opening, prepared } = options;
    let opened = false;
    let retry = false;
    try {
      return await this.#db.transaction(async (tx) => {
        // Decided once the transaction runs: PGlite runs one at a time, in the order asked.
        const execute = prepared === undefined ? undefined : this.#openings.statements(this.#db, prepared);
        if (execute?.prepare !== undefined) {
          // The first time: prepared in a call of its own (prepared-opening.ts).
          await tx.exec(execute.prepare);
          this.#openings.prepared(this.#db, execute.name);
        }
        retry = execute !== undefined && execute.prepare === undefined;
        const first = [...(role === undefined ? [] : [`set local role ${ident(role)}`]), ...(opening === undefined ? [] : [opening]), ...(execute === undefined ? [] : [execute.execute])];
        // The role and the opening statements in one call after PGlite's own BEGIN.
        const results = first.length === 0 ? [] : await tx.exec(first.join("; "));
        opened = true;
        return body(wrap(tx), opening === undefined && execute === undefined ? [] : ((results[results.length - 1]?.rows ?? []) as Row[]));
      });
    } catch (error) {
      if (!opened && retry && again && lostPrepared(error)) {
        // Its statement is gone (prepared-opening.ts): begin again, preparing it.
        this.#openings.forget(this.#db);
        return this.#transaction(body, options, false);
      }
      throw error;
    }
  }

  async close(): Promise<void> {
    try {
      if (this.#owned) await this.#db.close();
    } finally {
      this.#lock?.release();
    }
  }
}

function wrap(tx: Transaction): Sql {
  return {
    async query<T extends Row = Row>(text: string, params: readonly unknown[] = []): Promise<T[]> {
      return (await tx.query<T>(text, [...params])).rows;
    },
    async exec(script: string): Promise<void> {
      await tx.exec(script);
    },
  };
}
