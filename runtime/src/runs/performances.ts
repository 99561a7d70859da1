/**
 * Host effects (`effect host`, spec/runtime.md "Host effects"): an allowed act of a host
 * action performs nothing itself; it records a *performance* — keyed by the act's audit
 * record id, in the act's one `finish` statement (act.ts) — and tells the host what to
 * perform. The host performs it and reports the outcome once (`runtime.report`), which is
 * appended to the tenant's chain as a record linked to the act's. Unreported performances
 * are the tenant's pending ones (`runtime.performances.pending`).
 */
import { appendAudit } from "../audit/append.js";
import type { AuditRecord } from "../audit/record.js";
import type { Sql } from "../store/adapter.js";
import { PaybillRuntimeError } from "../store/errors.js";
import { isUuid, type Params } from "../store/sql.js";
import { storableJson, storableText } from "./request-text.js";

/** The agent of a report's audit record: the host, not an agent. */
export const HOST_AGENT = "paybill:host";
/** The action of a report's audit record. */
export const REPORT_ACTION = "host.report";

/** What an allowed host act tells the host to perform. */
export interface Perform {
  /** The id to report with: the act's audit record id. */
  readonly id: string;
  readonly action: string;
  /** The input as the agent sent it (validated). */
  readonly input: Readonly<Record<string, unknown>>;
}

/** What the host reports: the act was performed (with what it returned), or it failed. */
export type HostOutcome = { readonly ok: true; readonly result?: unknown } | { readonly ok: false; readonly error: string };

/** A performance allowed and not yet reported. */
export interface PendingPerformance {
  readonly id: string;
  readonly action: string;
  readonly agent: string;
  readonly run?: string;
  /** The input as audited: `@secret` and `@pii` fields masked. */
  readonly input: Readonly<Record<string, unknown>>;
  /** ISO 8601, when the act was allowed. */
  readonly createdAt: string;
}

/** A report the runtime recorded. */
export interface Report {
  readonly id: string;
  readonly action: string;
  readonly ok: boolean;
  /** The report's audit record. */
  readonly auditId: string;
}

/** The `with` clause member recording a performance, only when `guard` holds (the quota unit was taken). */
export function performanceCte(params: Params, p: { tenant: string; id: string; action: string; agent: string; run?: string; input: unknown; time: Date }, guard: string | undefined): string {
  const values = [
    `${params.add(p.tenant)}::text`,
    `${params.add(p.id)}::uuid`,
    `${params.add(p.action)}::text`,
    `${params.add(p.agent)}::text`,
    `${params.add(p.run ?? null)}::uuid`,
    `${params.add(JSON.stringify(p.input))}::jsonb`,
    `${params.add(p.time.toISOString())}::timestamptz`,
  ];
  return (
    `paybill_perform as (insert into paybill_performances (tenant_id, id, action, agent, run_id, input, created_at) ` +
    `select ${values.join(", ")}${guard === undefined ? "" : ` where ${guard}`})`
  );
}

/**
 * Records the host's outcome of performance `id` of `tenant` (bound to the transaction):
 * once (PBR241 after that), only for a performance of that tenant (PBR240), audited.
 */
export async function reportIn(tx: Sql, tenant: string, id: string, outcome: HostOutcome, now: Date): Promise<Report> {
  const checked = checkOutcome(outcome);
  if (!isUuid(id)) throw unknownPerformance(tenant, id);
  const [row] = await tx.query("select action, agent, run_id, reported_at from paybill_performances where tenant_id = $1 and id = $2 for update", [tenant, id]);
  if (row === undefined) throw unknownPerformance(tenant, id);
  const action = String(row["action"]);
  if (row["reported_at"] !== null && row["reported_at"] !== undefined) {
    throw new PaybillRuntimeError("PBR241", `performance \`${id}\` of \`${action}\` was already reported`, "a host effect is reported once; read its outcome in the audit chain");
  }
  const run = row["run_id"] === null || row["run_id"] === undefined ? undefined : String(row["run_id"]);
  const record: AuditRecord = await appendAudit(
    tx,
    {
      tenant,
      agent: HOST_AGENT,
      action: REPORT_ACTION,
      input: { performance: id, action, agent: String(row["agent"]), ...checked },
      decision: checked.ok ? "allow" : "deny",
      reasons: [],
      ...(run === undefined ? {} : { run }),
      effect: { op: "host", entity: action, key: id },
    },
    { time: now },
  );
  await tx.query("update paybill_performances set reported_at = $3, ok = $4, report_audit_id = $5 where tenant_id = $1 and id = $2", [
    tenant,
    id,
    now.toISOString(),
    checked.ok,
    record.id,
  ]);
  return { id, action, ok: checked.ok, auditId: record.id };
}

/** The tenant's performances not yet reported, oldest first. */
export async function pendingIn(sql: Sql, tenant: string): Promise<PendingPerformance[]> {
  const rows = await sql.query(
    "select id, action, agent, run_id, input, created_at from paybill_performances where tenant_id = $1 and reported_at is null order by created_at, id",
    [tenant],
  );
  return rows.map((row) => ({
    id: String(row["id"]),
    action: String(row["action"]),
    agent: String(row["agent"]),
    ...(row["run_id"] === null || row["run_id"] === undefined ? {} : { run: String(row["run_id"]) }),
    input: (typeof row["input"] === "string" ? JSON.parse(row["input"]) : row["input"]) as Record<string, unknown>,
    createdAt: new Date(row["created_at"] as string | Date).toISOString(),
  }));
}

/** The outcome as the audit record keeps it: `{ ok, result }` or `{ ok, error }`, as storable JSON. */
function checkOutcome(outcome: HostOutcome): { ok: true; result?: unknown } | { ok: false; error: string } {
  const bad = (why: string) =>
    new PaybillRuntimeError("PBR242", `a host report must be \`{ ok: true, result? }\` or \`{ ok: false, error }\`: ${why}`, "report `{ ok: true, result }` when the host performed the act, `{ ok: false, error: \"…\" }` when it failed");
  if (typeof outcome !== "object" || outcome === null) throw bad("it is not an object");
  if (outcome.ok === true) {
    if (outcome.result === undefined) return { ok: true };
    let text: string | undefined;
    try {
      text = JSON.stringify(outcome.result, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v));
    } catch {
      throw bad("`result` is not JSON");
    }
    if (text === undefined) throw bad("`result` is not JSON");
    return { ok: true, result: storableJson(JSON.parse(text) as unknown) };
  }
  if (outcome.ok === false) {
    if (typeof outcome.error !== "string" || outcome.error.length === 0) throw bad("`error` must be a text saying what failed");
    return { ok: false, error: storableText(outcome.error) };
  }
  throw bad("`ok` must be true or false");
}

function unknownPerformance(tenant: string, id: string): PaybillRuntimeError {
  return new PaybillRuntimeError(
    "PBR240",
    `tenant \`${tenant}\` has no host performance \`${String(id).slice(0, 64)}\``,
    "report with the `perform.id` (the `auditId`) of an allowed act of a host action of that tenant",
  );
}
