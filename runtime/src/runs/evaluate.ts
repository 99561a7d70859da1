/**
 * What act and decide share: given a request from the host, load what the decision needs
 * (tenant facts, the run and its budget left, the resource row, tenant-scoped) and decide
 * it, in the order of DESIGN.md's act path. A tenant that is not `active` (its state read
 * with its facts) is denied first, with a `tenant` reason naming the state. Budget and
 * deadline (and the current state's timeout) are checked here, before the decider (the run row is locked for act, so
 * concurrent acts see each other's counts); the quota is checked (decide) or handed to act
 * to take (act) only once the decider allowed.
 *
 * Nothing here writes: act takes the quota unit itself (act.ts), in the statement that
 * performs the effect, and adds to the totals there. The totals an action's policies read
 * (`context.totals`) are read with the tenant's facts, after act locked them
 * (quota/totals.ts).
 */
import type { Bundle, EntitySchema, Quantity } from "../bundle/format.js";
import type { DeciderApi } from "../decide/decider-api.js";
import type { Approval, Decision, DecisionRequest, Reason, TenantFacts } from "../decide/request.js";
import { ACTION_QUOTA, checkQuota, planLimit } from "../quota/quota.js";
import { actionTotals, type Counter, readTotals, type TotalValues, totalsColumn, totalsLockSql, totalValues } from "../quota/totals.js";
import type { PreparedOpening, Row, Sql, TransactionOptions } from "../store/adapter.js";
import { type JsonRecord, loadRow } from "../store/effects.js";
import { type BoundTenant, bindTenant, bindTenantOpening, bindTenantPrepared, boundTenant } from "../store/tenants.js";
import { isUuid } from "../store/sql.js";
import { type InputJson, inputJson, requireStorableTenant, textProblem } from "./request-text.js";
import { timedOut } from "./expiry.js";
import { answerLookups, type OpeningLookups, openingLookups } from "./lookups.js";
import { budgetLeft, type Run, runFromRow } from "./run.js";
import { unknownRun, unknownTenant } from "./runs.js";

/** An agent's action as the host service passes it on. */
export interface ActRequest {
  readonly tenant: string;
  readonly agent: string;
  readonly action: string;
  readonly input: Readonly<Record<string, unknown>>;
  /** The workflow run the action belongs to (its id from `runs.start`). */
  readonly run?: string;
}

export interface Engine {
  readonly bundle: Bundle;
  readonly decider: DeciderApi;
  readonly clock: () => Date;
  /** The HMAC key for masked inputs in the audit and approvals (audit/input-record.ts); `"***"` without one. */
  readonly auditKey?: Uint8Array;
}

export interface Evaluation {
  readonly decision: Decision;
  readonly request: DecisionRequest;
  readonly tenant: TenantFacts;
  readonly run?: Run;
  readonly entity?: EntitySchema;
  readonly resource?: JsonRecord;
  /** The input as stored JSON (what the audit record keeps, masked and, when denied, bounded). */
  readonly input: JsonRecord;
  /** Whether the run spends a step on this request (not when refused for its budget). */
  readonly countsStep: boolean;
  /** For an allowed act: the plan's `agent_actions` limit, one unit of which the act must take (or be denied). */
  readonly quota?: Quantity;
}

/** The tenant's facts and run, and the foldable lookups' answers, as the transaction's opening statement read them (`evaluationOpening`). */
export interface Opened {
  readonly bound: BoundTenant | undefined;
  /** The answers of the lookups asked in the opening (runs/lookups.ts `openingLookups`), by key. */
  readonly lookups?: Readonly<Record<string, boolean>>;
}

/**
 * The opening statement and how to read its rows (`openedBy`): the common one (no lookups,
 * no totals) prepared once per connection, any other written out with its values.
 */
export interface EvaluationOpening {
  readonly statement?: string;
  readonly prepared?: PreparedOpening;
  readonly lookups?: OpeningLookups;
}

/** The transaction options sending `opening` with BEGIN (after `before`, a statement of the caller's). */
export function openingOptions(opening: EvaluationOpening | undefined, before?: string): TransactionOptions {
  const statement = [before, opening?.statement].filter((s) => s !== undefined).join("; ");
  return { ...(statement === "" ? {} : { opening: statement }), ...(opening?.prepared === undefined ? {} : { prepared: opening.prepared }) };
}

/**
 * The statement binding the request's tenant and reading its facts and run, and answering
 * the lookups computable from the request alone, for the caller to send with BEGIN
 * (adapter.ts `opening`; `openedBy` reads its rows); undefined when the request names a
 * tenant or run no statement may hold (evaluate refuses it then).
 */
export function evaluationOpening(engine: Engine, request: ActRequest, mode: "act" | "decide", now?: Date): EvaluationOpening | undefined {
  if (typeof request.tenant !== "string" || textProblem(request.tenant) !== undefined) return undefined;
  if (request.run !== undefined && !isUuid(request.run)) return undefined;
  const run = request.run === undefined ? undefined : { id: request.run, lock: mode === "act", untrusted: readsUntrusted(engine.decider, request) };
  const lookups = foldedLookups(engine, request);
  // An action whose acts read or add to totals: act locks them first, then the binding statement reads them (quota/totals.ts).
  const touched = now === undefined ? undefined : touchedBy(engine.bundle, request);
  const columns = [...(lookups?.columns ?? []), ...(touched === undefined || now === undefined ? [] : [totalsColumn(touched, now)])];
  if (columns.length === 0) return { prepared: bindTenantPrepared(request.tenant, run) };
  const bind = bindTenantOpening(request.tenant, run, columns);
  const statement = touched !== undefined && now !== undefined && mode === "act" ? `${totalsLockSql(request.tenant, touched, now)}; ${bind}` : bind;
  return { statement, ...(lookups === undefined ? {} : { lookups }) };
}

function touchedBy(bundle: Bundle, request: ActRequest): readonly Counter[] | undefined {
  return typeof request.action === "string" ? actionTotals(bundle, request.action)?.touched : undefined;
}

export function openedBy(opening: EvaluationOpening | undefined, rows: readonly Row[]): Opened | undefined {
  if (opening === undefined) return undefined;
  return { bound: boundTenant(rows), ...(opening.lookups === undefined ? {} : { lookups: opening.lookups.answers(rows) }) };
}

/** Whether the request's policies call `untrusted()`, so its run's recorded values are read with the run. */
function readsUntrusted(decider: DeciderApi | undefined, request: ActRequest): boolean {
  return typeof request.agent === "string" && typeof request.action === "string" && decider?.usesUntrusted?.(request.agent, request.action) === true;
}

/** The request's foldable lookups as opening columns; undefined when there are none (or the request is not JSON the decider reads). */
function foldedLookups(engine: Engine, request: ActRequest): OpeningLookups | undefined {
  if (!hasLookups(engine.bundle) || typeof request.agent !== "string" || typeof request.action !== "string") return undefined;
  const json = inputJson(request.input);
  if (!json.ok) return undefined;
  const queries = engine.decider.foldedLookups({ agent: request.agent, action: request.action, input: json.value, tenant: request.tenant });
  return queries.length === 0 ? undefined : openingLookups(engine.bundle, queries);
}

const LOOKUPS = new WeakMap<Bundle, boolean>();

/** Whether any rule of the bundle has a lookup (a bundle without spends nothing on them). */
function hasLookups(bundle: Bundle): boolean {
  let has = LOOKUPS.get(bundle);
  if (has === undefined) {
    has = bundle.policies.some((policy) => policy.rules.some((rule) => rule.lookups !== undefined));
    LOOKUPS.set(bundle, has);
  }
  return has;
}

export async function evaluate(
  sql: Sql,
  engine: Engine,
  request: ActRequest,
  mode: "act" | "decide",
  now: Date,
  approvals: readonly Approval[] = [],
  opened?: Opened,
): Promise<Evaluation> {
  // A tenant id the database cannot hold names no tenant and no chain to audit in: refused, nothing written.
  requireStorableTenant(request.tenant);
  // A run id the database cannot hold is an input error of the request (audited without the run).
  const runProblem = typeof request.run === "string" ? textProblem(request.run) : undefined;
  const runId = runProblem === undefined ? request.run : undefined;
  // Binds the transaction to the tenant (`paybill.tenant`) as it reads its facts and the run (locked for act): one round trip.
  if (runId !== undefined && !isUuid(runId)) {
    if ((await bindTenant(sql, request.tenant)) === undefined) throw unknownTenant(request.tenant);
    throw unknownRun(runId);
  }
  const touched = touchedBy(engine.bundle, request);
  // Without the opening statements, act takes the totals' locks before the run's, in the opening's order.
  const lockedFirst = opened === undefined && touched !== undefined && mode === "act";
  if (lockedFirst) await sql.query(totalsLockSql(request.tenant, touched, now));
  const bound = opened !== undefined ? opened.bound : await bindTenant(sql, request.tenant, runId === undefined ? undefined : { id: runId, lock: mode === "act", untrusted: readsUntrusted(engine.decider, request) });
  if (bound === undefined) throw unknownTenant(request.tenant);
  const tenant = bound.tenant;
  let totals: TotalValues | undefined;
  if (touched !== undefined) {
    totals = "paybill_totals" in bound.row ? totalValues(bound.row["paybill_totals"], touched) : await readTotals(sql, tenant.id, touched, now, mode === "act" && !lockedFirst);
  }
  let run: Run | undefined;
  if (runId !== undefined) {
    run = bound.run === undefined ? undefined : runFromRow(bound.run);
    if (run === undefined || run.tenant !== tenant.id) throw unknownRun(runId);
  }
  const json = requestJson(request, runProblem);
  // Every member written, absent ones as undefined: one object shape for every request, which
  // the decider reads many times (a request built with conditional spreads took it ~1.7× as long).
  const base: DecisionRequest = {
    tenant,
    agent: request.agent,
    action: request.action,
    input: json.ok ? json.value : {},
    resource: undefined,
    time: now,
    approvals,
    workflow: run === undefined ? undefined : { name: run.workflow, state: run.state },
    budget: run === undefined ? undefined : budgetLeft(run),
    totals,
    runContext: run?.context,
    // Read only when a condition calls `untrusted()` (readsUntrusted); outside a run `untrusted()` errs.
    untrusted: run === undefined ? undefined : bound.untrusted,
    lookups: undefined,
  };
  const done = (decision: Decision, countsStep: boolean, extra: Partial<Evaluation> = {}): Evaluation => ({
    decision,
    request: base,
    tenant,
    input: json.ok ? json.stored : {},
    countsStep,
    ...(run === undefined ? {} : { run }),
    ...extra,
  });

  // Only an active tenant's agents act: suspended, provisioning or offboarded tenants are refused before anything else is looked at.
  if (tenant.state !== "active") return done(deny({ kind: "tenant", state: tenant.state, message: `tenant \`${tenant.id}\` is ${tenant.state}` }), false);
  if (!json.ok) return done(deny({ kind: "input", message: json.message, path: json.path }), true);
  if (run !== undefined) {
    const refusal = budgetRefusal(engine.bundle, run, request, now);
    if (refusal !== undefined) return done(deny(refusal), false);
  }

  let entity: EntitySchema | undefined;
  let resource: JsonRecord | undefined;
  const target = engine.decider.resourceKey(base);
  if (target !== undefined) {
    entity = engine.bundle.entities[target.entity];
    const op = engine.bundle.actions[request.action]?.effect?.op;
    const lock = mode === "act" && (op === "update" || op === "delete");
    resource = entity === undefined ? undefined : await loadRow(sql, entity, tenant.id, target.key, lock);
    if (resource === undefined) {
      const message = `there is no \`${target.entity}\` \`${String(target.key)}\` in tenant \`${tenant.id}\``;
      return done(deny({ kind: "unknown", message }), true, entity === undefined ? {} : { entity });
    }
  }
  // Lookups: those the opening answered, and the rest in one statement, in the tenant (runs/lookups.ts).
  const folded = opened?.lookups;
  const queries = engine.decider.lookups(base).filter((query) => folded?.[query.key] === undefined);
  const lookups = queries.length === 0 ? folded : { ...folded, ...(await answerLookups(sql, engine.bundle, tenant.id, queries)) };
  const request2: DecisionRequest = withRead(base, resource, lookups);
  let decision = engine.decider.decide(request2);
  let quota: Quantity | undefined;
  if (decision.decision === "allow") {
    const limit = planLimit(engine.bundle, tenant.plan, ACTION_QUOTA);
    // act takes the unit itself, in the statement that performs the effect.
    if (limit !== undefined && mode === "act") quota = limit;
    else if (limit !== undefined) {
      const check = await checkQuota(sql, tenant.id, ACTION_QUOTA, limit, now);
      if (!check.ok) decision = deny({ kind: "quota", message: check.message });
    }
  }
  const extra = { ...(entity === undefined ? {} : { entity }), ...(resource === undefined ? {} : { resource }), ...(quota === undefined ? {} : { quota }) };
  return { ...done(decision, true, extra), request: request2 };
}

/** `base` with the row read and the lookups' answers, in the same shape (see `evaluate`). */
function withRead(base: DecisionRequest, resource: JsonRecord | undefined, lookups: DecisionRequest["lookups"]): DecisionRequest {
  return {
    tenant: base.tenant,
    agent: base.agent,
    action: base.action,
    input: base.input,
    resource,
    time: base.time,
    approvals: base.approvals,
    workflow: base.workflow,
    budget: base.budget,
    totals: base.totals,
    runContext: base.runContext,
    untrusted: base.untrusted,
    lookups,
  };
}

function budgetRefusal(bundle: Bundle, run: Run, request: ActRequest, now: Date): Reason | undefined {
  if (run.agent !== request.agent) {
    return { kind: "workflow", message: `run \`${run.id}\` belongs to agent \`${run.agent}\`, not \`${request.agent}\`` };
  }
  // A run past its state's timeout acts no more (act records the expiry: expiry.ts).
  const expired = timedOut(run, now);
  if (expired !== undefined) return { kind: "workflow", message: expired };
  if (run.budget.deadline !== undefined && now.getTime() >= Date.parse(run.budget.deadline)) {
    return { kind: "deadline", message: `run \`${run.id}\` passed its deadline at ${run.budget.deadline}` };
  }
  if (run.budget.steps !== undefined && run.steps >= run.budget.steps) {
    return { kind: "budget", message: `run \`${run.id}\` used all ${run.budget.steps} of its steps` };
  }
  const op = bundle.actions[request.action]?.effect?.op;
  // A host effect (an external payment, an email) counts as a write.
  const writes = op === "insert" || op === "update" || op === "delete" || bundle.actions[request.action]?.host === true;
  if (writes && run.budget.writes !== undefined && run.writes >= run.budget.writes) {
    return { kind: "budget", message: `run \`${run.id}\` used all ${run.budget.writes} of its writes` };
  }
  return undefined;
}

function deny(reason: Reason): Decision {
  return { decision: "deny", reasons: [reason] };
}

/**
 * The request's strings and input as they will be stored (request-text.ts): a NUL or a lone
 * surrogate in the agent, the action, the run id or anywhere in the input (keys included)
 * is an input error, decided and audited like any other.
 */
function requestJson(request: ActRequest, runProblem: string | undefined): InputJson {
  if (runProblem !== undefined) return { ok: false, message: `the run id contains ${runProblem}, which cannot be stored`, path: "run" };
  for (const name of ["agent", "action"] as const) {
    const value: unknown = request[name];
    if (typeof value !== "string") return { ok: false, message: `the ${name} must be a string`, path: name };
    const problem = textProblem(value);
    if (problem !== undefined) return { ok: false, message: `the ${name} contains ${problem}, which cannot be stored`, path: name };
  }
  return inputJson(request.input);
}
