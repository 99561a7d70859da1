/**
 * The one door every agent action goes through (DESIGN.md, Runtime): decide it, and in
 * the same transaction perform an allowed effect, advance the run's counters and append
 * the audit record; a denied or pending action is audited with its reasons (pending also
 * stores the approval it waits for). The tenant is bound to the transaction with
 * `set_config('paybill.tenant', …, true)` (evaluate.ts), so row-level security sees it.
 *
 * An allowed action ends with one statement (`finish`): a `with` clause takes the plan's
 * quota unit, performs the effect only if the unit was taken, counts the run's step and
 * appends the record only if the effect wrote, so the whole act is three round trips
 * (BEGIN with the role, the tenant's binding, its facts and the run; that statement;
 * COMMIT), one fewer than the bare SQL of its write. The tenant's quota counter and chain head are locked by that last statement
 * only, until the commit. A used-up quota appends the denial in a second statement. The
 * same statement adds a performed act to the totals that count it (`paybill_totals`,
 * quota/totals.ts), under the same guard; the opening statements locked and read them.
 *
 * A failed effect rolls everything back (no row, no step, no quota) and throws an
 * `EffectFailure` carrying the record of the failed attempt, which the runtime appends
 * after the rollback (failed-attempt.ts) before throwing PBR120 with its id.
 *
 * What a record keeps of the input is audit/input-record.ts's: `@secret` and `@pii` input
 * fields masked (in the approval too), a denied input bounded; reasons and names are kept
 * as storable text (request-text.ts).
 */
import { randomUUID } from "node:crypto";
import { appendAudit, appendCtes, createHead } from "../audit/append.js";
import type { AuditEffect, AuditEntry, AuditRecord } from "../audit/record.js";
import type { PreparedEffect } from "../decide/decider-api.js";
import { auditInput, maskedFields, maskInput } from "../audit/input-record.js";
import type { Approval, Decision, Outcome, Reason } from "../decide/request.js";
import { ACTION_QUOTA, consumeQuota, quotaCte, quotaExhausted } from "../quota/quota.js";
import { actionTotals, totalsCte } from "../quota/totals.js";
import type { Sql } from "../store/adapter.js";
import { effectFailed, type JsonRecord, performEffect, redact, writeStatement } from "../store/effects.js";
import { PaybillRuntimeError } from "../store/errors.js";
import { Params } from "../store/sql.js";
import { approvalExpiry } from "./approval-expiry.js";
import { recordApproval } from "./approvals.js";
import { expireRunIn, expiryDue } from "./expiry.js";
import { type ActRequest, type Engine, type Evaluation, evaluate, type Opened } from "./evaluate.js";
import { EffectFailure, failedReasons } from "./failed-attempt.js";
import { type Perform, performanceCte } from "./performances.js";
import { readOverflow, untrustedCounted, untrustedCte, untrustedValues } from "./provenance.js";
import { storableJson, storableText } from "./request-text.js";

export interface ActResult {
  readonly decision: Outcome;
  readonly reasons: readonly Reason[];
  /** For an allowed action with an effect: the row read (redacted), or the key and values written. */
  readonly result?: JsonRecord;
  /** The audit record of this decision. */
  readonly auditId: string;
  /** For `pending`: the approval to grant or reject, then resume. */
  readonly approvalId?: string;
  /** For an allowed host action (`effect host`): what the host performs, then reports with `perform.id`. */
  readonly perform?: Perform;
}

/** Acts inside the caller's transaction. `resumes` is the approval being resumed, if any. */
export async function actIn(
  tx: Sql,
  engine: Engine,
  request: ActRequest,
  options: { approvals?: readonly Approval[]; resumes?: string; opened?: Opened; now?: Date; observe?: (evaluation: Evaluation) => void } = {},
): Promise<ActResult> {
  // The time the opening statements' windows were taken at, when they read totals.
  const now = options.now ?? engine.clock();
  const evaluation = await evaluate(tx, engine, request, "act", now, options.approvals, options.opened);
  // The caller's telemetry reads the run and quota the act was decided with (runtime.ts).
  options.observe?.(evaluation);
  // A run past its state's timeout is expired here, before its denial is recorded (expiry.ts).
  if (evaluation.run !== undefined && expiryDue(evaluation.run, now)) await expireRunIn(tx, engine.bundle, evaluation.run, now);
  const tenant = evaluation.tenant.id;
  let decision = evaluation.decision;
  const approvalId = decision.decision === "pending" ? randomUUID() : undefined;
  const action = engine.bundle.actions[request.action];
  const entry = (decided: { decision: Outcome; reasons: readonly unknown[] }, effect?: AuditEffect): AuditEntry => {
    const approval = approvalId ?? options.resumes;
    return {
      tenant,
      agent: storableText(String(request.agent)),
      action: storableText(String(request.action)),
      input: auditInput(evaluation.input, action, decided.decision, engine.auditKey),
      decision: decided.decision,
      reasons: storableJson(JSON.parse(JSON.stringify(decided.reasons)) as unknown[]),
      ...(evaluation.run === undefined ? {} : { run: evaluation.run.id }),
      ...(approval === undefined ? {} : { approval }),
      ...(effect === undefined ? {} : { effect: JSON.parse(JSON.stringify(effect)) as AuditEffect }),
    };
  };

  if (decision.decision === "allow") {
    const allowed = decision;
    let refusal: string | undefined;
    // A read whose untrusted values would pass the run's cap (provenance.ts): refused as its budget.
    let overflow: string | undefined;
    try {
      const prepared = prepareEffect(engine, evaluation);
      const entity = prepared === undefined ? undefined : (evaluation.entity ?? engine.bundle.entities[prepared.entity]);
      if (prepared !== undefined && entity === undefined) {
        throw new PaybillRuntimeError("PBR120", `the effect's entity \`${prepared.entity}\` is not in the bundle`, "rebuild the bundle");
      }
      const params = new Params();
      const ctes: string[] = [];
      let guard: string | undefined;
      if (evaluation.quota !== undefined) {
        const quota = quotaCte(params, tenant, ACTION_QUOTA, evaluation.quota, now);
        if ("sql" in quota) {
          ctes.push(`paybill_quota as (${quota.sql})`);
          guard = "exists (select 1 from paybill_quota)";
        } else if (!quota.ok) refusal = quota.message;
      }
      if (refusal === undefined) {
        const write = prepared === undefined || entity === undefined ? undefined : writeStatement(params, entity, tenant, prepared, guard);
        if (write === undefined && prepared !== undefined && entity !== undefined && prepared.op !== "read") {
          // A write the one statement cannot do (a key only the database knows): quota, effect and record one after the other.
          const taken = evaluation.quota === undefined ? undefined : await consumeQuota(tx, tenant, ACTION_QUOTA, evaluation.quota, now);
          if (taken !== undefined && !taken.ok) refusal = taken.message;
          else {
            const performed = await performEffect(tx, entity, tenant, prepared, evaluation.resource);
            const effect = { op: prepared.op, entity: prepared.entity, key: performed.key ?? null };
            const late = new Params();
            const { record } = await finish(tx, late, addTotals(late, engine, evaluation, undefined, now), undefined, entry(allowed, effect), evaluation, performed.wrote, now);
            if (record === undefined) throw new Error("the act's statement appended no audit record");
            return result(allowed, record, redact(performed.result, allowed.redact));
          }
        } else {
          // One statement: the quota unit, the effect (only with the unit), the run's step and the record (only with the effect).
          if (write !== undefined) {
            ctes.push(`paybill_effect as (${write.sql})`);
            guard = "exists (select 1 from paybill_effect)";
          }
          ctes.push(...addTotals(params, engine, evaluation, guard, now));
          // A host effect: the act's record id names the performance the host reports on (performances.ts).
          const host = action?.host === true ? { id: randomUUID(), action: request.action, input: evaluation.input } : undefined;
          if (host !== undefined) {
            const input = auditInput(evaluation.input, action, "allow", engine.auditKey);
            const run = evaluation.run?.id;
            ctes.push(performanceCte(params, { tenant, id: host.id, action: host.action, agent: String(request.agent), ...(run === undefined ? {} : { run }), input, time: now }, guard));
          }
          const read = prepared !== undefined && entity !== undefined && prepared.op === "read" ? await performEffect(tx, entity, tenant, prepared, evaluation.resource) : undefined;
          // In a run, the `@untrusted` values the read hands the agent are remembered, in this same statement (provenance.ts).
          if (read !== undefined && entity !== undefined && evaluation.run !== undefined) {
            // A list read (`read many`) hands the agent every row it returns: each row's values are remembered.
            const rows = prepared?.many !== undefined && Array.isArray(read.result?.["rows"]) ? (read.result["rows"] as JsonRecord[]) : [read.result];
            const values = rows.flatMap((row) => untrustedValues(entity, row, allowed.redact));
            // Past the run's cap the read is denied (nothing handed over), never recorded in part.
            overflow = await readOverflow(tx, tenant, evaluation.run, values, evaluation.request.untrusted);
            const observed = overflow === undefined ? untrustedCte(params, tenant, evaluation.run.id, `read ${String(request.action)}`, values, now, guard) : undefined;
            if (observed !== undefined) ctes.push(observed);
          }
          if (overflow !== undefined) refusal = overflow;
          else {
            const effect =
              host !== undefined
                ? { op: "host", entity: host.action, key: host.id }
                : prepared === undefined
                  ? undefined
                  : { op: prepared.op, entity: prepared.entity, key: (write === undefined ? read?.key : write.key) ?? null };
            let finished: Finished;
            try {
              finished = await finish(tx, params, ctes, guard, entry(allowed, effect), evaluation, write !== undefined || host !== undefined, now, host?.id);
            } catch (error) {
              if (prepared !== undefined && entity !== undefined && write !== undefined) throw effectFailed(entity, prepared, error);
              throw error;
            }
            if (finished.quotaTaken === false && evaluation.quota !== undefined) refusal = quotaExhausted(ACTION_QUOTA, evaluation.quota, now);
            else {
              const performed = write === undefined ? read : write.performed(finished.written === true);
              if (finished.record === undefined) throw new Error("the act's statement appended no audit record");
              const done = result(allowed, finished.record, redact(performed?.result, allowed.redact, prepared?.many !== undefined));
              return host === undefined ? done : { ...done, perform: { ...host, input: JSON.parse(JSON.stringify(host.input)) as JsonRecord } };
            }
          }
        }
      }
    } catch (error) {
      // The effect failed: the transaction rolls back, and the runtime records the attempt after it.
      if (error instanceof PaybillRuntimeError && error.code === "PBR120") {
        throw new EffectFailure(error, entry({ decision: "deny", reasons: failedReasons(error, allowed.reasons) }));
      }
      throw error;
    }
    decision = { decision: "deny", reasons: [{ kind: overflow === undefined ? "quota" : "budget", message: refusal ?? "" }] };
  }

  const { record } = await finish(tx, new Params(), [], undefined, entry(decision), evaluation, false, now);
  if (record === undefined) throw new Error("the act's statement appended no audit record");
  if (approvalId !== undefined) {
    const group = decision.reasons.find((r): r is Extract<Reason, { kind: "approval" }> => r.kind === "approval")?.group ?? "";
    await recordApproval(tx, {
      id: approvalId,
      tenant,
      ...(evaluation.run === undefined ? {} : { run: evaluation.run.id }),
      agent: request.agent,
      action: request.action,
      input: maskInput(evaluation.input, maskedFields(action), engine.auditKey),
      group,
      auditId: record.id,
      time: now,
      ...expiring(approvalExpiry(engine.bundle, decision.reasons, now)),
    });
  }
  return result(decision, record, undefined, approvalId);
}

interface Finished {
  /** Undefined when the guard held the record back. */
  readonly record?: AuditRecord;
  /** Whether the quota unit was taken (undefined without a quota). */
  readonly quotaTaken?: boolean;
  /** Whether the effect wrote its row (undefined without a write). */
  readonly written?: boolean;
}

/**
 * The statement that ends an act: `ctes` (the quota, the effect), the run's step and the
 * audit append, the last two only when `guard` holds. A tenant's first record finds no
 * chain head: the head is created and the record appended in a second statement.
 */
async function finish(tx: Sql, params: Params, ctes: string[], guard: string | undefined, audited: AuditEntry, evaluation: Evaluation, wrote: boolean, now: Date, id?: string): Promise<Finished> {
  const all = [...ctes];
  // A read's untrusted values recorded by `ctes`: the run's counters add them (provenance.ts).
  const counted = ctes.some((c) => c.startsWith("paybill_untrusted_read "));
  if (evaluation.run !== undefined && evaluation.countsStep) {
    all.push(
      `paybill_step as (update paybill_runs set steps = steps + 1, writes = writes + ${params.add(wrote ? 1 : 0)}, updated_at = ${params.add(now.toISOString())}` +
        `${counted ? `, ${untrustedCounted("paybill_untrusted_read")}` : ""} where id = ${params.add(evaluation.run.id)}${guard === undefined ? "" : ` and ${guard}`})`,
    );
  } else if (evaluation.run !== undefined && counted) {
    // One update of the run's row per statement (PostgreSQL applies only one): here the counters alone.
    all.push(`paybill_untrusted_counted as (update paybill_runs set ${untrustedCounted("paybill_untrusted_read")} where id = ${params.add(evaluation.run.id)})`);
  }
  const append = appendCtes(params, audited, guard, { time: now, ...(id === undefined ? {} : { id }) });
  all.push(...append.ctes);
  const columns = [
    `${append.appended} as paybill_appended`,
    ...(ctes.some((c) => c.startsWith("paybill_quota ")) ? ["exists (select 1 from paybill_quota) as paybill_quota_taken"] : []),
    ...(ctes.some((c) => c.startsWith("paybill_effect ")) ? ["exists (select 1 from paybill_effect) as paybill_written"] : []),
  ];
  const [row] = await tx.query(`with ${all.join(", ")} select ${columns.join(", ")}`, params.values, { prepared: true });
  const finished: Finished = {
    ...(row !== undefined && "paybill_quota_taken" in row ? { quotaTaken: row["paybill_quota_taken"] === true } : {}),
    ...(row !== undefined && "paybill_written" in row ? { written: row["paybill_written"] === true } : {}),
  };
  const record = append.record(row?.["paybill_appended"]);
  if (record !== undefined) return { ...finished, record };
  // Held back by the guard: the caller says what went wrong.
  if (finished.quotaTaken === false || finished.written === false) return finished;
  await createHead(tx, audited.tenant);
  return { ...finished, record: await appendAudit(tx, audited, { time: now, ...(id === undefined ? {} : { id }) }) };
}

/** The CTE adding a performed act to the counters that count it (quota/totals.ts), when guard holds; none when no counter does. */
function addTotals(params: Params, engine: Engine, evaluation: Evaluation, guard: string | undefined, now: Date): string[] {
  const adds = actionTotals(engine.bundle, evaluation.request.action)?.adds ?? [];
  return adds.length === 0 ? [] : [totalsCte(params, evaluation.tenant.id, adds, evaluation.request.input, now, guard)];
}

const expiring = (at: Date | undefined): { expiresAt?: Date } => (at === undefined ? {} : { expiresAt: at });

function result(decision: Decision, record: AuditRecord, output?: JsonRecord, approvalId?: string): ActResult {
  return {
    decision: decision.decision,
    reasons: decision.reasons,
    ...(output === undefined ? {} : { result: output }),
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
