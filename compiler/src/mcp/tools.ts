/**
 * The MCP tools of a Paybill bundle: one per action, its input schema the action's declared
 * input as JSON Schema (what the runtime's input check accepts, cel/values.ts `input` mode:
 * uuid format, string lengths, enum values, list sizes, decimal ranges), plus the two
 * control tools every session offers (`paybill_status`, and `paybill_move` while the run
 * can move). Pure: no runtime, no I/O.
 */
import type { ActionSchema, Bundle, FieldSchema, FieldType } from "@paybill/runtime";

export type JsonSchema = { readonly [key: string]: unknown };

export interface ToolSpec {
  readonly name: string;
  readonly description: string;
  readonly inputSchema: { readonly type: "object"; readonly [key: string]: unknown };
}

export const STATUS_TOOL = "paybill_status";
export const MOVE_TOOL = "paybill_move";

/** The runtime reads a decimal from a number or from this text (cel/values.ts). */
const DECIMAL_TEXT = "^-?\\d{1,40}(\\.\\d{1,40})?$";

export function fieldJsonSchema(type: FieldType): JsonSchema {
  switch (type.kind) {
    case "uuid":
      return { type: "string", format: "uuid", pattern: "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$" };
    case "string":
      return type.max === undefined ? { type: "string" } : { type: "string", maxLength: type.max };
    case "enum":
      return { type: "string", enum: [...type.values] };
    case "int":
      return { type: "integer", minimum: Number.MIN_SAFE_INTEGER, maximum: Number.MAX_SAFE_INTEGER };
    case "decimal": {
      const bound = type.precision === undefined ? undefined : 10 ** (type.precision - (type.scale ?? 0));
      const scale = type.scale === undefined ? "" : `, at most ${type.scale} digits after the point`;
      return {
        type: ["number", "string"],
        pattern: DECIMAL_TEXT,
        ...(bound === undefined ? {} : { exclusiveMinimum: -bound, exclusiveMaximum: bound }),
        description: `a decimal number (or its text)${scale}`,
      };
    }
    case "money":
      return { type: ["number", "string"], pattern: DECIMAL_TEXT, description: "an amount of money (a number or its text)" };
    case "bool":
      return { type: "boolean" };
    case "timestamp":
      return { type: "string", format: "date-time", description: "an RFC 3339 timestamp" };
    case "duration":
      // The runtime parses the text (cel/duration.ts); no pattern here to drift from it.
      return { type: "string", description: 'a duration such as "1h30m" or "90s"' };
    case "json":
      return {};
    case "list":
      return { type: "array", items: fieldJsonSchema(type.element), ...(type.max === undefined ? {} : { maxItems: type.max }) };
  }
}

function fieldSchema(field: FieldSchema): JsonSchema {
  const schema = fieldJsonSchema(field.type);
  if (field.references === undefined) return schema;
  return { ...schema, description: `the \`${field.references.field}\` of a \`${field.references.entity}\`` };
}

/** The JSON Schema of an action's input: its fields, the non-optional ones required, nothing else accepted. */
export function inputJsonSchema(action: ActionSchema): ToolSpec["inputSchema"] {
  const properties: Record<string, JsonSchema> = {};
  for (const field of action.input) properties[field.name] = fieldSchema(field);
  const required = action.input.filter((f) => !f.optional).map((f) => f.name);
  return { type: "object", properties, ...(required.length === 0 ? {} : { required }), additionalProperties: false };
}

export function actionTool(action: ActionSchema): ToolSpec {
  const effect = action.effect === undefined ? "" : ` (${action.effect.op} ${action.effect.entity})`;
  const description = action.description ?? `the Paybill action \`${action.name}\`${effect}`;
  return { name: action.name, description, inputSchema: inputJsonSchema(action) };
}

export function statusTool(): ToolSpec {
  return {
    name: STATUS_TOOL,
    description: "the workflow run's state, the budget it has left, the actions allowed now and the states it can move to",
    inputSchema: { type: "object", properties: {}, additionalProperties: false },
  };
}

/** Only offered while the run has somewhere to go (`next` is not empty). */
export function moveTool(state: string, next: readonly string[]): ToolSpec {
  return {
    name: MOVE_TOOL,
    description: `move the workflow run from \`${state}\` to a next state; the tools change with the state`,
    inputSchema: { type: "object", properties: { state: { type: "string", enum: [...next] } }, required: ["state"], additionalProperties: false },
  };
}

/** Whether some action of the bundle has this name (and the tool name is not a control tool). */
export function isAction(bundle: Bundle, name: string): boolean {
  return Object.hasOwn(bundle.actions, name);
}
