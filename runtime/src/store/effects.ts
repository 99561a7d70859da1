/**
 * Effects on entity tables, always tenant-scoped and parameterized: loading the row an
 * action works on (locked when it will be changed) and performing an allowed read, insert,
 * update or delete. Column names come from the bundle's entity schema, values only ever
 * travel as parameters. A database error becomes PBR120, which rolls back the caller's
 * transaction: no audit record and no run advance for an effect that did not happen.
 */
import { randomUUID } from "node:crypto";
import type { EntitySchema, FieldSchema, FieldType } from "../bundle/format.js";
import type { PreparedEffect } from "../decide/decider-api.js";
import type { Sql } from "./adapter.js";
import { columnType, rowToJson, toParam } from "./columns.js";
import { PaybillRuntimeError } from "./errors.js";
import { readMany } from "./read-many.js";
import { ident, isUuid, type Params } from "./sql.js";

export type JsonRecord = Record<string, unknown>;

/** Whether `key` can be compared with a column of `type` without the query failing. */
export function keyFits(type: FieldType, key: unknown): boolean {
  switch (type.kind) {
    case "uuid":
      return isUuid(key);
    case "int":
      return (typeof key === "number" && Number.isSafeInteger(key)) || typeof key === "bigint" || (typeof key === "string" && /^-?\d{1,18}$/.test(key));
    case "string":
    case "enum":
    case "duration":
      return typeof key === "string" && !key.includes("\u0000");
    default:
      return key !== undefined && key !== null && typeof key !== "object";
  }
}

/** The tenant's row with this key, or undefined. `lock` takes it FOR UPDATE. */
export async function loadRow(sql: Sql, entity: EntitySchema, tenant: string, key: unknown, lock: boolean): Promise<JsonRecord | undefined> {
  const keyField = field(entity, entity.key);
  if (keyField === undefined || !keyFits(keyField.type, key)) return undefined;
  const [row] = await sql.query(
    `select * from ${ident(entity.table)} where tenant_id = $1 and ${ident(entity.key)} = $2${lock ? " for update" : ""}`,
    [tenant, toParam(keyField.type, key)],
  );
  return row === undefined ? undefined : rowToJson(entity, row);
}

export interface Performed {
  /** What the agent gets back: the row read, or the key and the values written. */
  readonly result?: JsonRecord;
  readonly key: unknown;
  readonly wrote: boolean;
}

/** Performs an allowed effect; `loaded` is the row already read (and locked) for read, update and delete. */
export async function performEffect(tx: Sql, entity: EntitySchema, tenant: string, effect: PreparedEffect, loaded: JsonRecord | undefined): Promise<Performed> {
  if (effect.op === "read" && effect.many !== undefined) return { result: { rows: await readMany(tx, entity, tenant, effect) }, key: null, wrote: false };
  if (effect.op === "read") return { result: loaded === undefined ? undefined : { ...loaded }, key: effect.key, wrote: false };
  const values = effect.values ?? {};
  const columns = Object.keys(values).map((name) => {
    const f = field(entity, name);
    if (f === undefined) throw failed(entity, effect, `entity \`${entity.name}\` has no field \`${name}\``);
    return f;
  });
  const keyField = field(entity, entity.key);
  if (keyField === undefined) throw failed(entity, effect, `entity \`${entity.name}\` has no key field \`${entity.key}\``);
  try {
    switch (effect.op) {
      case "insert": {
        const written: JsonRecord = {};
        for (const f of columns) written[f.name] = values[f.name];
        // The key is generated here when it is a uuid the effect does not set, so the result can name the new row.
        if (!(entity.key in written) && keyField.type.kind === "uuid") written[entity.key] = randomUUID();
        const names = Object.keys(written);
        const params = [tenant, ...names.map((n) => toParam(typeOf(entity, n), written[n]))];
        const [row] = await tx.query(
          `insert into ${ident(entity.table)} (tenant_id${names.map((n) => `, ${ident(n)}`).join("")}) values ($1${names.map((_, i) => `, $${i + 2}`).join("")}) returning *`,
          params,
        );
        const key = row === undefined ? written[entity.key] : rowToJson(entity, row)[entity.key];
        return { result: plain({ ...written, [entity.key]: key }), key, wrote: true };
      }
      case "update": {
        if (columns.length > 0) {
          const sets = columns.map((f, i) => `${ident(f.name)} = $${i + 3}`).join(", ");
          const rows = await tx.query(
            `update ${ident(entity.table)} set ${sets} where tenant_id = $1 and ${ident(entity.key)} = $2 returning ${ident(entity.key)}`,
            [tenant, toParam(keyField.type, effect.key), ...columns.map((f) => toParam(f.type, values[f.name]))],
          );
          if (rows.length === 0) throw failed(entity, effect, `no \`${entity.name}\` with key \`${String(effect.key)}\``);
        }
        return { result: plain({ [entity.key]: effect.key, ...values }), key: effect.key, wrote: true };
      }
      case "delete": {
        const rows = await tx.query(
          `delete from ${ident(entity.table)} where tenant_id = $1 and ${ident(entity.key)} = $2 returning ${ident(entity.key)}`,
          [tenant, toParam(keyField.type, effect.key)],
        );
        if (rows.length === 0) throw failed(entity, effect, `no \`${entity.name}\` with key \`${String(effect.key)}\``);
        return { result: { [entity.key]: plain(effect.key) }, key: effect.key, wrote: true };
      }
    }
  } catch (error) {
    if (error instanceof PaybillRuntimeError) throw error;
    throw failed(entity, effect, error instanceof Error ? error.message : String(error), error);
  }
}

/**
 * An insert, update or delete as a data-modifying statement for a `with` clause, so the
 * caller can send it with the quota, the run's step and the audit append in one round
 * trip (act.ts). It returns the written row's key, and writes nothing unless `guard` (an
 * SQL condition, say "the quota unit was taken") holds. Undefined when the effect is a
 * read, writes nothing, or inserts a row whose key only the database knows (the caller
 * then uses `performEffect`).
 */
export interface WriteStatement {
  readonly sql: string;
  /** The key of the row written, known before the statement runs. */
  readonly key: unknown;
  /** What `performEffect` returns, given whether the statement wrote a row (PBR120 when an update or delete found none). */
  performed(wrote: boolean): Performed;
}

export function writeStatement(params: Params, entity: EntitySchema, tenant: string, effect: PreparedEffect, guard: string | undefined): WriteStatement | undefined {
  if (effect.op === "read") return undefined;
  const values = effect.values ?? {};
  const columns: FieldSchema[] = [];
  for (const name of Object.keys(values)) {
    const f = field(entity, name);
    if (f === undefined) return undefined;
    columns.push(f);
  }
  const keyField = field(entity, entity.key);
  if (keyField === undefined) return undefined;
  const table = ident(entity.table);
  const key = ident(entity.key);
  const and = guard === undefined ? "" : ` and ${guard}`;
  switch (effect.op) {
    case "insert": {
      const written: JsonRecord = {};
      for (const f of columns) written[f.name] = values[f.name];
      // The key is generated here (a uuid), or given as text the database keeps as it is; any other key is what the database makes of it.
      if (!(entity.key in written)) {
        if (keyField.type.kind !== "uuid") return undefined;
        written[entity.key] = randomUUID();
      } else if (keyField.type.kind !== "string" || typeof written[entity.key] !== "string") {
        return undefined;
      }
      const names = Object.keys(written);
      // `insert … select` so the guard can hold it back; the casts give each parameter its column's type.
      const selected = names.map((n) => {
        const type = typeOf(entity, n);
        return `${params.add(toParam(type, written[n]))}::${columnType(type)}`;
      });
      const sql =
        `insert into ${table} (tenant_id${names.map((n) => `, ${ident(n)}`).join("")}) ` +
        `select ${params.add(tenant)}::text, ${selected.join(", ")}${guard === undefined ? "" : ` where ${guard}`} returning ${key}`;
      const result = plain(written);
      return { sql, key: result[entity.key], performed: () => ({ result, key: result[entity.key], wrote: true }) };
    }
    case "update": {
      if (columns.length === 0) return undefined;
      const sets = columns.map((f) => `${ident(f.name)} = ${params.add(toParam(f.type, values[f.name]))}`).join(", ");
      const sql = `update ${table} set ${sets} where tenant_id = ${params.add(tenant)} and ${key} = ${params.add(toParam(keyField.type, effect.key))}${and} returning ${key}`;
      return {
        sql,
        key: effect.key,
        performed: (wrote) => {
          if (!wrote) throw failed(entity, effect, `no \`${entity.name}\` with key \`${String(effect.key)}\``);
          return { result: plain({ [entity.key]: effect.key, ...values }), key: effect.key, wrote: true };
        },
      };
    }
    case "delete": {
      const sql = `delete from ${table} where tenant_id = ${params.add(tenant)} and ${key} = ${params.add(toParam(keyField.type, effect.key))}${and} returning ${key}`;
      return {
        sql,
        key: effect.key,
        performed: (wrote) => {
          if (!wrote) throw failed(entity, effect, `no \`${entity.name}\` with key \`${String(effect.key)}\``);
          return { result: { [entity.key]: plain(effect.key) }, key: effect.key, wrote: true };
        },
      };
    }
  }
}

/** A database error of the statement that performed the effect, as PBR120 (the transaction rolls back). */
export function effectFailed(entity: EntitySchema, effect: PreparedEffect, error: unknown): PaybillRuntimeError {
  if (error instanceof PaybillRuntimeError) return error;
  return failed(entity, effect, error instanceof Error ? error.message : String(error), error);
}

/** Removes the fields the decision says the agent may not see (from every row of a list read's `rows`). */
export function redact(row: JsonRecord | undefined, fields: readonly string[] | undefined, many = false): JsonRecord | undefined {
  if (row === undefined || fields === undefined || fields.length === 0) return row;
  if (many && Array.isArray(row["rows"])) return { rows: (row["rows"] as JsonRecord[]).map((r) => redact(r, fields) as JsonRecord) };
  const out = { ...row };
  for (const f of fields) delete out[f];
  return out;
}

function field(entity: EntitySchema, name: string): FieldSchema | undefined {
  return entity.fields.find((f) => f.name === name);
}

function typeOf(entity: EntitySchema, name: string): FieldType {
  return field(entity, name)?.type ?? { kind: "json" };
}

/** Values as JSON (a Date as its ISO text, a bigint as digits): what the agent and the audit see. */
function plain<T>(value: T): T {
  return JSON.parse(JSON.stringify(value, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v)) ?? "null") as T;
}

function failed(entity: EntitySchema, effect: PreparedEffect, message: string, cause?: unknown): PaybillRuntimeError {
  const code = typeof cause === "object" && cause !== null && "code" in cause ? ` (SQLSTATE ${String(cause.code)})` : "";
  return new PaybillRuntimeError(
    "PBR120",
    `the ${effect.op} on \`${entity.name}\` failed: ${message}${code}`,
    "nothing was written, audited or counted: the transaction rolled back; fix the data or the request and act again",
    cause === undefined ? undefined : { cause },
  );
}
