/**
 * What `paybillc build` does for the database: the tables from the bundle's entities,
 * `db/schema.ts`, and — when the schema differs from the newest snapshot in the project's
 * migrations folder — the next migration and its snapshot, to be added to that folder.
 * `db/migrations/` in the output holds a copy of every migration, so an output directory
 * is enough to migrate a database. Pure apart from reading the folder; build.ts writes.
 *
 * drizzle-kit (the snapshot and the migration) and ts-morph (`schema.ts`) are loaded only
 * when they run: with a `reuse` that has `schema.ts` from an earlier build of the same tables
 * and migrations folder (project/build-record.ts), neither runs.
 */
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import type { Diagnostic, Model } from "@paybill/lang";
import type { Bundle } from "@paybill/runtime";
import { createHash } from "node:crypto";
import { sortKeys } from "../bundle/json.js";
import { MIGRATIONS_DIR, type MigrationFile, readMigrations } from "./folder.js";
import type { Snapshot } from "./snapshot.js";
import type { Loss } from "./losses.js";
import type { Plan } from "./migration.js";
import { dbTables } from "./tables.js";

export interface DbFile {
  readonly path: string;
  readonly text: string;
}

export type DbBuild =
  | {
      readonly ok: true;
      /** Relative to the output directory. */
      readonly out: readonly DbFile[];
      /** Stale migration copies in `<out>/db/migrations/`, relative to the output directory. */
      readonly stale: readonly string[];
      /** New files for the project's migrations folder, relative to it. */
      readonly added: readonly DbFile[];
      readonly plan: Plan;
      readonly tables: number;
    }
  | { readonly ok: false; readonly kind: "diagnostics"; readonly diagnostics: readonly Diagnostic[] }
  | { readonly ok: false; readonly kind: "destructive"; readonly losses: readonly Loss[] }
  | { readonly ok: false; readonly kind: "folder"; readonly problem: string; readonly help: string };

/**
 * Earlier output to reuse: `lookup` gets what `schema.ts` was made from and gives its text
 * when an earlier build made it from the same; `store` records a `schema.ts` just made.
 */
export interface SchemaCache {
  lookup(input: unknown): Promise<string | undefined>;
  store(input: unknown, text: string): Promise<void>;
}

const SCHEMA_FILE = "db/schema.ts";

/** What of the migrations folder `schema.ts` and the plan depend on: each migration's text and the newest snapshot, hashed. */
function folderKey(migrations: readonly MigrationFile[], snapshot: string | undefined): unknown {
  return { migrations: migrations.map((m) => [m.file, sha256(m.text)]), snapshot: snapshot === undefined ? null : sha256(snapshot) };
}

function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/** A snapshot as JSON with sorted keys: the same whether read back from its file or just made. */
function snapshotJson(snapshot: Snapshot): string {
  return JSON.stringify(sortKeys(snapshot));
}

export async function buildDatabase(
  project: string,
  out: string,
  bundle: Pick<Bundle, "entities">,
  model: Model | undefined,
  allowDestructive: boolean,
  reuse?: SchemaCache,
): Promise<DbBuild | undefined> {
  const folderDir = join(project, MIGRATIONS_DIR);
  const read = await readMigrations(folderDir);
  if (!read.ok) return { ok: false, kind: "folder", problem: read.problem, help: read.help };
  if (Object.keys(bundle.entities).length === 0 && read.folder.migrations.length === 0) return undefined;
  const diagnostics: Diagnostic[] = [];
  const tables = dbTables(bundle, model, diagnostics);
  if (diagnostics.length > 0) return { ok: false, kind: "diagnostics", diagnostics };
  // Only an unchanged schema is reused: a new migration changes the folder, so the input.
  const input = { tables, folder: folderKey(read.folder.migrations, read.folder.snapshot === undefined ? undefined : snapshotJson(read.folder.snapshot)) };
  const reused = read.folder.snapshot === undefined ? undefined : await reuse?.lookup(input);
  const plan: Plan =
    reused !== undefined && read.folder.snapshot !== undefined
      ? { kind: "unchanged", snapshot: read.folder.snapshot }
      : await (await import("./migration.js")).planMigration(read.folder, tables, allowDestructive);
  if (plan.kind === "refused") return { ok: false, kind: "destructive", losses: plan.losses };
  const migrations = read.folder.migrations.map((m) => ({ path: m.file, text: m.text }));
  const added: DbFile[] = [];
  if (plan.kind === "new") {
    const { snapshotText } = await import("./snapshot.js");
    added.push({ path: `${plan.id}.sql`, text: plan.sql }, { path: `meta/${String(plan.number).padStart(4, "0")}_snapshot.json`, text: snapshotText(plan.snapshot) });
    migrations.push({ path: `${plan.id}.sql`, text: plan.sql });
  }
  const schema = reused ?? (await import("./schema-ts.js")).schemaTs(tables);
  if (reused === undefined && plan.kind === "unchanged") await reuse?.store(input, schema);
  // With a new migration, what the next build starts from: the folder with it added.
  if (plan.kind === "new") {
    const made = { id: plan.id, number: plan.number, file: `${plan.id}.sql`, text: plan.sql };
    await reuse?.store({ tables, folder: folderKey([...read.folder.migrations, made], snapshotJson(plan.snapshot)) }, schema);
  }
  const files: DbFile[] = [{ path: SCHEMA_FILE, text: schema }, ...migrations.map((m) => ({ path: `db/migrations/${m.path}`, text: m.text }))];
  const present = await readdir(join(out, "db", "migrations")).catch(() => [] as string[]);
  const keep = new Set(migrations.map((m) => m.path));
  const stale = present.filter((n) => n.endsWith(".sql") && !keep.has(n)).map((n) => `db/migrations/${n}`);
  return { ok: true, out: files, stale, added, plan, tables: tables.length };
}
