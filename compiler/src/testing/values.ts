/**
 * Values in `test` blocks: record fields are CEL expressions without variables (the checker
 * made sure), evaluated here once into the JSON a request carries — ints and doubles as
 * numbers, timestamps as ISO 8601 strings, durations as `"3600s"`.
 *
 * Test ids are names (`"t-1"`), but `uuid` fields hold UUIDs: a string that is not one
 * becomes a stable UUID derived from it, the same in every row and input of the run, so
 * `given Ticket { id: "t-1" }` is the row `do close_ticket { ticket: "t-1" }` works on.
 */
import { createHash } from "node:crypto";
import { evaluate } from "@marcbachmann/cel-js";
import type { FieldSchema, FieldType } from "@paybill/runtime";

export function celConstant(source: string): unknown {
  return toJson(evaluate(source));
}

function toJson(value: unknown): unknown {
  if (typeof value === "bigint") return Number(value);
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString("base64");
  if (Array.isArray(value)) return value.map(toJson);
  if (value !== null && typeof value === "object") {
    const name = value.constructor?.name;
    if (name === "Duration") {
      const d = value as unknown as { seconds: number | bigint; nanos: number };
      return `${Number(d.seconds) + d.nanos / 1e9}s`;
    }
    if (name === "UnsignedInteger" || name === "UnsignedInt") return Number((value as { value: number | bigint }).value);
    if (value instanceof Map) return Object.fromEntries([...value].map(([k, v]) => [String(k), toJson(v)]));
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toJson(v)]));
  }
  return value;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A stable UUID for a test name: SHA-256 of it, shaped as a version 8 UUID. */
export function testUuid(name: string): string {
  if (UUID.test(name)) return name;
  const hex = createHash("sha256").update(`paybill test id\u0000${name}`).digest("hex");
  const variant = ((Number.parseInt(hex[16] as string, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** The record with every non-UUID string in a `uuid` field replaced by its `testUuid`. */
export function withTestUuids(record: Readonly<Record<string, unknown>>, fields: readonly FieldSchema[]): Record<string, unknown> {
  const out: Record<string, unknown> = { ...record };
  for (const field of fields) {
    if (field.name in out) out[field.name] = mapUuids(out[field.name], field.type);
  }
  return out;
}

function mapUuids(value: unknown, type: FieldType): unknown {
  if (type.kind === "uuid" && typeof value === "string") return testUuid(value);
  if (type.kind === "list" && Array.isArray(value)) return value.map((v) => mapUuids(v, type.element));
  return value;
}
