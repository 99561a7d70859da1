/**
 * The connection `paybillc migrate` applies migrations through: PostgreSQL by URL (`pg`), or
 * an embedded PGlite data directory. Only what applying needs: scripts, parameterized
 * queries, and a transaction that commits when its body returns and rolls back when it
 * throws. A data directory is locked as the runtime locks it (`lockDataDir`: PBR191 when
 * another process has it open), so migrating never races a running server.
 */
import { PGlite } from "@electric-sql/pglite";
import { type DataDirLock, lockDataDir } from "@paybill/runtime";
import pg from "pg";

export type Row = Record<string, unknown>;

export interface Tx {
  exec(script: string): Promise<void>;
  query<T extends Row = Row>(text: string, params?: readonly unknown[]): Promise<T[]>;
}

export interface Client extends Tx {
  readonly kind: "pglite" | "postgres";
  transaction<T>(body: (tx: Tx) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export function isPostgresUrl(text: string): boolean {
  return /^postgres(ql)?:\/\//.test(text);
}

export async function openClient(target: { url: string } | { dataDir: string } | { pglite: PGlite }): Promise<Client> {
  if ("url" in target) return openPostgres(target.url);
  const lock: DataDirLock | undefined = "dataDir" in target ? lockDataDir(target.dataDir) : undefined;
  let db: PGlite;
  try {
    db = "pglite" in target ? target.pglite : await PGlite.create(target.dataDir);
  } catch (error) {
    lock?.release();
    throw error;
  }
  const owned = !("pglite" in target);
  const wrap = (q: Pick<PGlite, "exec" | "query">): Tx => ({
    exec: async (script) => {
      await q.exec(script);
    },
    query: async <T extends Row>(text: string, params: readonly unknown[] = []) => (await q.query<T>(text, [...params])).rows,
  });
  return {
    kind: "pglite",
    ...wrap(db),
    transaction: (body) => db.transaction((tx) => body(wrap(tx))),
    close: async () => {
      try {
        if (owned) await db.close();
      } finally {
        lock?.release();
      }
    },
  };
}

async function openPostgres(url: string): Promise<Client> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const tx: Tx = {
    exec: async (script) => {
      await client.query(script);
    },
    query: async <T extends Row>(text: string, params: readonly unknown[] = []) => (await client.query<T>(text, [...params])).rows,
  };
  return {
    kind: "postgres",
    ...tx,
    transaction: async (body) => {
      await client.query("begin");
      try {
        const result = await body(tx);
        await client.query("commit");
        return result;
      } catch (error) {
        await client.query("rollback").catch(() => undefined);
        throw error;
      }
    },
    close: () => client.end(),
  };
}
