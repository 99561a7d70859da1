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

/** A sign, then `0` or numbers each with a unit (cel/duration.ts). */
const DURATION_TEXT = "^[-+]?(0|((\\d+\\.?\\d*|\\.\\d+)(ms|us|µs|ns|h|m|s))+)$";

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
      // A number within the precision (the scale is said, not checked: `multipleOf` errs on
      // binary fractions); as text, both are exact in the pattern.
      const whole = type.precision === undefined ? 40 : type.precision - (type.scale ?? 0);
      const fraction = type.scale ?? 40;
      const pattern = `^-?${whole <= 0 ? "0" : `\\d{1,${Math.min(whole, 40)}}`}${fraction === 0 ? "" : `(\\.\\d{1,${Math.min(fraction, 40)}})?`}$`;
      const bound = type.precision === undefined ? {} : { exclusiveMinimum: -(10 ** whole), exclusiveMaximum: 10 ** whole };
      const scale = type.scale === undefined ? "" : type.scale === 0 ? ", a whole number" : `, at most ${type.scale} digits after the point`;
      return { type: [type.scale === 0 ? "integer" : "number", "string"], pattern, ...bound, description: `a decimal number (or its text)${scale}` };
    }
    case "money":
      return { type: ["number", "string"], pattern: DECIMAL_TEXT, description: "an amount of money (a number or its text)" };
    case "bool":
      return { type: "boolean" };
    case "timestamp":
      return { type: "string", format: "date-time", description: "an RFC 3339 timestamp" };
    case "duration":
      // cel/duration.ts's grammar; its bound (±10000 years) is only said.
      return { type: "string", pattern: DURATION_TEXT, description: 'a duration such as "1h30m" or "90s" (within 10000 years)' };
    case "json":
      // Any JSON value but null: the runtime reads a null field as absent.
      return { type: ["object", "array", "string", "number", "boolean"] };
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
  const effect = action.host === true ? " (performed by the host once allowed)" : action.effect === undefined ? "" : ` (${action.effect.op}${action.effect.many === undefined ? "" : " many"} ${action.effect.entity})`;
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
