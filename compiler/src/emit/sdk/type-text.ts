/**
 * A bundle field type as TypeScript source, for the SDK (spec/sdk.md): what a host passes
 * in an action's input and what the runtime hands back in a row. The mapping follows what
 * the runtime accepts and returns (runtime/src/cel/values.ts, store/columns.ts), not the
 * database column: a decimal is a number, or its decimal text when a double cannot hold it.
 *
 * It also writes the declared type back as Paybill source (`string(max: 200)`), for the
 * doc comment on each property: the size, scale and enum limits the runtime checks at `act`
 * and TypeScript does not.
 */
import type { FieldSchema, FieldType } from "@paybill/runtime";

/** The name of the SDK's decimal type (`number | \`${number}\``). */
export const DECIMAL = "Decimal";

export function typeText(type: FieldType): string {
  switch (type.kind) {
    case "uuid":
    case "string":
    case "timestamp":
    case "duration":
      return "string";
    case "int":
      return "number";
    case "decimal":
    case "money":
      return DECIMAL;
    case "bool":
      return "boolean";
    case "json":
      return "unknown";
    case "enum":
      return type.values.length === 0 ? "never" : type.values.map((v) => JSON.stringify(v)).join(" | ");
    case "list": {
      const element = typeText(type.element);
      return type.element.kind === "enum" && type.element.values.length > 1 ? `(${element})[]` : `${element}[]`;
    }
  }
}

/** The field's type as declared in `.paybill` source, e.g. `decimal(12, 2)` or `Ticket.id`. */
export function declaredType(field: FieldSchema): string {
  const base = field.references === undefined ? paybillType(field.type) : `${field.references.entity}.${field.references.field}`;
  return field.optional ? `${base}?` : base;
}

function paybillType(type: FieldType): string {
  switch (type.kind) {
    case "string":
      return type.max === undefined ? "string" : `string(max: ${type.max})`;
    case "decimal":
      return type.precision === undefined ? "decimal" : `decimal(${type.precision}, ${type.scale ?? 0})`;
    case "enum":
      return `enum(${type.values.join(", ")})`;
    case "list":
      return type.max === undefined ? `list(${paybillType(type.element)})` : `list(${paybillType(type.element)}, max: ${type.max})`;
    default:
      return type.kind;
  }
}
