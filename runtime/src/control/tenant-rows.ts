/**
 * A tenant's rows of the bundle's entity tables, wherever they are: an **endpoint** is a
 * database (as a role that may read and write the entity tables: the role that migrates
 * them) and the schema the tables are in — the shared schema for a pooled tenant (its rows
 * beside other tenants', by `tenant_id`), the tenant's own schema for a bridge tenant, the
 * tenant's database (and its schema) for a silo tenant. Nothing here knows which model an
 * endpoint is: the same queries serve all three, since every model's tables keep
 * `tenant_id` and the forced policy (spec/database.md, "Isolation models").
 *
 * Every transaction binds the tenant (`paybill.tenant`), so the tables' policy admits its
 * rows and only its rows, whatever role the endpoint connects as.
 */
import type { Bundle, EntitySchema } from "../bundle/format.js";
import type { Database, Sql } from "../store/adapter.js";
import { PaybillRuntimeError } from "../store/errors.js";
import { ident, isSchemaName } from "../store/sql.js";


export interface DataEndpoint {
  /** The database, as a role that may read and write the entity tables (not the runtime's role views). */
  readonly sql: Database;
  /** The schema the entity tables are in (`public`, `tenant_acme`, …). */
  readonly schema: string;
}

/** One entity's table as the data tools address it. */
export interface TenantTable {
  readonly entity: string;
  readonly table: string;
  readonly key: string;
  /** Whether it references another table (so deleting that one checks this one's rows). */
  readonly references: boolean;
  /** `tenant_id` and the fields, quoted, in declaration order. */
  readonly columns: readonly string[];
}

/**
 * The bundle's tables in foreign-key order: a table comes after every table it references,
 * so copying in this order (and deleting in the reverse) never breaks a foreign key. A
 * cycle, a table referencing itself included, cannot be copied batch by batch: PBR231.
 */
export function tablesInOrder(entities: Bundle["entities"]): TenantTable[] {
  const byName = new Map(Object.values(entities).map((e) => [e.name, e]));
  const done = new Set<string>();
  const visiting = new Set<string>();
  const out: TenantTable[] = [];
  const visit = (entity: EntitySchema, path: readonly string[]): void => {
    if (done.has(entity.name)) return;
    if (visiting.has(entity.name)) throw referenceCycle([...path, entity.name]);
    visiting.add(entity.name);
    for (const field of entity.fields) {
      const target = field.references === undefined ? undefined : byName.get(field.references.entity);
      if (target !== undefined) visit(target, [...path, entity.name]);
    }
    visiting.delete(entity.name);
    done.add(entity.name);
    const references = entity.fields.some((f) => f.references !== undefined && byName.has(f.references.entity));
    out.push({ entity: entity.name, table: entity.table, key: entity.key, references, columns: ["tenant_id", ...entity.fields.map((f) => f.name)].map(ident) });
  };
  for (const name of [...byName.keys()].sort()) visit(byName.get(name) as EntitySchema, []);
  return out;
}

function referenceCycle(path: readonly string[]): PaybillRuntimeError {
  return new PaybillRuntimeError(
    "PBR231",
    `the entities reference each other in a cycle (${path.map((p) => `\`${p}\``).join(" → ")}), so a tenant's rows cannot be copied table by table in foreign-key order`,
    "move this tenant's rows by hand (`pg_dump --data-only` of its rows, then `--data-moved`), or break the cycle in the entities",
  );
}

/** `"schema"."table"`; a schema that is not a plain lowercase name is PBR232. */
export function qualified(endpoint: DataEndpoint, table: string): string {
  if (!isSchemaName(endpoint.schema)) throw badEndpoint(`\`${endpoint.schema}\` is not a schema name`, "write a lowercase schema name such as `tenant_acme`");
  return `${ident(endpoint.schema)}.${ident(table)}`;
}

export function badEndpoint(message: string, help: string): PaybillRuntimeError {
  return new PaybillRuntimeError("PBR232", message, help);
}

/** Runs `body` in one transaction of the endpoint bound to `tenant`, times in UTC (so row text reads the same on every server). */
export function bound<T>(endpoint: DataEndpoint, tenant: string, body: (tx: Sql) => Promise<T>): Promise<T> {
  return endpoint.sql.transaction(async (tx) => {
    await tx.query("select set_config('paybill.tenant', $1, true), set_config('timezone', 'UTC', true)", [tenant]);
    return body(tx);
  });
}

/** The tenant's rows of one table: how many, and an MD5 over each row's text in key order (the same rows give the same sum anywhere). */
export async function tableSum(endpoint: DataEndpoint, tenant: string, table: TenantTable): Promise<{ rows: number; checksum: string }> {
  const name = qualified(endpoint, table.table);
  const [row] = await bound(endpoint, tenant, (tx) =>
    tx.query<{ rows: unknown; checksum: unknown }>(
      `select count(*)::bigint as rows, md5(coalesce(string_agg(md5(row(${table.columns.join(", ")})::text), '' order by ${ident(table.key)}), '')) as checksum
       from ${name} where tenant_id = $1`,
      [tenant],
    ),
  );
  return { rows: Number(row?.rows ?? 0), checksum: String(row?.checksum ?? "") };
}

/** Whether every table exists in the endpoint's schema; PBR232 naming the first missing one. */
export async function requireTables(endpoint: DataEndpoint, tables: readonly TenantTable[], role: "source" | "target"): Promise<void> {
  const rows = await endpoint.sql.query<{ table_name: unknown }>("select table_name from information_schema.tables where table_schema = $1", [endpoint.schema]);
  const present = new Set(rows.map((r) => String(r.table_name)));
  const missing = tables.find((t) => !present.has(t.table));
  if (missing !== undefined) {
    throw badEndpoint(
      `the ${role}'s schema \`${endpoint.schema}\` has no table \`${missing.table}\``,
      `migrate it first: \`paybillc migrate --database <url> --schema ${endpoint.schema}\``,
    );
  }
}

/** Deletes the tenant's rows of one table, `batch` at a time (each batch its own transaction); returns how many. */
export async function deleteRows(endpoint: DataEndpoint, tenant: string, table: TenantTable, batch: number, after?: () => Promise<void>): Promise<number> {
  const name = qualified(endpoint, table.table);
  const key = ident(table.key);
  let total = 0;
  for (;;) {
    const [row] = await bound(endpoint, tenant, (tx) =>
      tx.query<{ n: unknown }>(
        // The batch is a key range (below the first key past it, or all that is left), not `key in (…)`: with the
        // estimates of a table just filled, the planner may run an `in` as a loop over the list for every row.
        `with edge as (select (select ${key} from ${name} where tenant_id = $1 order by ${key} offset $2 limit 1) as k),
         gone as (delete from ${name} t using edge where t.tenant_id = $1 and (edge.k is null or t.${key} < edge.k) returning 1)
         select count(*)::int as n from gone`,
        [tenant, batch],
      ),
    );
    const n = Number(row?.n ?? 0);
    total += n;
    if (n === 0) {
      // Nothing deleted can mean another run of the move deleted this batch under it (its rows were gone when the
      // locks were released): done only when no row is left, so a parent is never deleted before its children.
      const [left] = await bound(endpoint, tenant, (tx) => tx.query<{ left: unknown }>(`select exists (select 1 from ${name} where tenant_id = $1) as left`, [tenant]));
      if (left?.left !== true) return total;
      continue;
    }
    await after?.();
  }
}

/** The schema a bridge tenant's tables are in: routing's one name for it (routing/schema-name.ts). */
export { bridgeSchema as bridgeSchemaOf } from "../routing/schema-name.js";

/**
 * Deletes the tenant's rows of every table (`tables` in foreign-key order), children first,
 * `batch` rows a transaction; returns how many. Deleting a parent row makes PostgreSQL look
 * for children referencing it, through the `tenant_id` index unless the reference has one of
 * its own (`@index`): past the child rows just deleted, still in that index until a vacuum.
 * So a table that references another is vacuumed once its rows are gone, before its parents
 * go (it keeps the deletion linear, not rows × rows); a role that may not vacuum it skips
 * that, and the deletion is only slower.
 */
export async function deleteTenantRows(endpoint: DataEndpoint, tenant: string, tables: readonly TenantTable[], batch: number, after?: (table: TenantTable) => Promise<void>): Promise<number> {
  let total = 0;
  for (const table of [...tables].reverse()) {
    const deleted = await deleteRows(endpoint, tenant, table, batch, after === undefined ? undefined : () => after(table));
    total += deleted;
    if (deleted > 0 && table.references) {
      try {
        await endpoint.sql.exec(`vacuum ${qualified(endpoint, table.table)}`);
      } catch {
        // Not the table's owner: the parents' deletion checks the dead entries, slower but right.
      }
    }
  }
  return total;
}
