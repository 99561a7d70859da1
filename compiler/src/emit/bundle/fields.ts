/**
 * Field schemas of entities and action inputs: the checker's typed fields as the bundle's
 * `FieldSchema`, with `Entity.field` types resolved to their target's type and the
 * reference kept beside it.
 */
import type { Annotation, Arg, FieldType as LangFieldType, TypedField, Value } from "@paybill/lang";
import type { FieldSchema, FieldType } from "@paybill/runtime";
import { baseType } from "./types.js";
import { nameOf, numberOf, unexpected } from "./values.js";

export function fieldType(type: LangFieldType, node?: Value): FieldType {
  switch (type.kind) {
    case "scalar":
      if (type.name === "string") return type.max === undefined ? { kind: "string" } : { kind: "string", max: type.max };
      if (type.name === "decimal") return decimal(node);
      return { kind: type.name };
    case "enum":
      return { kind: "enum", values: [...type.values] };
    case "list": {
      // The element's declared type is the list's first argument (`list(decimal(12, 2))`).
      const element = node?.kind === "Ref" ? node.args?.find((a) => a.name === undefined)?.value : undefined;
      const out = fieldType(type.element, element);
      return type.max === undefined ? { kind: "list", element: out } : { kind: "list", element: out, max: type.max };
    }
    case "reference":
      // `Ticket.id` has the type of that field, written there.
      return fieldType(type.target);
    case "unknown":
      return unexpected("a field of unknown type");
  }
}

/** `decimal(12, 2)` or `decimal(precision: 12, scale: 2)`; the checker has validated the arguments. */
function decimal(node: Value | undefined): FieldType {
  const args = node?.kind === "Ref" ? (node.args ?? []) : [];
  const positional = args.filter((a) => a.name === undefined);
  const named = (name: string): Arg | undefined => args.find((a) => a.name?.name === name);
  const precision = whole(named("precision") ?? positional[0]);
  const scale = whole(named("scale") ?? positional[1]);
  return { kind: "decimal", ...(precision === undefined ? {} : { precision }), ...(scale === undefined ? {} : { scale }) };
}

function whole(arg: Arg | undefined): number | undefined {
  return arg?.value.kind === "Number" ? numberOf(arg.value.raw) : undefined;
}

/** The referenced entity and field when the type is written `Entity.field`. */
function referenceOf(type: LangFieldType): { entity: string; field: string } | undefined {
  return type.kind === "reference" ? { entity: type.entity, field: type.field } : undefined;
}

const has = (annotations: readonly Annotation[], name: string): boolean => annotations.some((a) => a.name.name === name);

/** An action's input field: no `@id`, `@unique` or `@default` there; `secret` only when `@secret`. */
export function inputField(field: TypedField): FieldSchema {
  return { ...commonField(field), ...(has(field.node.annotations, "secret") ? { secret: true } : {}) };
}

/** What input and entity fields share. */
function commonField(field: TypedField): FieldSchema {
  const node = field.node;
  const references = referenceOf(field.type);
  return {
    name: field.name,
    type: declaredType(field),
    optional: field.optional,
    pii: has(node.annotations, "pii"),
    ...(references === undefined ? {} : { references }),
  };
}

/** An entity's field: the input's members plus `id`, `unique` and `default` when written. */
export function entityField(field: TypedField): FieldSchema {
  const node = field.node;
  const fallback = node.annotations.find((a) => a.name.name === "default");
  return {
    ...commonField(field),
    ...(has(node.annotations, "id") ? { id: true } : {}),
    ...(has(node.annotations, "unique") ? { unique: true } : {}),
    ...(fallback === undefined ? {} : { default: defaultOf(fallback, field.type) }),
    ...(has(node.annotations, "untrusted") ? { untrusted: true } : {}),
  };
}

function declaredType(field: TypedField): FieldType {
  return fieldType(field.type, field.node.type);
}

/**
 * `@default(v)` as a CEL literal of the field's CEL type (spec/language.md §8.3), or `now`:
 * an enum value written as a name is a string, a whole number for a `decimal` is a double,
 * a duration is `duration("600s")`.
 */
function defaultOf(annotation: Annotation, type: LangFieldType): string {
  const value = annotation.args?.[0]?.value;
  if (value === undefined) return unexpected("`@default` without a value");
  return celLiteral(value, baseType(type));
}

function celLiteral(value: Value, type: LangFieldType): string {
  switch (value.kind) {
    case "String":
      return JSON.stringify(value.value);
    case "Bool":
      return value.value ? "true" : "false";
    case "Number": {
      const double = type.kind === "scalar" && (type.name === "decimal" || type.name === "money");
      return double && /^-?\d+$/.test(value.raw) ? `${value.raw}.0` : value.raw;
    }
    case "Duration":
      return `duration(${JSON.stringify(`${durationSeconds(value.raw)}s`)})`;
    case "List":
      return `[${value.items.map((item) => celLiteral(item, type.kind === "list" ? type.element : type)).join(", ")}]`;
    case "Ref": {
      const name = nameOf(value);
      return name === "now" && type.kind === "scalar" && type.name === "timestamp" ? "now" : JSON.stringify(name);
    }
    case "Quantity":
    case "Missing":
      return unexpected(`a ${value.kind} as a default`);
  }
}

const SECONDS: Readonly<Record<string, number>> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 };
function durationSeconds(raw: string): number {
  const match = /^(\d+)([a-z]+)$/.exec(raw);
  const unit = match === null ? undefined : SECONDS[match[2] as string];
  if (match === null || unit === undefined) return unexpected(`the duration \`${raw}\``);
  return numberOf(match[1] as string) * unit;
}
