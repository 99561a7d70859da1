/**
 * List reads, `effect read many E where <CEL> limit N` (spec/language.md, "List reads"):
 * only a `read`, without a key or `set` (PB4162); `limit` required, 1 to `MAX_LIST_READ`
 * (PB4160); `where` a `bool` over `row` (the candidate row of `E`) and the effect's
 * variables, in the shape row-filter.ts can run as SQL, on fields the SQL compares as CEL
 * would (PB4161).
 */
import type { EffectDecl, EntityDecl } from "../ast/nodes.js";
import type { Unit } from "../2-resolve/symbols.js";
import type { CelType } from "./cel/cel-types.js";
import { environment, recordType } from "./env.js";
import type { FieldType, TypedField } from "./field-types.js";
import { ROW_VARIABLE, type RowFilterNode, rowFilter } from "./row-filter.js";
import type { State } from "./state.js";

/** The most rows a list read may return. */
export const MAX_LIST_READ = 100;

/** Field types whose comparison in SQL gives CEL's answer: equality for all, order for these. */
const ORDERED = new Set(["string", "int", "decimal", "money", "timestamp"]);
const EQUATABLE = new Set([...ORDERED, "uuid", "bool", "enum"]);

/** Checks the `many`, `where` and `limit` of an effect (none of which a plain effect has). */
export function checkReadMany(state: State, unit: Unit, effect: EffectDecl, input: CelType, entity: EntityDecl | undefined): void {
  if (effect.many !== true) return;
  if (effect.op !== "read") {
    state.ctx.report("listReadShape", unit, effect.span, `\`many\` is for \`effect read\`, not \`effect ${effect.op}\``, "an insert, update or delete works on one row: remove `many`");
    return;
  }
  if (effect.key !== undefined) {
    state.ctx.report("listReadShape", unit, effect.key.span, "`effect read many` takes no key: it reads the rows `where` selects", "remove the `( … )`, and say which rows in `where`");
  }
  const limit = effect.limit === undefined ? undefined : Number(effect.limit.raw);
  if (limit === undefined || !Number.isSafeInteger(limit) || limit < 1 || limit > MAX_LIST_READ) {
    state.ctx.report(
      "listReadLimit",
      unit,
      effect.limit?.span ?? effect.span,
      effect.limit === undefined ? "`effect read many` needs `limit N`: how many rows it returns at most" : `the limit of a list read must be between 1 and ${MAX_LIST_READ}`,
      `write \`limit N\` with N from 1 to ${MAX_LIST_READ} after the entity or its \`where\``,
    );
  }
  if (effect.where === undefined) return;
  const fields = entity === undefined ? [] : state.fieldsOf(entity);
  const row = entity === undefined ? undefined : state.record(entity, () => recordType(entity.name.name, fields, "resource"));
  const variables = environment({ input, ...(row === undefined ? {} : { extra: new Map([[ROW_VARIABLE, row]]) }) });
  state.checkExpression(unit, effect.where, variables, true);
  const shape = rowFilter(effect.where);
  if ("problem" in shape) {
    state.ctx.report("listReadWhere", unit, shape.problem.span, shape.problem.message, "write comparisons such as `row.status == input.status`, joined by `&&` and `||`; filter the rest after reading");
    return;
  }
  for (const compare of comparisons(shape.filter)) {
    const field = fields.find((f) => f.name === compare.field);
    if (field === undefined) continue; // the type check reported it
    const kind = kindOf(field);
    if (kind === undefined) continue;
    const ordered = compare.op !== "==" && compare.op !== "!=";
    if (ordered ? !ORDERED.has(kind) : !EQUATABLE.has(kind)) {
      state.ctx.report(
        "listReadWhere",
        unit,
        compare.fieldSpan,
        `a list read cannot compare \`row.${compare.field}\` (a \`${kind}\` field) with \`${compare.op}\``,
        ordered ? "order comparisons work on `string`, `int`, `decimal`, `money` and `timestamp` fields" : "compare a field that is not a `list`, `json` or `duration`",
      );
    }
  }
}

function comparisons(node: RowFilterNode): Extract<RowFilterNode, { kind: "compare" }>[] {
  return node.kind === "compare" ? [node] : node.parts.flatMap(comparisons);
}

function kindOf(field: TypedField): string | undefined {
  const type: FieldType = field.type.kind === "reference" ? field.type.target : field.type;
  if (type.kind === "scalar") return type.name;
  if (type.kind === "enum" || type.kind === "list") return type.kind;
  return undefined;
}
