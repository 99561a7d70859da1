/**
 * The audit table's rows ↔ AuditRecord. Both directions normalise what drivers differ on
 * (a `bigint` as string or number, `timestamptz` as Date), so a record read back hashes
 * exactly as it did when it was written.
 */
import type { Row } from "../store/adapter.js";
import type { AuditEffect, AuditRecord } from "./record.js";

export const AUDIT_COLUMNS =
  "tenant_id, seq, id, time, agent, action, input, decision, reasons, run_id, approval_id, effect, prev_hash, hash";

export function recordFromRow(row: Row): AuditRecord {
  const time = row["time"];
  return {
    tenant: String(row["tenant_id"]),
    seq: Number(row["seq"]),
    id: String(row["id"]),
    time: time instanceof Date ? time.toISOString() : new Date(String(time)).toISOString(),
    agent: String(row["agent"]),
    action: String(row["action"]),
    input: (row["input"] ?? {}) as Record<string, unknown>,
    decision: String(row["decision"]) as AuditRecord["decision"],
    reasons: (row["reasons"] ?? []) as unknown[],
    ...optional("run", row["run_id"]),
    ...optional("approval", row["approval_id"]),
    ...(row["effect"] === null || row["effect"] === undefined ? {} : { effect: row["effect"] as AuditEffect }),
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
