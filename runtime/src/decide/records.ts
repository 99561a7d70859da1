/**
 * Records against their schemas: an action's input (what an agent sent) and an entity row
 * (`resource`, what the database stored), turned into the CEL values conditions see.
 *
 * Input: a plain object; no key outside the schema; every field that is not optional
 * present and not null; each value of its type (cel/values.ts, `input` mode). A `null` or
 * absent optional field is left out, so `has(input.f)` is false.
 * Rows: unknown columns are ignored (a table has `tenant_id`…), missing or `null` fields
 * are left out, and values only need the right kind (`row` mode).
 *
 * A failure is a `RecordError` with a path (`input.tags[2]`); the decider turns it into a
 * deny with an `input` reason.
 */
import type { FieldSchema } from "../bundle/format.js";
import { converts, type Mode, toCel, ValueError } from "../cel/values.js";

export interface RecordSchema {
  readonly fields: readonly FieldSchema[];
  readonly byName: ReadonlyMap<string, FieldSchema>;
  /** Whether some field's CEL value can differ from its JSON (else input is used as is). */
  readonly converts: boolean;
}

export class RecordError extends Error {
  constructor(
    message: string,
    readonly path: string,
  ) {
    super(message);
    this.name = "RecordError";
  }
}

export function recordSchema(fields: readonly FieldSchema[]): RecordSchema {
  return {
    fields,
    byName: new Map(fields.map((f) => [f.name, f])),
    converts: fields.some((f) => converts(f.type)),
  };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function fieldPath(root: string, field: string, e: ValueError): string {
  return `${root}.${field}${e.segments.join("")}`;
}

function convertField(root: string, field: FieldSchema, value: unknown, mode: Mode): unknown {
  try {
    return toCel(field.type, value, mode);
  } catch (e) {
    if (e instanceof ValueError) throw new RecordError(`\`${field.name}\`: ${e.message}`, fieldPath(root, field.name, e));
    throw e;
  }
}

/** The fields before `end` that are present, as sent (each was its own CEL value). */
function prefix(value: Record<string, unknown>, fields: readonly FieldSchema[], end: number): Record<string, unknown> {
  const copy: Record<string, unknown> = {};
  for (let i = 0; i < end; i++) {
    const name = (fields[i] as FieldSchema).name;
    const v = value[name];
    if (v !== undefined && v !== null) copy[name] = v;
  }
  return copy;
}

/** The input's CEL record; throws a RecordError for a value the schema refuses. */
export function readInput(schema: RecordSchema, value: unknown): Readonly<Record<string, unknown>> {
  if (!isPlainObject(value)) throw new RecordError("the input must be an object", "input");
  for (const key in value) {
    if (!Object.hasOwn(value, key)) continue;
    if (!schema.byName.has(key)) {
      const known = schema.fields.map((f) => f.name).join(", ");
      throw new RecordError(`unknown field \`${key.slice(0, 64)}\`; the input has ${known === "" ? "no fields" : `the fields ${known}`}`, `input.${key.slice(0, 64)}`);
    }
  }
  // The input itself is the CEL record until a value differs from what was sent (a null
  // left out, an int made a bigint…): then a copy, from that field on.
  let copy: Record<string, unknown> | undefined;
  const fields = schema.fields;
  for (let i = 0; i < fields.length; i++) {
    const field = fields[i] as FieldSchema;
    const raw = value[field.name];
    if (raw === undefined || raw === null) {
      if (!field.optional) throw new RecordError(`missing required field \`${field.name}\``, `input.${field.name}`);
      if (raw === null && copy === undefined) copy = prefix(value, fields, i);
      continue;
    }
    const converted = convertField("input", field, raw, "input");
    if (copy !== undefined) copy[field.name] = converted;
    else if (converted !== raw) {
      copy = prefix(value, fields, i);
      copy[field.name] = converted;
    }
  }
  return copy ?? value;
}

/**
 * A stored row's CEL record (only declared fields, absent and null fields left out);
 * with `only`, just those fields (the ones conditions read).
 */
export function readRow(schema: RecordSchema, value: unknown, root: string, only?: ReadonlySet<string>): Readonly<Record<string, unknown>> {
  return readRowFields(only === undefined ? schema.fields : rowFields(schema, only), value, root);
}

/** The fields of `schema` named in `only`, in the schema's order: what readRowFields takes. */
export function rowFields(schema: RecordSchema, only: ReadonlySet<string>): readonly FieldSchema[] {
  return schema.fields.filter((f) => only.has(f.name));
}

/** A stored row's CEL record of just `fields` (absent and null fields left out). */
export function readRowFields(fields: readonly FieldSchema[], value: unknown, root: string): Readonly<Record<string, unknown>> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new RecordError(`the ${root} must be an object`, root);
  const row = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (let i = 0; i < fields.length; i++) {
    const field = fields[i] as FieldSchema;
    const raw = Object.hasOwn(row, field.name) ? row[field.name] : undefined;
    if (raw === undefined || raw === null) continue;
    out[field.name] = convertField(root, field, raw, "row");
  }
  return out;
}
