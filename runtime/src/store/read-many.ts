/**
 * A list read (`effect read many E where … limit N`, spec/runtime.md "List reads") as one
 * tenant-scoped, parameterized `select`: the bundle's filter (`all`, `any`, comparisons of
 * one column with an evaluated value) becomes the `where`, rows come in key order, at most
 * `limit`. The comparison is SQL's made to answer as CEL does: `==`/`!=` treat null as a
 * value (`is not distinct from`), text is ordered by code point (`collate "C"`), and an
 * order comparison with a null on either side selects no row. A value the column cannot
 * hold (a uuid column and a text that is not one) equals no row.
 */
import type { EntitySchema, FieldType } from "../bundle/format.js";
import type { PreparedEffect, PreparedFilter } from "../decide/decider-api.js";
import type { Sql } from "./adapter.js";
import { columnType, rowToJson, toParam } from "./columns.js";
import { type JsonRecord, keyFits } from "./effects.js";
import { ident, Params } from "./sql.js";

const SQL_OP: Readonly<Record<string, string>> = { "==": "is not distinct from", "!=": "is distinct from", "<": "<", "<=": "<=", ">": ">", ">=": ">=" };

/** The tenant's rows the list read selects, in key order, at most its limit. */
export async function readMany(sql: Sql, entity: EntitySchema, tenant: string, effect: PreparedEffect): Promise<JsonRecord[]> {
  const many = effect.many;
  if (many === undefined) return [];
  const params = new Params();
  const keyType = entity.fields.find((f) => f.name === entity.key)?.type;
  const where = many.where === undefined ? "" : ` and ${filterSql(params, entity, many.where)}`;
  const order = `${ident(entity.key)}${keyType !== undefined && textual(keyType) ? ' collate "C"' : ""}`;
  const limit = Math.max(0, Math.min(100, Math.trunc(many.limit)));
  const rows = await sql.query(`select * from ${ident(entity.table)} where tenant_id = ${params.add(tenant)}${where} order by ${order} limit ${limit}`, params.values);
  return rows.map((row) => rowToJson(entity, row));
}

function filterSql(params: Params, entity: EntitySchema, filter: PreparedFilter): string {
  if ("all" in filter) return filter.all.length === 0 ? "true" : `(${filter.all.map((f) => filterSql(params, entity, f)).join(" and ")})`;
  if ("any" in filter) return filter.any.length === 0 ? "false" : `(${filter.any.map((f) => filterSql(params, entity, f)).join(" or ")})`;
  const field = entity.fields.find((f) => f.name === filter.field);
  // A field the entity lacks (a bundle the checker did not write) selects nothing.
  if (field === undefined) return "false";
  const value = filter.value ?? null;
  const equality = filter.op === "==" || filter.op === "!=";
  if (value === null && !equality) return "false";
  if (value !== null && (field.type.kind === "uuid" || textual(field.type)) && !keyFits(field.type, value)) return filter.op === "!=" ? "true" : "false";
  const collate = textual(field.type) ? ' collate "C"' : "";
  const column = `${ident(field.name)}${collate}`;
  const param = `${params.add(toParam(field.type, value))}::${columnType(field.type)}${collate}`;
  return `${column} ${SQL_OP[filter.op] ?? "="} ${param}`;
}

function textual(type: FieldType): boolean {
  return type.kind === "string" || type.kind === "enum";
}
