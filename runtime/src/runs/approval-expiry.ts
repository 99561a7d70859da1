/**
 * Timeouts of `require approval from G … timeout d` rules (spec/runtime.md, Timeouts): the
 * approval a pending decision opens gets `expires_at` = request + d. Still pending or
 * granted but not resumed at `expires_at`, it expires: status `expired`, and one
 * `approval.expire` record in the tenant's audit chain (agent `paybill:runtime`, decision
 * `deny`), in one transaction. Like a state's timeout (expiry.ts), it is applied lazily by
 * whatever touches the approval next (grant, reject, resume, get, list) and by the sweep
 * (`approvals.sweep`, which `paybillc billing sweep` calls), by the runtime's clock.
 */
import { appendAudit } from "../audit/append.js";
import type { Bundle } from "../bundle/format.js";
import type { Reason } from "../decide/request.js";
import type { Database, Sql } from "../store/adapter.js";
import { type ApprovalRequest, getApproval } from "./approvals.js";
import { RUNTIME_AGENT } from "./expiry.js";

/** When the approval a pending decision opens expires: its first approval reason's rule `timeout` after `now`; undefined without one. */
export function approvalExpiry(bundle: Bundle, reasons: readonly Reason[], now: Date): Date | undefined {
  const first = reasons.find((r): r is Extract<Reason, { kind: "approval" }> => r.kind === "approval");
  if (first?.rule === undefined) return undefined;
  const timeoutMs = bundle.policies.find((p) => p.name === first.policy)?.rules.find((r) => r.id === first.rule)?.approval?.timeoutMs;
  return timeoutMs === undefined ? undefined : new Date(now.getTime() + timeoutMs);
}

/** Whether the approval's rule timeout has run out while it still waits to be granted or resumed. */
export function approvalDue(approval: ApprovalRequest, now: Date): boolean {
  return (approval.status === "pending" || approval.status === "granted") && approval.expiresAt !== undefined && now.getTime() >= Date.parse(approval.expiresAt);
}

/** Expires `approval` (read in this transaction) when it is due, audited; the approval as it now is. */
export async function expireApprovalIn(tx: Sql, approval: ApprovalRequest, now: Date): Promise<ApprovalRequest> {
  if (!approvalDue(approval, now)) return approval;
  await tx.query("select set_config('paybill.tenant', $1, true)", [approval.tenant]);
  const [row] = await tx.query(
    "update paybill_approvals set status = 'expired' where id = $1 and status in ('pending', 'granted') and expires_at <= $2 returning id",
    [approval.id, now.toISOString()],
  );
  if (row === undefined) return approval;
  const message = `approval \`${approval.id}\` from \`${approval.group}\` timed out at ${approval.expiresAt ?? ""}`;
  await appendAudit(
    tx,
    {
      tenant: approval.tenant,
      agent: RUNTIME_AGENT,
      action: "approval.expire",
      input: { approval: approval.id, group: approval.group, action: approval.action, was: approval.status, expiresAt: approval.expiresAt ?? null },
      decision: "deny",
      reasons: [{ kind: "approval", group: approval.group, message }],
      ...(approval.run === undefined ? {} : { run: approval.run }),
      approval: approval.id,
    },
    { time: now },
  );
  return { ...approval, status: "expired" };
}

/** Expires the approval `id` if its rule timeout ran out, in its own transaction. */
export async function expireApprovalIfDue(db: Database, id: string, now: Date): Promise<void> {
  const approval = await getApproval(db, id);
  if (approval === undefined || !approvalDue(approval, now)) return;
  await db.transaction(async (tx) => {
    const locked = await getApproval(tx, id, { lock: true });
    if (locked !== undefined) await expireApprovalIn(tx, locked, now);
  });
}

/**
 * Expires every approval (of `tenant`, when given) whose rule timeout ran out at or before
 * `now`, one transaction each; the approvals expired, by id. `db` finds them; `owner(id)` is
 * the database as the approval's tenant.
 */
export async function sweepApprovals(db: Database, owner: (id: string) => Database, now: Date, tenant?: string): Promise<ApprovalRequest[]> {
  const due = await db.query<{ id: unknown }>(
    "select id from paybill_approvals where expires_at <= $1 and status in ('pending', 'granted') and ($2::text is null or tenant_id = $2) order by id",
    [now.toISOString(), tenant ?? null],
  );
  const expired: ApprovalRequest[] = [];
  for (const { id } of due) {
    const approval = await owner(String(id)).transaction(async (tx) => {
      const locked = await getApproval(tx, String(id), { lock: true });
      return locked === undefined || !approvalDue(locked, now) ? undefined : expireApprovalIn(tx, locked, now);
    });
    if (approval?.status === "expired") expired.push(approval);
  }
  return expired;
}
