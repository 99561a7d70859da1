/**
 * Runs test cases through the runtime's decider: each case becomes one decision request —
 * the agent, its workflow state, the tenant (a static tenant of the bundle), the approvals,
 * and as `resource` the given row the action's effect keys — and its decision is compared
 * with the expectation: the same outcome, and every policy named after `by` among the
 * policies that decided it.
 *
 * Tests run on a fixed clock, TEST_TIME, so a result never depends on the day it runs.
 */
import { answerInMemory, type Bundle, type Decision, type DecisionRequest, type DeciderApi, type TenantFacts } from "@paybill/runtime";
import type { TestCase } from "./cases.js";
import { testUuid, withTestUuids } from "./values.js";

export const TEST_TIME = "2030-01-01T00:00:00.000Z";

export interface TestResult {
  readonly test: TestCase;
  readonly passed: boolean;
  readonly decision: Decision;
  /** Why it failed, in words. */
  readonly problem?: string;
}

export function runTests(bundle: Bundle, decider: DeciderApi, cases: readonly TestCase[]): TestResult[] {
  return cases.map((test) => runTest(bundle, decider, test));
}

export function runTest(bundle: Bundle, decider: DeciderApi, test: TestCase): TestResult {
  const request = requestOf(bundle, decider, test);
  const decision = decider.decide(request);
  const problem = compare(test, decision);
  return { test, passed: problem === undefined, decision, ...(problem === undefined ? {} : { problem }) };
}

function requestOf(bundle: Bundle, decider: DeciderApi, test: TestCase): DecisionRequest {
  const action = bundle.actions[test.action];
  const input = action === undefined ? test.input : withTestUuids(test.input, action.input);
  const base = {
    tenant: tenantFacts(bundle, test.tenant),
    agent: test.agent,
    action: test.action,
    input,
    approvals: test.approvals.map((group) => ({ group, by: "test", at: TEST_TIME })),
    time: TEST_TIME,
    // A test in a workflow decides as a fresh run: no untrusted output seen yet, so `untrusted(x)` is false (outside one it errs).
    ...(test.workflow === undefined ? {} : { workflow: { name: test.workflow.name, state: test.workflow.state ?? bundle.workflows[test.workflow.name]?.start ?? "" }, untrusted: [] }),
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
