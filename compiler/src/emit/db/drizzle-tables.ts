/**
 * The tables as drizzle-orm `pg-core` objects, made in process from the same description as
 * `schema.ts`, for drizzle-kit's `generateDrizzleJson`. Each builder call here has its twin
 * in schema-ts.ts; test/db-schema.test.ts checks that both give the same snapshot. Each
 * table carries the tenant policy (security.ts), so the snapshot records its text.
 */
import { sql } from "drizzle-orm";
import {
  bigint,
  boolean,
  check,
  foreignKey,
  index,
  jsonb,
  numeric,
  type PgColumnBuilderBase,
  pgPolicy,
  type PgTableWithColumns,
  pgTable,
  primaryKey,
  text,
  timestamp,
  unique,
  uuid,
} from "drizzle-orm/pg-core";
import { TENANT_POLICY } from "./security.js";
import type { DbColumn, DbTable } from "./tables.js";
import { TENANT_COLUMN } from "./tables.js";

// biome-ignore lint/suspicious/noExplicitAny: a table's column map is only known at run time here.
type AnyTable = PgTableWithColumns<any>;

export function drizzleTables(tables: readonly DbTable[]): Record<string, AnyTable> {
  const made = new Map<string, AnyTable>();
  // Referenced tables first, so a foreign key can name their columns (a cycle falls back to declaration order).
  const pending = [...tables];
  while (pending.length > 0) {
    const index = pending.findIndex((t) => t.foreignKeys.every((fk) => fk.table === t.name || made.has(fk.table)));
    const [next] = pending.splice(index === -1 ? 0 : index, 1);
    if (next === undefined) break;
    made.set(next.name, drizzleTable(next, made));
  }
  const out: Record<string, AnyTable> = {};
  for (const t of tables) {
    const value = made.get(t.name);
    if (value !== undefined) out[t.name] = value;
  }
  return out;
}

function drizzleTable(table: DbTable, made: ReadonlyMap<string, AnyTable>): AnyTable {
  const columns: Record<string, PgColumnBuilderBase> = {};
  for (const column of table.columns) columns[column.name] = columnBuilder(column);
  const self: AnyTable = pgTable(table.name, columns, (cols) => {
    // biome-ignore lint/suspicious/noExplicitAny: the columns are the ones declared just above, by name.
    const t = cols as Record<string, any>;
    const extra = [
      primaryKey({ name: `${table.name}_pkey`, columns: [t[TENANT_COLUMN], t[table.key]] }),
      index(`${table.name}_tenant_id_idx`).on(t[TENANT_COLUMN]),
    ];
    for (const name of table.unique) extra.push(unique(`${table.name}_${name}_key`).on(t[TENANT_COLUMN], t[name]));
    for (const name of table.indexed) extra.push(index(`${table.name}_${name}_idx`).on(t[TENANT_COLUMN], t[name]));
    for (const fk of table.foreignKeys) {
      // biome-ignore lint/suspicious/noExplicitAny: as above.
      const target: Record<string, any> | undefined = fk.table === table.name ? t : made.get(fk.table);
      if (target === undefined) continue;
      extra.push(foreignKey({ name: fk.name, columns: [t[TENANT_COLUMN], t[fk.column]], foreignColumns: [target[TENANT_COLUMN], target[fk.key]] }));
    }
    for (const column of table.columns) {
      if (column.type.kind !== "enum") continue;
      const values = column.type.values.map((v) => `'${v.replaceAll("'", "''")}'`).join(", ");
      extra.push(check(`${table.name}_${column.name}_check`, sql`${t[column.name]} in (${sql.raw(values)})`));
    }
    const p = TENANT_POLICY;
    extra.push(pgPolicy(p.name, { as: "permissive", for: lower(p.command), to: [...p.roles], using: sql.raw(p.using), withCheck: sql.raw(p.withCheck) }));
    return extra;
  });
  return self;
}

function columnBuilder(column: DbColumn): PgColumnBuilderBase {
  // biome-ignore lint/suspicious/noExplicitAny: builders of different column types share these methods.
  let builder: any = baseBuilder(column);
  if (column.notNull) builder = builder.notNull();
  const fallback = column.default;
  if (fallback !== undefined) {
    switch (fallback.kind) {
      case "random":
        builder = builder.defaultRandom();
        break;
      case "now":
        builder = builder.defaultNow();
        break;
      case "bool":
        builder = builder.default(fallback.value);
        break;
      case "string":
        builder = builder.default(fallback.value);
        break;
      case "number":
        builder = builder.default(column.type.kind === "int" ? Number(fallback.value) : fallback.value);
        break;
    }
  }
  return builder as PgColumnBuilderBase;
}

function baseBuilder(column: DbColumn): PgColumnBuilderBase {
  const { name, type } = column;
  switch (type.kind) {
    case "uuid":
      return uuid(name);
    case "enum":
      return text(name, { enum: [...type.values] as [string, ...string[]] });
    case "string":
    case "duration":
      return text(name);
    case "int":
      return bigint(name, { mode: "number" });
    case "decimal":
      return type.precision === undefined ? numeric(name) : numeric(name, { precision: type.precision, scale: type.scale ?? 0 });
    case "money":
      return numeric(name, { precision: 19, scale: 4 });
    case "bool":
      return boolean(name);
    case "timestamp":
      return timestamp(name, { withTimezone: true });
    case "json":
    case "list":
      return jsonb(name);
  }
}

const lower = (command: string): "all" | "select" | "insert" | "update" | "delete" => command.toLowerCase() as "all" | "select" | "insert" | "update" | "delete";
