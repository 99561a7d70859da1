/**
 * The audit table's rows ↔ AuditRecord. Both directions normalise what drivers differ on
 * (a `bigint` as string or number), so a record read back hashes exactly as it did when it
 * was written. The time is read as the database's own text at its full precision
 * (microseconds, UTC), never through a JavaScript Date, which would drop the microseconds.
 */
import type { Row } from "../store/adapter.js";
import type { AuditEffect, AuditRecord } from "./record.js";

/** A `timestamptz` as text at its stored precision: `2026-12-07T15:11:03.123456Z` (audit/record.ts, `storedTime`). */
export const STORED_TIME = (column: string): string => `to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

export const AUDIT_COLUMNS = `tenant_id, seq, id, ${STORED_TIME("time")} as time, agent, action, input, decision, reasons, run_id, approval_id, effect, hash_rule, prev_hash, hash`;

export function recordFromRow(row: Row): AuditRecord {
  const rule = Number(row["hash_rule"] ?? 1);
  return {
    tenant: String(row["tenant_id"]),
    seq: Number(row["seq"]),
    id: String(row["id"]),
    time: String(row["time"]),
    agent: String(row["agent"]),
    action: String(row["action"]),
    input: (row["input"] ?? {}) as Record<string, unknown>,
    decision: String(row["decision"]) as AuditRecord["decision"],
    reasons: (row["reasons"] ?? []) as unknown[],
    ...optional("run", row["run_id"]),
    ...optional("approval", row["approval_id"]),
    ...(row["effect"] === null || row["effect"] === undefined ? {} : { effect: row["effect"] as AuditEffect }),
    ...(rule === 2 ? { hashRule: 2 as const } : {}),
    prevHash: String(row["prev_hash"]),
    hash: String(row["hash"]),
  };
}

function optional(name: string, value: unknown): Record<string, string> {
  return value === null || value === undefined ? {} : { [name]: String(value) };
}

export function json(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === "bigint" ? v.toString() : v));
}
