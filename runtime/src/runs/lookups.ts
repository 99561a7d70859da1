/**
 * Answers a request's lookups (decide/lookups.ts) in the database: ONE statement, whatever
 * their number, each an `exists(select 1 from <table> where tenant_id = $1 and <field> = $n …)`
 * column. It runs in the act's (or decide's) transaction, as `paybill_runtime` bound to the
 * tenant, so row-level security hides every other tenant's rows as well as the explicit
 * `tenant_id` test (which lets the query use the per-tenant index of the compared field).
 * A value a column cannot hold (not a uuid for a `uuid` field…) matches no row, unasked.
 */
import type { Bundle } from "../bundle/format.js";
import type { LookupQuery } from "../decide/lookups.js";
import type { Sql } from "../store/adapter.js";
import { toParam } from "../store/columns.js";
import { keyFits } from "../store/effects.js";
import { ident, Params } from "../store/sql.js";

export async function answerLookups(sql: Sql, bundle: Bundle, tenant: string, queries: readonly LookupQuery[]): Promise<Record<string, boolean>> {
  const answers: Record<string, boolean> = {};
  const params = new Params();
  const tenantParam = params.add(tenant);
  const columns: string[] = [];
  const asked: string[] = [];
  for (const query of queries) {
    const entity = bundle.entities[query.entity];
    const tests: string[] = [];
    let fits = entity !== undefined;
    for (const w of query.where) {
      const field = entity?.fields.find((f) => f.name === w.field);
      if (field === undefined || !keyFits(field.type, w.value)) {
        fits = false;
        break;
      }
      tests.push(`${ident(w.field)} = ${params.add(toParam(field.type, w.value))}`);
    }
    if (!fits || entity === undefined) {
      answers[query.key] = false;
      continue;
    }
    columns.push(`exists(select 1 from ${ident(entity.table)} where tenant_id = ${tenantParam} and ${tests.join(" and ")}) as ${ident(`l${asked.length}`)}`);
    asked.push(query.key);
  }
  if (columns.length === 0) return answers;
  const [row] = await sql.query<Record<string, unknown>>(`select ${columns.join(", ")}`, params.values);
  for (const [i, key] of asked.entries()) answers[key] = row?.[`l${i}`] === true;
  return answers;
}
