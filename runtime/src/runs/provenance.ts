/**
 * What a workflow run remembers of untrusted output (spec/runtime.md §Provenance), kept in
 * `paybill_untrusted` (migration 12), one row per run and normalised value, keyed by its
 * SHA-256: the `@untrusted` field values of the rows a read effect returned to the agent in
 * the run (recorded by act's own `finish` statement: `untrustedCte`), and the values the
 * host reports as untrusted tool results (`observe`, `runtime.runs.observe`). Rows are only
 * ever inserted: the runtime role has no UPDATE or DELETE on the table, and no call, tool
 * or MCP request removes one. `untrusted()` (cel/untrusted.ts) reads them back with the run
 * in the act's opening statement (store/tenants.ts).
 *
 * Each `observe` is also a record in the run's tenant's audit chain (`host.observe` by
 * `paybill:host`: the source, how many values, how many were new, their digest, and the
 * values themselves only while small: `observationInput`), appended in the transaction that
 * inserts the values, so the chain shows what a later `untrusted()` refusal rests on.
 */
import { createHash } from "node:crypto";
import { appendAudit } from "../audit/append.js";
import { pastBound } from "../audit/input-record.js";
import { canonicalJson, sha256Hex } from "../bundle/canonical.js";
import type { EntitySchema, FieldSchema } from "../bundle/format.js";
import { normaliseUntrusted } from "../cel/untrusted.js";
import type { Database, Sql } from "../store/adapter.js";
import type { JsonRecord } from "../store/effects.js";
import { PaybillRuntimeError } from "../store/errors.js";
import { isUuid, type Params } from "../store/sql.js";
import { textProblem } from "./request-text.js";
import type { Run } from "./run.js";
import { HOST_AGENT, unknownRun } from "./runs.js";

/** The most values one `observe` call records, and the longest value (in UTF-16 code units). */
export const MAX_OBSERVED_VALUES = 1000;
export const MAX_OBSERVED_LENGTH = 65_536;

/**
 * The most one run records (spec/runtime.md §Provenance, "How much a run records"): distinct
 * values, and their characters (code points, as PostgreSQL's `length` counts them). Bounds
 * what `untrusted()` searches, which the evaluation budget does not meter. Reaching it never
 * drops a value: a read whose values would pass it is denied, an observation refused.
 */
export const MAX_RUN_UNTRUSTED_VALUES = 10_000;
export const MAX_RUN_UNTRUSTED_CHARS = 1_048_576;

/** Characters as PostgreSQL counts them (code points): UTF-16 units less the low halves of pairs. */
function characters(text: string): number {
  let n = text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xdc00 && c <= 0xdfff && i > 0) {
      const before = text.charCodeAt(i - 1);
      if (before >= 0xd800 && before <= 0xdbff) n--;
    }
  }
  return n;
}

/**
 * Why recording `values` more in `run` would pass its cap; undefined when they fit. A read is
 * checked before the statement that records it, so every value counts as new unless `known`
 * (the run's recorded values, when the decision read them for `untrusted()`) holds it.
 */
export function untrustedOverflow(run: Run, values: readonly string[], known: readonly string[] | undefined): string | undefined {
  let rows = observed(values);
  if (rows.length === 0) return undefined;
  if (known !== undefined && known.length > 0) {
    const recorded = new Set(known);
    rows = rows.filter((row) => !recorded.has(row.value));
  }
  const chars = rows.reduce((sum, row) => sum + characters(row.value), 0);
  return overflowMessage(run.id, run.untrusted.values + rows.length, run.untrusted.chars + chars);
}

/**
 * `untrustedOverflow` for a read, exact: when the values seem not to fit and the decision did
 * not read the run's values, the run's rows are asked which of them it holds already (one
 * statement, only near the cap).
 */
export async function readOverflow(tx: Sql, tenant: string, run: Run, values: readonly string[], known: readonly string[] | undefined): Promise<string | undefined> {
  const first = untrustedOverflow(run, values, known);
  if (first === undefined || known !== undefined) return first;
  const digests = observed(values).map((row) => row.digest);
  const held = await tx.query<{ value: string }>(
    "select value from paybill_untrusted where tenant_id = $1 and run_id = $2::uuid and digest in (select json_array_elements_text($3::json))",
    [tenant, run.id, JSON.stringify(digests)],
  );
  return untrustedOverflow(run, values, held.map((row) => row.value));
}

function overflowMessage(run: string, values: number, chars: number): string | undefined {
  if (values > MAX_RUN_UNTRUSTED_VALUES) {
    return `run \`${run}\` would record ${values.toLocaleString("en-US")} untrusted values, more than the ${MAX_RUN_UNTRUSTED_VALUES.toLocaleString("en-US")} a run may hold`;
  }
  if (chars > MAX_RUN_UNTRUSTED_CHARS) {
    return `run \`${run}\` would record ${chars.toLocaleString("en-US")} characters of untrusted values, more than the ${MAX_RUN_UNTRUSTED_CHARS.toLocaleString("en-US")} a run may hold`;
  }
  return undefined;
}

/** The assignments that add what `cte` (returning `chars`) recorded to a run's counters. */
export function untrustedCounted(cte: string): string {
  return `untrusted_values = untrusted_values + (select count(*) from ${cte}), untrusted_chars = untrusted_chars + (select coalesce(sum(chars), 0) from ${cte})`;
}

/** A normalised value and its key in `paybill_untrusted`. */
interface Observed {
  readonly digest: string;
  readonly value: string;
}

function observed(values: readonly string[]): Observed[] {
  const seen = new Map<string, Observed>();
  for (const value of values) {
    if (value === "") continue;
    const digest = createHash("sha256").update(value).digest("hex");
    seen.set(digest, { digest, value });
  }
  return [...seen.values()];
}

/** The normalised values of the `@untrusted` fields of `row` that the agent sees (not in `redact`). */
export function untrustedValues(entity: EntitySchema, row: JsonRecord | undefined, redact: readonly string[] = []): string[] {
  if (row === undefined) return [];
  const out: string[] = [];
  for (const field of entity.fields) {
    if (field.untrusted !== true || redact.includes(field.name)) continue;
    collect(field, row[field.name], out);
  }
  return out;
}

function collect(field: FieldSchema, value: unknown, out: string[]): void {
  if (Array.isArray(value)) {
    for (const item of value) collect(field, item, out);
    return;
  }
  const text = normaliseUntrusted(value);
  if (text !== undefined && text !== "") out.push(text);
}

/**
 * A CTE for act's `finish` statement that records `values` for the run, only when `guard`
 * holds (the quota unit was taken). Undefined when there is nothing to record.
 */
export function untrustedCte(params: Params, tenant: string, run: string, source: string, values: readonly string[], now: Date, guard: string | undefined): string | undefined {
  const rows = observed(values);
  if (rows.length === 0) return undefined;
  return (
    `paybill_untrusted_read as (insert into paybill_untrusted (tenant_id, run_id, digest, value, source, observed_at) ` +
    `select ${params.add(tenant)}, ${params.add(run)}::uuid, x.digest, x.value, ${params.add(source)}, ${params.add(now.toISOString())} ` +
    `from json_to_recordset(${params.add(JSON.stringify(rows))}::json) as x(digest text, value text)` +
    `${guard === undefined ? "" : ` where ${guard}`} on conflict do nothing returning length(value) as chars)`
  );
}

/** What the host reports: where the values came from (a tool's name) and the values. */
export interface Observation {
  readonly source: string;
  readonly values: readonly unknown[];
}

/** What `observe` recorded: the run, how many of the values were new to it, and the id of its audit record. */
export interface ObserveResult {
  readonly run: string;
  readonly tenant: string;
  readonly recorded: number;
  readonly auditId: string;
}

/** The action of an observation's audit record. */
export const OBSERVE_ACTION = "host.observe";

/**
 * What an observation's audit record keeps: the source, how many values were given
 * (`count`) and how many were new to the run (`recorded`), `digest` — the SHA-256 of the
 * canonical JSON of the normalised values as a list, in the order given — and the values
 * (that list) while its JSON is at most 1024 bytes, else its size (`bytes`) and prefix
 * (`prefix`), as a denied input is bounded (audit/input-record.ts).
 */
export function observationInput(source: string, texts: readonly string[], recorded: number): Record<string, unknown> {
  const text = canonicalJson(texts);
  const over = pastBound(text);
  const kept = over === undefined ? { values: texts } : { bytes: over.bytes, prefix: over.prefix };
  return { source, count: texts.length, recorded, digest: `sha256:${sha256Hex(text)}`, ...kept };
}

/**
 * Records `observation.values` as untrusted output in run `runId` (the runtime's
 * `runs.observe`). `db` binds the run's tenant (role-database.ts `bindOwner`). Strings,
 * numbers and bools are recorded normalised; anything else, text that cannot be stored,
 * or more than the limits is PBR215 and records nothing. An unknown run is PBR112. The
 * values and the observation's audit record are written in one transaction: both or neither.
 */
export async function observe(db: Database, runId: string, observation: Observation, now: Date): Promise<ObserveResult> {
  const source = observation?.source;
  if (typeof source !== "string" || source === "" || source.length > 200 || textProblem(source) !== undefined) {
    throw invalid("`source` must be a non-empty name of at most 200 characters (the tool the values came from)", "pass e.g. `{ source: \"fetch_email\", values: [text] }`");
  }
  const values = observation.values;
  if (!Array.isArray(values) || values.length > MAX_OBSERVED_VALUES) {
    throw invalid(`\`values\` must be a list of at most ${MAX_OBSERVED_VALUES} values`, "report a long result in several calls");
  }
  const texts: string[] = [];
  for (const [i, value] of values.entries()) {
    const text = normaliseUntrusted(value);
    if (text === undefined) throw invalid(`\`values[${i}]\` is not a string, a number or a bool`, "report each value the tool returned as text");
    if (typeof value === "string" && textProblem(value) !== undefined) throw invalid(`\`values[${i}]\` contains ${textProblem(value)}, which cannot be stored`, "remove it from the value");
    if (text.length > MAX_OBSERVED_LENGTH) throw invalid(`\`values[${i}]\` is longer than ${MAX_OBSERVED_LENGTH.toLocaleString("en-US")} characters`, "report its parts as separate values");
    texts.push(text);
  }
  if (!isUuid(runId)) throw unknownRun(String(runId));
  return db.transaction(async (tx) => {
    // The run's row locked: observations and acts of one run count against its cap one at a time.
    const [run] = await tx.query<{ id: string; tenant_id: string; untrusted_values: unknown; untrusted_chars: unknown }>(
      "select id, tenant_id, untrusted_values, untrusted_chars from paybill_runs where id = $1::uuid for update",
      [runId],
    );
    if (run === undefined) throw unknownRun(runId);
    const rows = observed(texts);
    const inserted =
      rows.length === 0
        ? []
        : await tx.query<{ chars: unknown }>(
            `insert into paybill_untrusted (tenant_id, run_id, digest, value, source, observed_at)
             select $1, $2::uuid, x.digest, x.value, $3, $4 from json_to_recordset($5::json) as x(digest text, value text)
             on conflict do nothing returning length(value) as chars`,
            [run.tenant_id, run.id, source, now.toISOString(), JSON.stringify(rows)],
          );
    if (inserted.length > 0) {
      const chars = inserted.reduce((sum, row) => sum + Number(row.chars), 0);
      // Past the cap: thrown inside the transaction, so the values just inserted go with it.
      const over = overflowMessage(String(run.id), Number(run.untrusted_values) + inserted.length, Number(run.untrusted_chars) + chars);
      if (over !== undefined) throw new PaybillRuntimeError("PBR216", `runs.observe: ${over}; nothing recorded`, "a run that must see more untrusted output than this is better split into several runs");
      await tx.query("update paybill_runs set untrusted_values = untrusted_values + $2, untrusted_chars = untrusted_chars + $3 where id = $1::uuid", [run.id, inserted.length, chars]);
    }
    const record = await appendAudit(
      tx,
      { tenant: run.tenant_id, agent: HOST_AGENT, action: OBSERVE_ACTION, input: observationInput(source, texts, inserted.length), decision: "allow", reasons: [], run: String(run.id) },
      { time: now },
    );
    return { run: String(run.id), tenant: run.tenant_id, recorded: inserted.length, auditId: record.id };
  });
}

function invalid(message: string, help: string): PaybillRuntimeError {
  return new PaybillRuntimeError("PBR215", `runs.observe: ${message}`, help);
}
