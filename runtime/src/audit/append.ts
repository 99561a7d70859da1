/**
 * Appends one record to a tenant's chain inside the caller's transaction, in one round
 * trip: `paybill_audit_append` (store/migrations.ts, version 2) takes the chain's head with
 * an upsert that increments it, which locks it until the transaction ends (appends for one
 * tenant are serialised, and a rolled-back transaction leaves no record and no gap), hashes
 * the record around the previous hash and the seq it finds there, inserts the record and
 * moves the head. The head stays locked from this statement to the commit only.
 *
 * `appendCall` gives the call as an SQL expression for a caller that sends it with other
 * work in one statement (act.ts: the quota, the effect and the run's step).
 */
import { randomUUID } from "node:crypto";
import type { Sql } from "../store/adapter.js";
import { Params } from "../store/sql.js";
import { type AuditEntry, type AuditRecord, recordHashParts } from "./record.js";
import { json } from "./rows.js";

export interface AppendCall {
  /** `paybill_audit_append(…)`: an expression whose value is the `seq prev hash` text. */
  readonly sql: string;
  /** The appended record, given the expression's value. */
  record(value: unknown): AuditRecord;
}

export async function appendAudit(tx: Sql, entry: AuditEntry, options: { id?: string; time?: Date } = {}): Promise<AuditRecord> {
  const params = new Params();
  const call = appendCall(params, entry, options);
  const [row] = await tx.query(`select ${call.sql} as appended`, params.values);
  return call.record(row?.["appended"]);
}

export function appendCall(params: Params, entry: AuditEntry, options: { id?: string; time?: Date } = {}): AppendCall {
  const unchained = { ...entry, id: options.id ?? randomUUID(), time: (options.time ?? new Date()).toISOString() };
  const parts = recordHashParts(unchained);
  const args = [
    unchained.tenant,
    unchained.id,
    unchained.time,
    unchained.agent,
    unchained.action,
    json(unchained.input),
    unchained.decision,
    json(unchained.reasons),
    unchained.run ?? null,
    unchained.approval ?? null,
    unchained.effect === undefined ? null : json(unchained.effect),
    parts.before,
    parts.between,
    parts.after,
  ];
  const types = ["text", "uuid", "timestamptz", "text", "text", "jsonb", "text", "jsonb", "uuid", "uuid", "jsonb", "text", "text", "text"];
  return {
    sql: `paybill_audit_append(${args.map((a, i) => `${params.add(a)}::${types[i]}`).join(", ")})`,
    record(value) {
      const [seq, prevHash, hash] = typeof value === "string" ? value.split(" ") : [];
      if (seq === undefined || prevHash === undefined || hash === undefined) throw new Error("the audit append returned no record");
      return { ...unchained, seq: Number(seq), prevHash, hash };
    },
  };
}
