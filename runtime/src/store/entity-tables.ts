/**
 * A development and test helper: the DDL for each entity's table, so the runtime can
 * perform effects before the compiler's Drizzle migrations exist (they will own the real
 * schema, issue 6). Idempotent: running it twice changes nothing.
 *
 * Every table has `tenant_id text not null` and the primary key `(tenant_id, <@id>)`;
 * `@unique` is unique per tenant; a reference to another entity's key is a foreign key
 * within the tenant; row-level security is enabled and forced with a policy on the tenant
 * the transaction is bound to (`paybill.tenant`; the empty string binds none), and the
 * runtime role (roles.ts, created when missing) gets SELECT, INSERT, UPDATE and DELETE —
 * what the compiler's migrations give (compiler/src/emit/db/security.ts).
 */
import type { Bundle, EntitySchema, FieldSchema } from "../bundle/format.js";
import { columnType } from "./columns.js";
import { BOUND_TENANT, roleSql, RUNTIME_ROLE } from "./roles.js";
import { ident, literal } from "./sql.js";

export function entityTablesSql(bundle: Pick<Bundle, "entities">): string {
  const entities = Object.values(bundle.entities);
  const statements: string[] = [roleSql(RUNTIME_ROLE).replace(/;$/, "")];
  for (const entity of entities) statements.push(createTable(entity));
  for (const entity of entities) statements.push(...foreignKeys(entity, bundle));
  for (const entity of entities) statements.push(...rowSecurity(entity));
  return statements.map((s) => `${s};\n`).join("");
}

function createTable(entity: EntitySchema): string {
  const lines = [`  tenant_id text not null`];
  for (const field of entity.fields) lines.push(`  ${column(field)}`);
  lines.push(`  primary key (tenant_id, ${ident(entity.key)})`);
  for (const field of entity.fields) {
    if (field.unique && !field.id) lines.push(`  unique (tenant_id, ${ident(field.name)})`);
  }
  return `create table if not exists ${ident(entity.table)} (\n${lines.join(",\n")}\n)`;
}

function column(field: FieldSchema): string {
  const parts = [ident(field.name), columnType(field.type)];
  if (!field.optional || field.id) parts.push("not null");
  const fallback = field.id && field.type.kind === "uuid" ? "gen_random_uuid()" : defaultSql(field.default);
  if (fallback !== undefined) parts.push(`default ${fallback}`);
  if (field.type.kind === "enum") {
    parts.push(`check (${ident(field.name)} in (${field.type.values.map(literal).join(", ")}))`);
  }
  return parts.join(" ");
}

/** `@default(…)`: `now`, or a CEL number, bool or string literal; anything else is left to the host. */
function defaultSql(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (value === "now") return "now()";
  if (value === "true" || value === "false") return value;
  if (/^-?\d+(\.\d+)?$/.test(value)) return value;
  if (/^"([^"\\]|\\.)*"$/.test(value)) {
    try {
      return literal(JSON.parse(value) as string);
    } catch {
      return undefined;
    }
  }
  return undefined;
}

function foreignKeys(entity: EntitySchema, bundle: Pick<Bundle, "entities">): string[] {
  const out: string[] = [];
  for (const field of entity.fields) {
    const target = field.references === undefined ? undefined : bundle.entities[field.references.entity];
    if (field.references === undefined || target === undefined || target.key !== field.references.field) continue;
    const name = ident(`${entity.table}_${field.name}_fkey`);
    out.push(`alter table ${ident(entity.table)} drop constraint if exists ${name}`);
    out.push(
      `alter table ${ident(entity.table)} add constraint ${name} foreign key (tenant_id, ${ident(field.name)}) ` +
        `references ${ident(target.table)} (tenant_id, ${ident(target.key)})`,
    );
  }
  return out;
}

function rowSecurity(entity: EntitySchema): string[] {
  const table = ident(entity.table);
  const bound = `tenant_id = ${BOUND_TENANT}`;
  return [
    `grant select, insert, update, delete on ${table} to ${RUNTIME_ROLE}`,
    `alter table ${table} enable row level security`,
    `alter table ${table} force row level security`,
    `drop policy if exists paybill_tenant_isolation on ${table}`,
    `create policy paybill_tenant_isolation on ${table} using (${bound}) with check (${bound})`,
  ];
}
