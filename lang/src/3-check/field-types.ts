/**
 * Types of entity fields and action inputs: `uuid`, `string(max: 500)`, `int`,
 * `decimal(12, 2)`, `money`, `bool`, `timestamp`, `duration`, `json`, `enum(a, b)`,
 * `list(T, max: 20)`, and `Entity.field` (the type of that field, as a reference to it).
 */
import type { Arg, EntityDecl, Field, RefValue } from "../ast/nodes.js";
import type { Unit } from "../2-resolve/symbols.js";
import { didYouMean } from "../2-resolve/suggest.js";
import { type CelType, T } from "./cel/cel-types.js";
import type { Context } from "./context.js";

export type ScalarName = "uuid" | "string" | "int" | "decimal" | "money" | "bool" | "timestamp" | "duration" | "json";

export type FieldType =
  | { readonly kind: "scalar"; readonly name: ScalarName; readonly max?: number }
  | { readonly kind: "enum"; readonly values: readonly string[] }
  | { readonly kind: "list"; readonly element: FieldType; readonly max?: number }
  | { readonly kind: "reference"; readonly entity: string; readonly field: string; readonly target: FieldType }
  | { readonly kind: "unknown" };

export interface TypedField {
  readonly name: string;
  readonly type: FieldType;
  readonly optional: boolean;
  readonly pii: boolean;
  readonly node: Field;
}

const SCALARS = new Set<string>(["uuid", "string", "int", "decimal", "money", "bool", "timestamp", "duration", "json"]);
export const BUILTIN_TYPES = [...SCALARS, "enum", "list"].sort();

const SCALAR_CEL: Readonly<Record<ScalarName, CelType>> = { uuid: T.string, string: T.string, int: T.int, decimal: T.double, money: T.double, bool: T.bool, timestamp: T.timestamp, duration: T.duration, json: T.dyn };

export function celTypeOf(type: FieldType, optional = false): CelType {
  const base = ((): CelType => {
    switch (type.kind) {
      case "scalar":
        // Strings keep their length cap for the cost bound (a uuid has 36 characters).
        if (type.name === "string" && type.max !== undefined) return T.cappedString(type.max);
        return type.name === "uuid" ? T.cappedString(36) : SCALAR_CEL[type.name];
      case "enum":
        return T.named({ kind: "enum", values: type.values }, Math.max(1, ...type.values.map((v) => v.length)));
      case "list":
        return T.list(celTypeOf(type.element), type.max);
      case "reference":
        return celTypeOf(type.target);
      case "unknown":
        return T.error;
    }
  })();
  return optional ? T.nullable(base) : base;
}

export function describeType(type: FieldType): string {
  switch (type.kind) {
    case "scalar":
      return type.max === undefined ? type.name : `${type.name}(max: ${type.max})`;
    case "enum":
      return `enum(${type.values.join(", ")})`;
    case "list":
      return `list(${describeType(type.element)}${type.max === undefined ? "" : `, max: ${type.max}`})`;
    case "reference":
      return `${type.entity}.${type.field}`;
    case "unknown":
      return "unknown";
  }
}

/** Looks up an entity's declaration when a type refers to `Entity.field`. */
export type EntityLookup = (unit: Unit, ref: RefValue) => EntityDecl | undefined;
/** One field of an entity, typed on demand; undefined when the entity has no such field. */
export type FieldLookup = (entity: EntityDecl, name: string) => TypedField | undefined;

export function resolveFieldType(ctx: Context, unit: Unit, ref: RefValue, entityOf: EntityLookup, fieldOf: FieldLookup): FieldType {
  const parts = ref.name.parts.map((p) => p.name);
  if (parts.length === 0 || parts.some((p) => p === "")) return { kind: "unknown" };
  if (parts.length === 1) {
    const name = parts[0] as string;
    if (SCALARS.has(name)) return scalar(ctx, unit, ref, name as ScalarName);
    if (name === "enum") return enumType(ctx, unit, ref);
    if (name === "list") return listType(ctx, unit, ref, entityOf, fieldOf);
    ctx.report("unknownType", unit, ref.name.span, `no type is called \`${name}\``, didYouMean(name, BUILTIN_TYPES) ?? `the types are ${BUILTIN_TYPES.map((t) => `\`${t}\``).join(", ")} and \`Entity.field\``);
    return { kind: "unknown" };
  }
  const entity = entityOf(unit, ref);
  if (entity === undefined) return { kind: "unknown" };
  const fieldName = parts[parts.length - 1] as string;
  const target = fieldOf(entity, fieldName);
  if (target === undefined) {
    const last = ref.name.parts[ref.name.parts.length - 1];
    ctx.report("unknownName", unit, last?.span ?? ref.span, `entity \`${entity.name.name}\` has no field \`${fieldName}\``, didYouMean(fieldName, entity.fields.map((f) => f.name.name)));
    return { kind: "unknown" };
  }
  return { kind: "reference", entity: entity.name.name, field: fieldName, target: target.type };
}

function argsOf(ctx: Context, unit: Unit, ref: RefValue, allowed: readonly string[]): { positional: Arg[]; named: Map<string, Arg> } {
  const positional: Arg[] = [];
  const named = new Map<string, Arg>();
  for (const arg of ref.args ?? []) {
    if (arg.name === undefined) positional.push(arg);
    else if (!allowed.includes(arg.name.name)) {
      ctx.report("attributeType", unit, arg.name.span, `\`${ref.name.parts[0]?.name}\` takes no argument \`${arg.name.name}\``, allowed.length > 0 ? `it takes ${allowed.map((a) => `\`${a}:\``).join(", ")}` : "remove it");
    } else named.set(arg.name.name, arg);
  }
  return { positional, named };
}

function positiveInt(ctx: Context, unit: Unit, arg: Arg | undefined, what: string): number | undefined {
  if (arg === undefined) return undefined;
  if (arg.value.kind === "Number" && /^\d+$/.test(arg.value.raw) && Number(arg.value.raw) > 0) return Number(arg.value.raw);
  ctx.report("attributeType", unit, arg.value.span, `${what} must be a positive whole number`);
  return undefined;
}

function scalar(ctx: Context, unit: Unit, ref: RefValue, name: ScalarName): FieldType {
  if (name === "string") {
    const { positional, named } = argsOf(ctx, unit, ref, ["max"]);
    const max = positiveInt(ctx, unit, named.get("max") ?? positional[0], "`max`");
    for (const extra of positional.slice(named.has("max") ? 0 : 1)) ctx.report("attributeType", unit, extra.span, "`string` takes one argument, `max:`");
    return max === undefined ? { kind: "scalar", name } : { kind: "scalar", name, max };
  }
  if (name === "decimal") {
    const { positional, named } = argsOf(ctx, unit, ref, ["precision", "scale"]);
    positiveInt(ctx, unit, named.get("precision") ?? positional[0], "the precision");
    const scale = named.get("scale") ?? positional[1];
    if (scale !== undefined && !(scale.value.kind === "Number" && /^\d+$/.test(scale.value.raw))) ctx.report("attributeType", unit, scale.value.span, "the scale must be a whole number");
    return { kind: "scalar", name };
  }
  if (ref.args !== undefined && ref.args.length > 0) ctx.report("attributeType", unit, ref.args[0]?.span ?? ref.span, `\`${name}\` takes no arguments`);
  return { kind: "scalar", name };
}

function enumType(ctx: Context, unit: Unit, ref: RefValue): FieldType {
  const values: string[] = [];
  for (const arg of ref.args ?? []) {
    const value = arg.value;
    if (arg.name === undefined && value.kind === "Ref" && value.name.parts.length === 1 && value.args === undefined) {
      const name = value.name.parts[0]?.name ?? "";
      if (values.includes(name)) ctx.report("duplicateName", unit, value.span, `enum value \`${name}\` is listed twice`);
      else values.push(name);
    } else {
      ctx.report("attributeType", unit, arg.span, "an enum value is a plain name, such as `open`");
    }
  }
  if (values.length === 0) ctx.report("attributeType", unit, ref.span, "an enum needs at least one value", "write `enum(open, closed)`");
  return { kind: "enum", values };
}

function listType(ctx: Context, unit: Unit, ref: RefValue, entityOf: EntityLookup, fieldOf: FieldLookup): FieldType {
  const { positional, named } = argsOf(ctx, unit, ref, ["max"]);
  const elementArg = positional[0];
  if (elementArg === undefined || elementArg.value.kind !== "Ref") {
    ctx.report("attributeType", unit, ref.span, "a list needs its element type", "write `list(string, max: 20)`");
    return { kind: "unknown" };
  }
  const element = resolveFieldType(ctx, unit, elementArg.value, entityOf, fieldOf);
  const max = positiveInt(ctx, unit, named.get("max") ?? positional[1], "`max`");
  return max === undefined ? { kind: "list", element } : { kind: "list", element, max };
}

