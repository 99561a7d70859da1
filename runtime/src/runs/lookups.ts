/**
 * Answers a request's lookups (decide/lookups.ts) in the database, each an
 * `exists(select 1 from <table> l where l.tenant_id = … and l.<field> = … …)` column. They
 * run in the act's (or decide's) transaction, as `paybill_runtime` bound to the tenant, so
 * row-level security hides every other tenant's rows as well as the explicit `tenant_id`
 * test (which lets the query use the per-tenant index of the compared field). A value a
 * column cannot hold (not a uuid for a `uuid` field…) matches no row, unasked.
 *
 * Two ways, spec/runtime.md §Lookups: `openingLookups` writes the foldable lookups (values
 * computed from the request alone) as columns of the statement sent with BEGIN, their
 * values as typed literals — no statement or round trip of their own; `answerLookups` asks
 * the rest (values reading the tenant's facts, or a value no literal is written for) in ONE
 * statement with parameters, once the facts are read.
 */
import type { Bundle, FieldType } from "../bundle/format.js";
import type { LookupQuery } from "../decide/lookups.js";
import type { Row, Sql } from "../store/adapter.js";
import { columnType, toParam } from "../store/columns.js";
import { keyFits } from "../store/effects.js";
import { ident, literal, Params } from "../store/sql.js";

/** The opening statement's lookup columns and how to read their answers from its row. */
export interface OpeningLookups {
  /** Columns for `bindTenantOpening` (they read the tenant's id as `t.id`). */
  readonly columns: readonly string[];
  /** The answers in the opening's rows (those of the foldable lookups a column cannot hold: false). */
  answers(rows: readonly Row[]): Record<string, boolean>;
}

export function openingLookups(bundle: Bundle, queries: readonly LookupQuery[]): OpeningLookups | undefined {
  const known: Record<string, boolean> = {};
  const columns: string[] = [];
  const asked: string[] = [];
  for (const query of queries) {
    const tests = lookupTests(bundle, query, typedLiteral);
    if (tests === "unwritable") continue;
    if (tests === undefined) known[query.key] = false;
    else {
      columns.push(lookupColumn(tests.table, "t.id", tests.tests, `lookup_${asked.length}`));
      asked.push(query.key);
    }
  }
  if (columns.length === 0 && Object.keys(known).length === 0) return undefined;
  return {
    columns,
    answers(rows) {
      const row = rows[0];
      const answers = { ...known };
      for (const [i, key] of asked.entries()) answers[key] = row?.[`lookup_${i}`] === true;
      return answers;
    },
  };
}

/** The lookups of `queries` in ONE statement (none when there are none to ask). */
export async function answerLookups(sql: Sql, bundle: Bundle, tenant: string, queries: readonly LookupQuery[]): Promise<Record<string, boolean>> {
  const answers: Record<string, boolean> = {};
  const params = new Params();
  const tenantParam = params.add(tenant);
  const columns: string[] = [];
  const asked: string[] = [];
  for (const query of queries) {
    const tests = lookupTests(bundle, query, (type, value) => params.add(toParam(type, value)));
    if (tests === undefined || tests === "unwritable") {
      answers[query.key] = false;
      continue;
    }
    columns.push(lookupColumn(tests.table, tenantParam, tests.tests, `l${asked.length}`));
    asked.push(query.key);
  }
  if (columns.length === 0) return answers;
  const [row] = await sql.query<Record<string, unknown>>(`select ${columns.join(", ")}`, params.values);
  for (const [i, key] of asked.entries()) answers[key] = row?.[`l${i}`] === true;
  return answers;
}

function lookupColumn(table: string, tenant: string, tests: readonly string[], name: string): string {
  // `l`: the lookup's own alias, so no table name can capture the opening's `t`.
  return `exists(select 1 from ${ident(table)} l where l.tenant_id = ${tenant} and ${tests.join(" and ")}) as ${ident(name)}`;
}

/**
 * The equalities of a query with its values written by `write`; undefined when a value
 * cannot be in its column (the answer is false); "unwritable" when `write` writes no SQL
 * for a value (undefined back).
 */
function lookupTests(
  bundle: Bundle,
  query: LookupQuery,
  write: (type: FieldType, value: unknown) => string | undefined,
): { table: string; tests: string[] } | undefined | "unwritable" {
  const entity = bundle.entities[query.entity];
  if (entity === undefined) return undefined;
  const tests: string[] = [];
  for (const w of query.where) {
    const field = entity.fields.find((f) => f.name === w.field);
    if (field === undefined || !keyFits(field.type, w.value)) return undefined;
    const value = write(field.type, w.value);
    if (value === undefined) return "unwritable";
    tests.push(`l.${ident(w.field)} = ${value}`);
  }
  return { table: entity.table, tests };
}

/**
 * A value as a typed SQL literal, for the kinds whose literal cannot make the statement fail
 * (the opening must not: it carries the tenant binding); undefined for the others.
 */
function typedLiteral(type: FieldType, value: unknown): string | undefined {
  switch (type.kind) {
    case "uuid": // keyFits: a uuid
    case "string":
    case "enum":
    case "duration": // keyFits: text without NUL
      return `${literal(String(value))}::${columnType(type)}`;
    case "int": // keyFits: a safe integer or up to 18 digits
      return `${literal(String(toParam(type, value)))}::bigint`;
    case "decimal":
    case "money": {
      const param = toParam(type, value);
      const finite = (typeof param === "number" && Number.isFinite(param)) || (typeof param === "string" && /^-?\d+(\.\d+)?$/.test(param));
      return finite ? `${literal(String(param))}::numeric` : undefined;
    }
    case "bool":
      return typeof value === "boolean" ? String(value) : undefined;
    default:
      return undefined;
  }
}
