/**
 * Workflow state timeouts (spec/runtime.md, Timeouts): a run that enters a state with
 * `timeout = d` gets `expires_at` = entry + d. A run still in that state at `expires_at`
 * expires: it ends where it is (final, `expired_at` set), its approvals still pending or
 * granted but not resumed become `expired`, and the tenant's audit chain gets one
 * `run.expire` record and one `approval.expire` record per approval (agent
 * `paybill:runtime`, decision `deny`), all in one transaction.
 *
 * Expiry is applied lazily by whatever touches the run next (act in its own transaction;
 * resume, runs.get/next/allowed, approvals.get/list before theirs) and by `sweepRuns`,
 * which the host or `paybillc billing sweep` calls periodically. Everything is decided by
 * the runtime's clock, so the outcome does not depend on when the sweep happens to run.
 */
import { appendAudit } from "../audit/append.js";
import type { Bundle, WorkflowSpec } from "../bundle/format.js";
import type { Database, Sql } from "../store/adapter.js";
import { type Run, runFromRow } from "./run.js";
import { getRun } from "./runs.js";

/** The audit chain's agent for what the runtime does by itself (a run's timeout). */
export const RUNTIME_AGENT = "paybill:runtime";

/** When a run entering `state` at `now` expires (ISO 8601), or null when the state has no timeout or is final. */
export function stateExpiry(workflow: WorkflowSpec, state: string, now: Date): string | null {
  const spec = workflow.states[state];
  if (spec === undefined || spec.final || spec.timeoutMs === undefined) return null;
  return new Date(now.getTime() + spec.timeoutMs).toISOString();
}

/** Whether the run is past its state's timeout and not yet expired. */
export function expiryDue(run: Run, now: Date): boolean {
  return !run.final && run.expiresAt !== undefined && now.getTime() >= Date.parse(run.expiresAt);
}

/** Why a run cannot act or move any more because of its timeout, or undefined. */
export function timedOut(run: Run, now: Date): string | undefined {
  const at = run.expiredAt ?? (expiryDue(run, now) ? run.expiresAt : undefined);
  return at === undefined ? undefined : `run \`${run.id}\` timed out in state \`${run.state}\` at ${at}`;
}

/**
 * Expires `run` (read in this transaction, locked by the caller or not: the update checks
 * again) when it is due; returns the run as it now is. Binds the transaction to its tenant.
 */
export async function expireRunIn(tx: Sql, bundle: Bundle, run: Run, now: Date): Promise<Run> {
  if (!expiryDue(run, now)) return run;
  await tx.query("select set_config('paybill.tenant', $1, true)", [run.tenant]);
  const [row] = await tx.query(
    "update paybill_runs set final = true, expired_at = expires_at, updated_at = $2 where id = $1 and not final and expires_at <= $2 returning *",
    [run.id, now.toISOString()],
  );
  if (row === undefined) return run;
  const expired = runFromRow(row);
  const approvals = await tx.query<{ id: unknown; status: unknown; approval_group: unknown; action: unknown }>(
    "update paybill_approvals set status = 'expired' where run_id = $1 and tenant_id = $2 and status in ('pending', 'granted') returning id, status, approval_group, action",
    [run.id, run.tenant],
  );
  const ids = approvals.map((a) => String(a.id)).sort();
  const timeoutMs = bundle.workflows[run.workflow]?.states[run.state]?.timeoutMs;
  const message = `run \`${run.id}\` timed out in state \`${run.state}\` at ${expired.expiredAt ?? run.expiresAt ?? ""}`;
  await appendAudit(
    tx,
    {
      tenant: run.tenant,
      agent: RUNTIME_AGENT,
      action: "run.expire",
      input: {
        workflow: run.workflow,
        state: run.state,
        ...(timeoutMs === undefined ? {} : { timeoutMs }),
        expiredAt: expired.expiredAt ?? null,
        approvals: ids,
      },
      decision: "deny",
      reasons: [{ kind: "workflow", message }],
      run: run.id,
    },
    { time: now },
  );
  for (const approval of [...approvals].sort((a, b) => (String(a.id) < String(b.id) ? -1 : 1))) {
    await appendAudit(
      tx,
      {
        tenant: run.tenant,
        agent: RUNTIME_AGENT,
        action: "approval.expire",
        input: { approval: String(approval.id), group: String(approval.approval_group), action: String(approval.action), was: String(approval.status) },
        decision: "deny",
        reasons: [{ kind: "workflow", message }],
        run: run.id,
        approval: String(approval.id),
      },
      { time: now },
    );
  }
  return expired;
}

/** Expires the run `id` if it is due, in its own transaction; the run as it now is (undefined: no such run). */
export async function expireIfDue(db: Database, bundle: Bundle, id: string, now: Date): Promise<Run | undefined> {
  const run = await getRun(db, id);
  if (run === undefined || !expiryDue(run, now)) return run;
  return db.transaction(async (tx) => {
    const locked = await getRun(tx, id, { lock: true });
    return locked === undefined ? undefined : expireRunIn(tx, bundle, locked, now);
  });
}

/**
 * Expires every run (of `tenant`, when given) whose state timed out at or before `now`, one
 * transaction each; the runs expired, by id. `db` finds them (the control role, or the
 * runtime role bound to `tenant`); `owner(id)` is the database as the run's tenant.
 */
export async function sweepRuns(db: Database, owner: (id: string) => Database, bundle: Bundle, now: Date, tenant?: string): Promise<Run[]> {
  const due = await db.query<{ id: unknown }>(
    "select id from paybill_runs where expires_at <= $1 and not final and ($2::text is null or tenant_id = $2) order by id",
    [now.toISOString(), tenant ?? null],
  );
  const expired: Run[] = [];
  for (const { id } of due) {
    const run = await owner(String(id)).transaction(async (tx) => {
      const locked = await getRun(tx, String(id), { lock: true });
      if (locked === undefined || !expiryDue(locked, now)) return undefined;
      return expireRunIn(tx, bundle, locked, now);
    });
    if (run?.expiredAt !== undefined) expired.push(run);
  }
  return expired;
}
