/**
 * Names the runtime keeps for itself, stated on the language level: an entity's table may not
 * start with `paybill_` (the runtime's own tables: runs, approvals, the audit chain, the
 * migrations record), and no field may be the tenant column `tenant_id` every entity table
 * carries first (nor a name that snake-cases to it, `tenantId`). An entity's table is its
 * `@table("name")` when given, otherwise its name in snake case (`SupportTicket` →
 * `support_ticket`), as the bundle records it.
 */
import type { EntityDecl } from "../ast/nodes.js";
import type { Unit } from "../2-resolve/symbols.js";
import type { State } from "./state.js";

export const RESERVED_TABLE_PREFIX = "paybill_";
export const TENANT_COLUMN = "tenant_id";

/** `SupportTicket` → `support_ticket`, `HTTPLog` → `http_log`. */
export function snakeCase(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .replace(/([A-Z]+)([A-Z][a-z])/g, "$1_$2")
    .toLowerCase();
}

/** The entity's table as the bundle names it; `undefined` when `@table` is malformed (reported elsewhere). */
export function entityTableName(entity: EntityDecl): string | undefined {
  const annotation = entity.annotations.find((a) => a.name.name === "table");
  if (annotation === undefined) return snakeCase(entity.name.name);
  const arg = annotation.args?.length === 1 ? annotation.args[0] : undefined;
  return arg !== undefined && arg.name === undefined && arg.value.kind === "String" ? arg.value.value : undefined;
}

export function checkReservedNames(state: State, unit: Unit, entity: EntityDecl): void {
  const table = entityTableName(entity);
  if (table?.startsWith(RESERVED_TABLE_PREFIX) === true) {
    const given = entity.annotations.find((a) => a.name.name === "table");
    state.ctx.report(
      "reservedTableName",
      unit,
      given?.span ?? entity.name.span,
      `entity \`${entity.name.name}\` would have the table \`${table}\`, and tables starting with \`${RESERVED_TABLE_PREFIX}\` are the runtime's own`,
      given === undefined
        ? `rename the entity so its table does not start with \`${RESERVED_TABLE_PREFIX}\`, or give it another table with \`@table("…")\``
        : `give the entity a table name that does not start with \`${RESERVED_TABLE_PREFIX}\``,
    );
  }
  for (const field of entity.fields) {
    if (snakeCase(field.name.name) !== TENANT_COLUMN) continue;
    state.ctx.report(
      "reservedFieldName",
      unit,
      field.name.span,
      `entity \`${entity.name.name}\` cannot have a field called \`${field.name.name}\`: every entity table has the tenant column \`${TENANT_COLUMN}\`, filled in by the runtime`,
      "remove the field (each row already belongs to its tenant), or give it another name",
    );
  }
}
