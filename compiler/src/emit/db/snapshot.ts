/**
 * drizzle-kit snapshots: made from the tables with `generateDrizzleJson`, given a
 * deterministic id (a hash of their content, where drizzle-kit would draw a random uuid),
 * compared, and adjusted for what drizzle-kit must not be asked about — renames (declared
 * with `@renamed`) and drops (a drop beside an add in one diff makes drizzle-kit prompt).
 */
import { createHash } from "node:crypto";
import { canonicalJson } from "@paybill/runtime/bundle-format";
import { type DrizzleSnapshotJSON, generateDrizzleJson } from "drizzle-kit/api";
import { drizzleTables } from "./drizzle-tables.js";
import type { DbTable } from "./tables.js";

export type Snapshot = DrizzleSnapshotJSON;

/** The parts of a snapshot that say what the schema is (not its id, parent or metadata). */
function content(snapshot: Snapshot): unknown {
  const { id: _id, prevId: _prevId, _meta: _m, ...rest } = snapshot as Snapshot & { _meta?: unknown };
  return rest;
}

export function snapshotOf(tables: readonly DbTable[], prevId: string): Snapshot {
  const made = generateDrizzleJson(drizzleTables(tables));
  const hash = createHash("sha256").update(canonicalJson(content(made))).digest("hex");
  const id = `${hash.slice(0, 8)}-${hash.slice(8, 12)}-${hash.slice(12, 16)}-${hash.slice(16, 20)}-${hash.slice(20, 32)}`;
  return { ...made, id, prevId };
}

export const EMPTY_ID = "00000000-0000-0000-0000-000000000000";

export function emptySnapshot(): Snapshot {
  return { ...generateDrizzleJson({}), id: EMPTY_ID, prevId: EMPTY_ID };
}

export function sameSchema(a: Snapshot, b: Snapshot): boolean {
  return canonicalJson(content(a)) === canonicalJson(content(b));
}

export function snapshotText(snapshot: Snapshot): string {
  return `${JSON.stringify(snapshot, null, 2)}\n`;
}

/** A table of a snapshot, loosely typed: the fields this compiler reads and rewrites. */
export interface SnapTable {
  name: string;
  columns: Record<string, { name: string; type: string; notNull: boolean; default?: unknown; primaryKey?: boolean }>;
  indexes: Record<string, { columns: { expression: string }[] }>;
  foreignKeys: Record<string, { tableFrom: string; tableTo: string; columnsFrom: string[]; columnsTo: string[] }>;
  compositePrimaryKeys: Record<string, { columns: string[] }>;
  uniqueConstraints: Record<string, { columns: string[] }>;
  checkConstraints: Record<string, { value: string }>;
  /** Absent in snapshots written before the tables carried their tenant policy. */
  policies?: Record<string, { name: string; using?: string; withCheck?: string }>;
}

export function tablesOf(snapshot: Snapshot): Record<string, SnapTable> {
  return snapshot.tables as unknown as Record<string, SnapTable>;
}

/** `public.tickets` → `tickets`. */
export function keyOf(name: string): string {
  return `public.${name}`;
}

function clone(snapshot: Snapshot): Snapshot {
  return JSON.parse(JSON.stringify(snapshot)) as Snapshot;
}

export interface Rename {
  readonly table: string;
  readonly from: string;
  readonly to: string;
}

/**
 * The renames `@renamed` declares that apply to `prev` (the old column is there, the new one
 * is not), and `prev` with them applied, so drizzle-kit sees neither a drop nor an add.
 */
export function applyRenames(prev: Snapshot, tables: readonly DbTable[]): { snapshot: Snapshot; renames: Rename[] } {
  const out = clone(prev);
  const renames: Rename[] = [];
  const all = tablesOf(out);
  for (const table of tables) {
    const old = all[keyOf(table.name)];
    if (old === undefined) continue;
    for (const [to, from] of [...table.renamed].sort(([a], [b]) => (a < b ? -1 : 1))) {
      const column = old.columns[from];
      if (column === undefined || old.columns[to] !== undefined) continue;
      renames.push({ table: table.name, from, to });
      const columns: SnapTable["columns"] = {};
      for (const [name, value] of Object.entries(old.columns)) columns[name === from ? to : name] = name === from ? { ...value, name: to } : value;
      old.columns = columns;
      const swap = (names: string[]): string[] => names.map((n) => (n === from ? to : n));
      for (const index of Object.values(old.indexes)) for (const c of index.columns) if (c.expression === from) c.expression = to;
      for (const pk of Object.values(old.compositePrimaryKeys)) pk.columns = swap(pk.columns);
      for (const u of Object.values(old.uniqueConstraints)) u.columns = swap(u.columns);
      for (const fk of Object.values(old.foreignKeys)) fk.columnsFrom = swap(fk.columnsFrom);
      for (const other of Object.values(all)) {
        for (const fk of Object.values(other.foreignKeys)) if (fk.tableTo === table.name) fk.columnsTo = swap(fk.columnsTo);
      }
      for (const c of Object.values(old.checkConstraints)) c.value = c.value.replaceAll(`"${table.name}"."${from}"`, `"${table.name}"."${to}"`);
    }
  }
  return { snapshot: out, renames };
}

/**
 * `prev` without the tables and columns `cur` no longer has (and whatever names them): the
 * midpoint of a change in two diffs, drops first, so drizzle-kit never sees a drop and an
 * add together (it would ask whether that is a rename).
 */
export function withoutDropped(prev: Snapshot, cur: Snapshot): Snapshot {
  const out = clone(prev);
  const all = tablesOf(out);
  const now = tablesOf(cur);
  for (const key of Object.keys(all)) if (now[key] === undefined) delete all[key];
  for (const [key, table] of Object.entries(all)) {
    const kept = now[key];
    if (kept === undefined) continue;
    const gone = new Set(Object.keys(table.columns).filter((c) => kept.columns[c] === undefined));
    if (gone.size === 0) continue;
    for (const c of gone) delete table.columns[c];
    const names = (cols: readonly string[]): boolean => cols.some((c) => gone.has(c));
    for (const [k, v] of Object.entries(table.indexes)) if (names(v.columns.map((c) => c.expression))) delete table.indexes[k];
    for (const [k, v] of Object.entries(table.compositePrimaryKeys)) if (names(v.columns)) delete table.compositePrimaryKeys[k];
    for (const [k, v] of Object.entries(table.uniqueConstraints)) if (names(v.columns)) delete table.uniqueConstraints[k];
    for (const [k, v] of Object.entries(table.foreignKeys)) if (names(v.columnsFrom)) delete table.foreignKeys[k];
    for (const [k, v] of Object.entries(table.checkConstraints)) if ([...gone].some((c) => v.value.includes(`"${c}"`))) delete table.checkConstraints[k];
  }
  // A foreign key into a dropped table or column goes too.
  for (const table of Object.values(all)) {
    for (const [k, fk] of Object.entries(table.foreignKeys)) {
      const target = all[keyOf(fk.tableTo)];
      if (target === undefined || fk.columnsTo.some((c) => target.columns[c] === undefined)) delete table.foreignKeys[k];
    }
  }
  return out;
}
