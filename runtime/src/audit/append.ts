/**
 * Appends one record to a tenant's chain inside the caller's transaction. The chain's head
 * row is taken with an upsert that increments it, which locks it until the transaction
 * ends: appends for one tenant are serialised, and a rolled-back transaction leaves no
 * record and no gap.
 */
import { randomUUID } from "node:crypto";
import type { Sql } from "../store/adapter.js";
import { type AuditEntry, type AuditRecord, GENESIS, recordHash } from "./record.js";
import { json } from "./rows.js";

export async function appendAudit(tx: Sql, entry: AuditEntry, options: { id?: string; time?: Date } = {}): Promise<AuditRecord> {
  const [head] = await tx.query<{ seq: unknown; hash: string }>(
    `insert into paybill_audit_heads as h (tenant_id, seq, hash) values ($1, 1, $2)
     on conflict (tenant_id) do update set seq = h.seq + 1
     returning seq, hash`,
    [entry.tenant, GENESIS],
  );
  if (head === undefined) throw new Error("the audit head upsert returned no row");
  const unhashed = {
    ...entry,
    id: options.id ?? randomUUID(),
    seq: Number(head.seq),
    time: (options.time ?? new Date()).toISOString(),
    prevHash: head.hash,
  };
  const record: AuditRecord = { ...unhashed, hash: recordHash(unhashed) };
  // One round trip: the record and the head's new hash.
  await tx.query(
    `with record as (
       insert into paybill_audit (tenant_id, seq, id, time, agent, action, input, decision, reasons, run_id, approval_id, effect, prev_hash, hash)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
     )
     update paybill_audit_heads set hash = $14 where tenant_id = $1`,
    [
      record.tenant,
      record.seq,
      record.id,
      record.time,
      record.agent,
      record.action,
      json(record.input),
      record.decision,
      json(record.reasons),
      record.run ?? null,
      record.approval ?? null,
      record.effect === undefined ? null : json(record.effect),
      record.prevHash,
      record.hash,
    ],
  );
  return record;
}
