/** Reads a tenant's audit records, oldest first, with optional filters and keyset paging. */
import type { Sql } from "../store/adapter.js";
import { isUuid } from "../store/sql.js";
import type { AuditRecord } from "./record.js";
import { AUDIT_COLUMNS, recordFromRow } from "./rows.js";

export interface AuditQuery {
  readonly tenant: string;
  readonly agent?: string;
  readonly action?: string;
  readonly decision?: "allow" | "deny" | "pending";
  readonly run?: string;
  /** Records at or after this time. */
  readonly from?: Date | string;
  /** Records before this time. */
  readonly to?: Date | string;
  /** Records with a larger seq (the next page after the last seq you saw). */
  readonly afterSeq?: number;
  /** At most this many records (default 1000). */
  readonly limit?: number;
}

export async function queryAudit(sql: Sql, q: AuditQuery): Promise<AuditRecord[]> {
  if (q.run !== undefined && !isUuid(q.run)) return [];
  const where = ["tenant_id = $1"];
  const params: unknown[] = [q.tenant];
  const add = (clause: string, value: unknown): void => {
    params.push(value);
    where.push(clause.replace("?", `$${params.length}`));
  };
  if (q.agent !== undefined) add("agent = ?", q.agent);
  if (q.action !== undefined) add("action = ?", q.action);
  if (q.decision !== undefined) add("decision = ?", q.decision);
  if (q.run !== undefined) add("run_id = ?", q.run);
  if (q.from !== undefined) add("time >= ?", new Date(q.from).toISOString());
  if (q.to !== undefined) add("time < ?", new Date(q.to).toISOString());
  if (q.afterSeq !== undefined) add("seq > ?", q.afterSeq);
  params.push(Math.max(0, Math.min(q.limit ?? 1000, 100_000)));
  const rows = await sql.query(
    `select ${AUDIT_COLUMNS} from paybill_audit where ${where.join(" and ")} order by seq limit $${params.length}`,
    params,
  );
  return rows.map(recordFromRow);
}
