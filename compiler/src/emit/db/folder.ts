/**
 * The user's migrations folder (`<project>/migrations/`, committed with the sources):
 * `NNNN_<name>.sql` files applied in order, and beside each the drizzle-kit snapshot of the
 * schema after it, `meta/NNNN_snapshot.json`. The newest snapshot is what the next build
 * diffs against. Reading it finds problems (a gap in the numbers, a missing or unreadable
 * snapshot) and reports them rather than guessing.
 */
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import type { Snapshot } from "./snapshot.js";

export const MIGRATIONS_DIR = "migrations";
export const MIGRATION_FILE = /^(\d{4})_([a-z0-9_]+)\.sql$/;

export interface MigrationFile {
  /** The file name without `.sql`: what the database records. */
  readonly id: string;
  readonly number: number;
  readonly file: string;
  readonly text: string;
}

export interface Folder {
  readonly migrations: readonly MigrationFile[];
  /** The newest migration's snapshot; undefined when there is no migration yet. */
  readonly snapshot: Snapshot | undefined;
}

export type FolderResult = { readonly ok: true; readonly folder: Folder } | { readonly ok: false; readonly problem: string; readonly help: string };

/** `snapshot: false` (migrate) reads only the SQL files: applying needs no snapshot. */
export async function readMigrations(dir: string, options: { snapshot?: boolean } = {}): Promise<FolderResult> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    if (typeof error === "object" && error !== null && "code" in error && error.code === "ENOENT") return { ok: true, folder: { migrations: [], snapshot: undefined } };
    return { ok: false, problem: `cannot read the migrations folder \`${dir}\``, help: "check that it is a readable directory" };
  }
  const migrations: MigrationFile[] = [];
  for (const file of names.filter((n) => n.endsWith(".sql")).sort()) {
    const match = MIGRATION_FILE.exec(file);
    if (match === null) return { ok: false, problem: `\`${join(dir, file)}\` is not named as a migration`, help: "migrations are named `NNNN_name.sql`, e.g. `0003_update.sql`" };
    migrations.push({ id: file.slice(0, -4), number: Number(match[1]), file, text: await readFile(join(dir, file), "utf8") });
  }
  for (const [i, m] of migrations.entries()) {
    if (m.number !== i) return { ok: false, problem: `migration number ${String(i).padStart(4, "0")} is missing or repeated in \`${dir}\` (found \`${m.file}\`)`, help: "restore the folder from version control: migrations are numbered from 0000 without gaps" };
  }
  const last = migrations.at(-1);
  if (last === undefined || options.snapshot === false) return { ok: true, folder: { migrations, snapshot: undefined } };
  const path = join(dir, "meta", `${String(last.number).padStart(4, "0")}_snapshot.json`);
  try {
    const snapshot = JSON.parse(await readFile(path, "utf8")) as Snapshot;
    if (typeof snapshot !== "object" || snapshot === null || typeof snapshot.tables !== "object") throw new Error("not a snapshot");
    return { ok: true, folder: { migrations, snapshot } };
  } catch {
    return { ok: false, problem: `the snapshot \`${path}\` of the newest migration is missing or not a drizzle-kit snapshot`, help: "restore it from version control: the next migration is the difference from it" };
  }
}
