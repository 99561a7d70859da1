/**
 * How an entity field is stored: its PostgreSQL column type, how a JSON value becomes a
 * query parameter, and how a column value read back becomes a JSON value again (what the
 * decider sees as `resource` and what a read returns). Drivers differ (`pg` gives `bigint`
 * and `numeric` as strings, PGlite a `bigint` as a number or BigInt): this file is where
 * those differences end.
 */
import type { EntitySchema, FieldType } from "../bundle/format.js";
import type { Row } from "./adapter.js";

/** The PostgreSQL type of a column holding `type`. */
export function columnType(type: FieldType): string {
  switch (type.kind) {
    case "uuid":
      return "uuid";
    case "string":
    case "enum":
    // A duration is kept as the decider writes it (`1h30m`), which it reads back as is.
    case "duration":
      return "text";
    case "int":
      return "bigint";
    case "decimal":
      return type.precision === undefined ? "numeric" : `numeric(${type.precision}, ${type.scale ?? 0})`;
    case "money":
      return "numeric(19, 4)";
    case "bool":
      return "boolean";
    case "timestamp":
      return "timestamptz";
    case "json":
    case "list":
      return "jsonb";
  }
}

/** A JSON value (or what the decider prepared) as a parameter for a column of `type`. */
export function toParam(type: FieldType, value: unknown): unknown {
  if (value === undefined || value === null) return null;
  switch (type.kind) {
    case "json":
    case "list":
      // Both drivers pass a string through to jsonb as JSON text.
      return JSON.stringify(value, (_key, v: unknown) => (typeof v === "bigint" ? v.toString() : v));
    case "int":
    case "decimal":
    case "money":
      return typeof value === "bigint" ? value.toString() : value;
    case "timestamp":
      return value instanceof Date ? value.toISOString() : value;
    default:
      return value;
  }
}

/** A column value read back, as a JSON value. */
export function fromColumn(type: FieldType, value: unknown): unknown {
  if (value === undefined || value === null) return null;
  switch (type.kind) {
    case "int":
    case "decimal":
    case "money":
      return toNumber(value);
    case "timestamp":
      return value instanceof Date ? value.toISOString() : String(value);
    case "bool":
      return value === true || value === "t" || value === "true";
    default:
      return value;
  }
}

function toNumber(value: unknown): unknown {
  if (typeof value === "number") return value;
  if (typeof value === "bigint") return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  if (typeof value === "string") {
    // Beyond 15 significant digits a double is not exact: such a number stays the decimal text it was stored as.
    const digits = value.replace(/^-/, "").replace(/\.(\d*?)0*$/, ".$1").replace(".", "").replace(/^0+/, "");
    return digits.length <= 15 ? Number(value) : value;
  }
  return value;
}

/** A stored row (without `tenant_id`) as the JSON object the entity describes. */
export function rowToJson(entity: EntitySchema, row: Row): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const field of entity.fields) out[field.name] = fromColumn(field.type, row[field.name]);
  return out;
}
