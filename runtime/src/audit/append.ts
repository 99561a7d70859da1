/**
 * Appends one record to a tenant's chain inside the caller's transaction, in one statement:
 * an `update` of the chain's head moves it on (seq + 1), keeps the hash it held as
 * `prev_hash` and computes the new record's hash from it (the record's canonical text
 * around the previous hash and the seq: audit/record.ts, `recordHashParts`); the record is
 * inserted from what that update returns. The update locks the head until the transaction
 * ends, so appends for one tenant are serialised, each sees the head its predecessor
 * committed (PostgreSQL re-reads a row it waited for), and a rolled-back transaction leaves
 * no record and no gap. The head is locked from this statement to the commit only.
 *
 * A tenant's first append finds no head: it is created (seq 0, GENESIS) and the append
 * runs again. `appendCtes` gives the append as `with` members for a caller that sends it
 * with other work in one statement (act.ts: the quota, the effect and the run's step).
 */
import { randomUUID } from "node:crypto";
import type { Sql } from "../store/adapter.js";
import { Params } from "../store/sql.js";
import { type AuditEntry, type AuditRecord, CURRENT_HASH_RULE, GENESIS, recordHashParts, storedTime } from "./record.js";
import { json } from "./rows.js";

export interface AppendCtes {
  /** `paybill_head as (update …), paybill_record as (insert …)`, written only when `guard` holds. */
  readonly ctes: readonly string[];
  /** An expression whose value is `seq prev hash` when the record was appended, else null. */
  readonly appended: string;
  /** The appended record, given that value (undefined when null: no head, or the guard did not hold). */
  record(value: unknown): AuditRecord | undefined;
}

export async function appendAudit(tx: Sql, entry: AuditEntry, options: { id?: string; time?: Date } = {}): Promise<AuditRecord> {
  const params = new Params();
  const append = appendCtes(params, entry, undefined, options);
  const text = `with ${append.ctes.join(", ")} select ${append.appended} as appended`;
  const [row] = await tx.query(text, params.values, { prepared: true });
  const record = append.record(row?.["appended"]);
  if (record !== undefined) return record;
  await createHead(tx, entry.tenant);
  const [again] = await tx.query(text, params.values, { prepared: true });
  const retried = append.record(again?.["appended"]);
  if (retried === undefined) throw new Error(`the audit chain of tenant \`${entry.tenant}\` has no head`);
  return retried;
}

/** The head of a tenant's chain before its first record (a concurrent creation wins; nothing changes then). */
export async function createHead(tx: Sql, tenant: string): Promise<void> {
  await tx.query("insert into paybill_audit_heads (tenant_id, seq, hash) values ($1, 0, $2) on conflict (tenant_id) do nothing", [tenant, GENESIS]);
}

export function appendCtes(params: Params, entry: AuditEntry, guard: string | undefined, options: { id?: string; time?: Date } = {}): AppendCtes {
  // The time as the database will store it (microseconds), so what is hashed is what is kept.
  const unchained = { ...entry, id: options.id ?? randomUUID(), time: storedTime(options.time ?? new Date()), hashRule: CURRENT_HASH_RULE };
  const parts = recordHashParts(unchained);
  const tenant = params.add(unchained.tenant);
  // In SET, `hash` and `seq` are the head's values before this update.
  const head =
    `paybill_head as (update paybill_audit_heads set seq = seq + 1, prev_hash = hash, ` +
    `hash = encode(sha256(convert_to(${params.add(parts.before)}::text || hash || ${params.add(parts.between)}::text || (seq + 1)::text || ${params.add(parts.after)}::text, 'UTF8')), 'hex') ` +
    `where tenant_id = ${tenant}${guard === undefined ? "" : ` and ${guard}`} returning seq, prev_hash, hash)`;
  const values = [
    `${params.add(unchained.id)}::uuid`,
    `${params.add(unchained.time)}::timestamptz`,
    `${params.add(unchained.agent)}::text`,
    `${params.add(unchained.action)}::text`,
    `${params.add(json(unchained.input))}::jsonb`,
    `${params.add(unchained.decision)}::text`,
    `${params.add(json(unchained.reasons))}::jsonb`,
    `${params.add(unchained.run ?? null)}::uuid`,
    `${params.add(unchained.approval ?? null)}::uuid`,
    `${params.add(unchained.effect === undefined ? null : json(unchained.effect))}::jsonb`,
  ];
  const record =
    `paybill_record as (insert into paybill_audit (tenant_id, seq, id, time, agent, action, input, decision, reasons, run_id, approval_id, effect, hash_rule, prev_hash, hash) ` +
    `select ${tenant}::text, seq, ${values.join(", ")}, ${CURRENT_HASH_RULE}, prev_hash, hash from paybill_head)`;
  return {
    ctes: [head, record],
    appended: "(select seq::text || ' ' || prev_hash || ' ' || hash from paybill_head)",
    record(value) {
      if (value === null || value === undefined) return undefined;
      const [seq, prevHash, hash] = typeof value === "string" ? value.split(" ") : [];
      if (seq === undefined || prevHash === undefined || hash === undefined) throw new Error("the audit append returned no record");
      return { ...unchained, seq: Number(seq), prevHash, hash };
    },
  };
}
