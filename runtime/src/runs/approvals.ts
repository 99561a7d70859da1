/**
 * Approvals: an action that a workflow state or a policy makes wait for a group is stored
 * here as `pending`, with the request as it was made. Someone of that group grants or
 * rejects it (audited in the tenant's chain); a granted approval can be resumed once
 * (runtime.resume re-decides the stored request with the approval in context).
 * Who belongs to a group is the host's business: `by` is recorded as given, with the
 * `groups` the host says it belongs to. Those are checked (approver.ts): never an agent
 * (PBR221); a member of the approval's group when the host names groups, or when the group
 * is declared in the bundle (`group g { … }`, PBR220). An approval whose run times out, or
 * whose `require approval … timeout d` rule's time runs out, before it is resumed expires
 * (expiry.ts, approval-expiry.ts).
 */
import type { Database, Row, Sql } from "../store/adapter.js";
import { PaybillRuntimeError } from "../store/errors.js";
import { isUuid } from "../store/sql.js";
import { appendAudit } from "../audit/append.js";
import { json } from "../audit/rows.js";
import type { Bundle } from "../bundle/format.js";
import { type Approver, approverGroups, requireMember } from "./approver.js";
import { requireStorableText } from "./request-text.js";
import { iso } from "./run.js";

/** `expired`: its run timed out in the state it waited in, or its rule's `timeout` ran out, before it was resumed. */
export type ApprovalStatus = "pending" | "granted" | "rejected" | "resumed" | "expired";

export interface ApprovalRequest {
  readonly id: string;
  readonly tenant: string;
  readonly run?: string;
  readonly agent: string;
  readonly action: string;
  readonly input: Readonly<Record<string, unknown>>;
  /** The group whose approval the action waits for. */
  readonly group: string;
  readonly status: ApprovalStatus;
  readonly requestedAt: string;
  /** The audit record of the pending decision. */
  readonly requestAuditId: string;
  readonly decidedBy?: string;
  readonly decidedAt?: string;
  readonly note?: string;
  /** The audit record of the resumed decision. */
  readonly resumedAuditId?: string;
  /** When a `require approval … timeout d` rule's approval expires unless resumed (ISO 8601). */
  readonly expiresAt?: string;
}

export interface NewApproval {
  readonly id: string;
  readonly tenant: string;
  readonly run?: string;
  readonly agent: string;
  readonly action: string;
  readonly input: Readonly<Record<string, unknown>>;
  readonly group: string;
  readonly auditId: string;
  readonly time: Date;
  /** The rule's timeout ran out: expires then unless resumed. */
  readonly expiresAt?: Date;
}

export async function recordApproval(tx: Sql, approval: NewApproval): Promise<void> {
  await tx.query(
    `insert into paybill_approvals (id, tenant_id, run_id, agent, action, input, approval_group, status, requested_at, request_audit_id, expires_at)
     values ($1, $2, $3, $4, $5, $6, $7, 'pending', $8, $9, $10)`,
    [approval.id, approval.tenant, approval.run ?? null, approval.agent, approval.action, json(approval.input), approval.group, approval.time.toISOString(), approval.auditId, approval.expiresAt?.toISOString() ?? null],
  );
}

export async function getApproval(sql: Sql, id: string, options: { lock?: boolean } = {}): Promise<ApprovalRequest | undefined> {
  if (!isUuid(id)) return undefined;
  const [row] = await sql.query(`select * from paybill_approvals where id = $1${options.lock === true ? " for update" : ""}`, [id]);
  return row === undefined ? undefined : approvalFromRow(row);
}

export async function listApprovals(sql: Sql, query: { tenant: string; status?: ApprovalStatus; run?: string }): Promise<ApprovalRequest[]> {
  const params: unknown[] = [query.tenant];
  let where = "tenant_id = $1";
  if (query.status !== undefined) {
    params.push(query.status);
    where += ` and status = $${params.length}`;
  }
  if (query.run !== undefined) {
    if (!isUuid(query.run)) return [];
    params.push(query.run);
    where += ` and run_id = $${params.length}`;
  }
  const rows = await sql.query(`select * from paybill_approvals where ${where} order by requested_at, id`, params);
  return rows.map(approvalFromRow);
}

/** Grants or rejects a pending approval, with an audit record of who did it. */
export async function settleApproval(
  db: Database,
  id: string,
  outcome: "granted" | "rejected",
  by: Approver,
  now: Date,
  bundle: Bundle,
): Promise<ApprovalRequest> {
  if (typeof by.by !== "string" || by.by.length === 0) {
    throw new PaybillRuntimeError("PBR114", "an approval needs to say who decided it", "pass `{ by: \"<person or service>\" }`");
  }
  requireStorableText(by.by, "`by`");
  requireStorableText(by.note, "`note`");
  const groups = approverGroups(bundle, by);
  return db.transaction(async (tx) => {
    const approval = await getApproval(tx, id, { lock: true });
    if (approval === undefined) throw unknownApproval(id);
    if (approval.status !== "pending") throw wrongStatus(approval, "pending");
    requireMember(bundle, approval, by.by, groups);
    await tx.query("select set_config('paybill.tenant', $1, true)", [approval.tenant]);
    const [row] = await tx.query(
      "update paybill_approvals set status = $2, decided_by = $3, decided_at = $4, note = $5 where id = $1 returning *",
      [id, outcome, by.by, now.toISOString(), by.note ?? null],
    );
    await appendAudit(
      tx,
      {
        tenant: approval.tenant,
        agent: by.by,
        action: outcome === "granted" ? "approval.grant" : "approval.reject",
        input: { approval: id, group: approval.group, action: approval.action, ...(by.note === undefined ? {} : { note: by.note }), ...(groups === undefined ? {} : { groups }) },
        decision: outcome === "granted" ? "allow" : "deny",
        reasons: [],
        ...(approval.run === undefined ? {} : { run: approval.run }),
        approval: id,
      },
      { time: now },
    );
    if (row === undefined) throw new Error("the approval update returned no row");
    return approvalFromRow(row);
  });
}

export function unknownApproval(id: string): PaybillRuntimeError {
  return new PaybillRuntimeError("PBR114", `there is no approval \`${id}\``, "use the `approvalId` a pending `act` returned");
}

export function wrongStatus(approval: ApprovalRequest, wanted: ApprovalStatus): PaybillRuntimeError {
  const help =
    approval.status === "expired"
      ? approval.expiresAt === undefined
        ? "its run timed out in the state it waited in: start a new run"
        : "its rule's `timeout` (or its run's state's) ran out: act again to ask anew, in a new run if its run ended"
      : wanted === "granted"
        ? "only a granted approval can be resumed, and only once"
        : "only a pending approval can be granted or rejected";
  return new PaybillRuntimeError("PBR114", `approval \`${approval.id}\` is ${approval.status}, not ${wanted}`, help);
}

function approvalFromRow(row: Row): ApprovalRequest {
  const opt = (name: string, value: unknown, map: (v: unknown) => string = String): Record<string, string> =>
    value === null || value === undefined ? {} : { [name]: map(value) };
  return {
    id: String(row["id"]),
    tenant: String(row["tenant_id"]),
    ...opt("run", row["run_id"]),
    agent: String(row["agent"]),
    action: String(row["action"]),
    input: (row["input"] ?? {}) as Record<string, unknown>,
    group: String(row["approval_group"]),
    status: String(row["status"]) as ApprovalStatus,
    requestedAt: iso(row["requested_at"]),
    requestAuditId: String(row["request_audit_id"]),
    ...opt("decidedBy", row["decided_by"]),
    ...opt("decidedAt", row["decided_at"], iso),
    ...opt("note", row["note"]),
    ...opt("resumedAuditId", row["resumed_audit_id"]),
    ...opt("expiresAt", row["expires_at"], iso),
  };
}
