/**
 * Runs test cases through the runtime's decider: each case becomes one decision request —
 * the agent, its workflow state, the tenant (a static tenant of the bundle), the approvals,
 * and as `resource` the given row the action's effect keys; in a workflow, the run's context
 * (`given context`, checked as `runs.start` checks it) and the untrusted values it has seen
 * (`given untrusted`, normalised as the runtime records them) — and its decision is compared
 * with the expectation: the same outcome, and every policy named after `by` among the
 * policies that decided it. A context the runtime would refuse fails the test undecided.
 *
 * Tests run on a fixed clock, TEST_TIME, so a result never depends on the day it runs.
 */
import {
  answerInMemory,
  type Bundle,
  checkRunContext,
  type Decision,
  type DecisionRequest,
  type DeciderApi,
  type EvaluatedRule,
  normaliseUntrusted,
  PaybillRuntimeError,
  type TenantFacts,
  type TracedDecision,
  type TraceOptions,
} from "@paybill/runtime";
import type { TestCase } from "./cases.js";
import { testUuid, withTestUuids } from "./values.js";

export const TEST_TIME = "2030-01-01T00:00:00.000Z";

export interface TestResult {
  readonly test: TestCase;
  readonly passed: boolean;
  /** Absent when no decision was asked: the run could not start (its given context is refused). */
  readonly decision?: Decision;
  /** With `trace`: the rules the decision evaluated (decider `decideTraced`). */
  readonly evaluated?: readonly EvaluatedRule[];
  /** Why it failed, in words. */
  readonly problem?: string;
}

export interface RunOptions {
  /** Ask the decider which rules each decision evaluated (for coverage); it must support `decideTraced`. */
  readonly trace?: boolean;
  /** With `trace`: conditions whose operands are followed one by one too (coverage.ts `operandChains`). */
  readonly operands?: TraceOptions["operands"];
}

export function runTests(bundle: Bundle, decider: DeciderApi, cases: readonly TestCase[], options: RunOptions = {}): TestResult[] {
  return cases.map((test) => runTest(bundle, decider, test, options));
}

export function runTest(bundle: Bundle, decider: DeciderApi, test: TestCase, options: RunOptions = {}): TestResult {
  const run = runOf(bundle, test);
  if (!run.ok) return { test, passed: false, problem: run.problem, ...(options.trace === true ? { evaluated: [] } : {}) };
  const request = requestOf(bundle, decider, test, run.facts);
  const traced = options.trace === true ? traceOf(decider, request, options) : undefined;
  const decision = traced?.decision ?? decider.decide(request);
  const problem = compare(test, decision);
  return { test, passed: problem === undefined, decision, ...(traced === undefined ? {} : { evaluated: traced.evaluated }), ...(problem === undefined ? {} : { problem }) };
}

function traceOf(decider: DeciderApi, request: DecisionRequest, options: RunOptions): TracedDecision {
  if (decider.decideTraced === undefined) throw new Error("internal error: this decider cannot say which rules it evaluated");
  return decider.decideTraced(request, options.operands === undefined ? {} : { operands: options.operands });
}

type RunFacts = Pick<DecisionRequest, "workflow" | "runContext" | "untrusted">;

/**
 * The run a test decides in: none without `in`; else its workflow state, its context and
 * its untrusted values. Without `given context` the run has no context (`run` is unset:
 * `run.context.x` errs and `from_context` is false), as in a run of a workflow that declares
 * none; a context is checked as `runs.start` checks it (the checker caught what it can see).
 * Without `given untrusted` the run is fresh: `untrusted(x)` is false (outside a run it errs).
 */
function runOf(bundle: Bundle, test: TestCase): { ok: true; facts: RunFacts } | { ok: false; problem: string } {
  if (test.workflow === undefined) return { ok: true, facts: {} };
  const spec = bundle.workflows[test.workflow.name];
  const workflow = { name: test.workflow.name, state: test.workflow.state ?? spec?.start ?? "" };
  // Normalised as the runtime records them (runs/provenance.ts drops the empty string too).
  const untrusted = test.untrusted.flatMap((value) => normaliseUntrusted(value) ?? []).filter((v) => v !== "");
  if (test.context === undefined || spec === undefined) return { ok: true, facts: { workflow, untrusted } };
  try {
    const context = checkRunContext(spec, withTestUuids(test.context, spec.context ?? []));
    return { ok: true, facts: { workflow, untrusted, ...(context === undefined ? {} : { runContext: context.stored }) } };
  } catch (e) {
    if (!(e instanceof PaybillRuntimeError)) throw e;
    return { ok: false, problem: `the run cannot start: ${e.message} (${e.code})` };
  }
}

function requestOf(bundle: Bundle, decider: DeciderApi, test: TestCase, run: RunFacts): DecisionRequest {
  const action = bundle.actions[test.action];
  const input = action === undefined ? test.input : withTestUuids(test.input, action.input);
  const base = {
    tenant: tenantFacts(bundle, test.tenant),
    agent: test.agent,
    action: test.action,
    input,
    approvals: test.approvals.map((group) => ({ group, by: "test", at: TEST_TIME })),
    time: TEST_TIME,
    ...run,
  };
  const rowsOf = (name: string): Readonly<Record<string, unknown>>[] => {
    const entity = bundle.entities[name];
    return test.rows.filter((r) => r.entity === name).map((r) => (entity === undefined ? r.record : withTestUuids(r.record, entity.fields)));
  };
  // Lookups are answered from the `given` rows, as the runtime answers them from the tenant's.
  const queries = decider.lookups(base);
  const lookups = queries.length === 0 ? {} : { lookups: Object.fromEntries(queries.map((q) => [q.key, answerInMemory(q, rowsOf(q.entity))])) };
  const key = decider.resourceKey(base);
  if (key === undefined) return { ...base, ...lookups };
  const entity = bundle.entities[key.entity];
  const rows = rowsOf(key.entity);
  const keyField = entity?.key ?? "id";
  const wanted = typeof key.key === "string" ? testUuid(key.key) : key.key;
  const resource = rows.find((row) => row[keyField] === wanted) ?? null;
  return { ...base, resource, ...lookups };
}

/** A static tenant of the bundle, active; without `tenant`, a tenant on no plan. */
export function tenantFacts(bundle: Bundle, name: string | undefined): TenantFacts {
  if (name === undefined) return { id: "test", plan: "", state: "active" };
  const tenant = bundle.tenants[name];
  return { id: name, plan: tenant?.plan ?? "", state: "active", ...(tenant?.region === undefined ? {} : { region: tenant.region }) };
}

function compare(test: TestCase, decision: Decision): string | undefined {
  const deciders = decidingPolicies(decision);
  const missing = test.expect.by.filter((p) => !deciders.includes(p));
  if (decision.decision === test.expect.decision && missing.length === 0) return undefined;
  const by = test.expect.by.length === 0 ? "" : ` by ${test.expect.by.map((p) => `\`${p}\``).join(", ")}`;
  return `expected ${test.expect.decision}${by}, got ${describe(decision)}`;
}

/** The policies behind a decision, sorted, each once. */
export function decidingPolicies(decision: Decision): string[] {
  const names = new Set<string>();
  for (const r of decision.reasons) if (r.kind === "permit" || r.kind === "forbid" || r.kind === "error" || r.kind === "cost") names.add(r.policy);
  return [...names].sort();
}

/** `deny by x, y`, or `deny (the action is not allowed in state resolve)`. */
export function describe(decision: Decision): string {
  const policies = decidingPolicies(decision);
  if (policies.length > 0) return `${decision.decision} by ${policies.map((p) => `\`${p}\``).join(", ")}`;
  const first = decision.reasons[0];
  return first !== undefined && "message" in first ? `${decision.decision} (${first.message})` : decision.decision;
}
