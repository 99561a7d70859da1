/**
 * The one door every agent action goes through (DESIGN.md, Runtime): decide it, and in
 * the same transaction perform an allowed effect, advance the run's counters and append
 * the audit record; a denied or pending action is audited with its reasons (pending also
 * stores the approval it waits for). The tenant is bound to the transaction with
 * `set_config('paybill.tenant', …, true)` (evaluate.ts), so row-level security sees it.
 *
 * A failed effect throws PBR120 and rolls everything back: no record, no step, no quota.
 */
import { randomUUID } from "node:crypto";
import { appendAudit } from "../audit/append.js";
import type { AuditEffect } from "../audit/record.js";
import type { PreparedEffect } from "../decide/decider-api.js";
import type { Approval, Outcome, Reason } from "../decide/request.js";
import type { Sql } from "../store/adapter.js";
import { type JsonRecord, performEffect, redact } from "../store/effects.js";
import { PaybillRuntimeError } from "../store/errors.js";
import { recordApproval } from "./approvals.js";
import { type ActRequest, type Engine, type Evaluation, evaluate } from "./evaluate.js";

export interface ActResult {
  readonly decision: Outcome;
  readonly reasons: readonly Reason[];
  /** For an allowed action with an effect: the row read (redacted), or the key and values written. */
  readonly result?: JsonRecord;
  /** The audit record of this decision. */
  readonly auditId: string;
  /** For `pending`: the approval to grant or reject, then resume. */
  readonly approvalId?: string;
}

/** Acts inside the caller's transaction. `resumes` is the approval being resumed, if any. */
export async function actIn(tx: Sql, engine: Engine, request: ActRequest, options: { approvals?: readonly Approval[]; resumes?: string } = {}): Promise<ActResult> {
  const now = engine.clock();
  const evaluation = await evaluate(tx, engine, request, "act", now, options.approvals);
  const { decision, run } = evaluation;

  let result: JsonRecord | undefined;
  let effect: AuditEffect | undefined;
  let wrote = false;
  if (decision.decision === "allow") {
    const prepared = prepareEffect(engine, evaluation);
    if (prepared !== undefined) {
      const entity = evaluation.entity ?? engine.bundle.entities[prepared.entity];
      if (entity === undefined) throw new PaybillRuntimeError("PBR120", `the effect's entity \`${prepared.entity}\` is not in the bundle`, "rebuild the bundle");
      const performed = await performEffect(tx, entity, evaluation.tenant.id, prepared, evaluation.resource);
      result = redact(performed.result, decision.redact);
      wrote = performed.wrote;
      effect = { op: prepared.op, entity: prepared.entity, key: performed.key ?? null };
    }
  }

  if (run !== undefined && evaluation.countsStep) {
    await tx.query("update paybill_runs set steps = steps + 1, writes = writes + $2, updated_at = $3 where id = $1", [run.id, wrote ? 1 : 0, now.toISOString()]);
  }

  const approvalId = decision.decision === "pending" ? randomUUID() : undefined;
  const approval = approvalId ?? options.resumes;
  const reasons = JSON.parse(JSON.stringify(decision.reasons)) as Reason[];
  const record = await appendAudit(
    tx,
    {
      tenant: evaluation.tenant.id,
      agent: request.agent,
      action: request.action,
      input: evaluation.input,
      decision: decision.decision,
      reasons,
      ...(run === undefined ? {} : { run: run.id }),
      ...(approval === undefined ? {} : { approval }),
      ...(effect === undefined ? {} : { effect: JSON.parse(JSON.stringify(effect)) as AuditEffect }),
    },
    { time: now },
  );
  if (approvalId !== undefined) {
    const group = decision.reasons.find((r): r is Extract<Reason, { kind: "approval" }> => r.kind === "approval")?.group ?? "";
    await recordApproval(tx, {
      id: approvalId,
      tenant: evaluation.tenant.id,
      ...(run === undefined ? {} : { run: run.id }),
      agent: request.agent,
      action: request.action,
      input: evaluation.input,
      group,
      auditId: record.id,
      time: now,
    });
  }
  return {
    decision: decision.decision,
    reasons: decision.reasons,
    ...(result === undefined ? {} : { result }),
    auditId: record.id,
    ...(approvalId === undefined ? {} : { approvalId }),
  };
}

function prepareEffect(engine: Engine, evaluation: Evaluation): PreparedEffect | undefined {
  try {
    return engine.decider.effect(evaluation.request);
  } catch (error) {
    throw new PaybillRuntimeError(
      "PBR120",
      `the effect of \`${evaluation.request.action}\` could not be prepared: ${error instanceof Error ? error.message : String(error)}`,
      "nothing was written or audited; check the action's effect expressions and the input",
      { cause: error },
    );
  }
}
