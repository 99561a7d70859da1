/**
 * The CEL values of a request besides `input` and `resource` (spec/language.md §8.4):
 * `principal`, `action` and each plan's `features` and `limits` are built once at load;
 * `tenant` is kept per tenant id while its facts stay the same; `context` is built per
 * request, and only when some applicable expression names it.
 *
 * A `time` or approval `at` that is not a timestamp is a RecordError (path `time`,
 * `approvals[0].at`), reported as an `input` reason.
 */
import type { Bundle } from "../bundle/format.js";
import type { DecisionRequest, TenantFacts } from "./request.js";
import { RecordError } from "./records.js";

type CelRecord = Readonly<Record<string, unknown>>;

interface PlanFacts {
  readonly features: readonly string[];
  readonly limits: CelRecord;
}

interface TenantEntry {
  readonly plan: string;
  readonly state: string;
  readonly region: string | undefined;
  readonly value: CelRecord;
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/;
/** Tenants remembered at most; past it the cache starts over (values are cheap to rebuild). */
const MAX_TENANTS = 100_000;

export function timestampOf(value: unknown, path: string): Date {
  if (value instanceof Date) {
    if (!Number.isNaN(value.getTime())) return value;
  } else if (typeof value === "string" && RFC3339.test(value)) {
    const ms = Date.parse(value);
    if (!Number.isNaN(ms)) return new Date(ms);
  }
  throw new RecordError(`\`${path}\` must be an RFC 3339 timestamp`, path);
}

function wholeOf(value: unknown, path: string): bigint {
  if (typeof value === "number" && Number.isSafeInteger(value)) return BigInt(value);
  throw new RecordError(`\`${path}\` must be a whole number`, path);
}

/**
 * The request's `time` (undefined: now), checked on every request, like approvals' `at`,
 * whether or not a condition reads them.
 */
export function readTime(request: Pick<DecisionRequest, "time" | "approvals">): Date | undefined {
  const approvals = request.approvals;
  if (approvals !== undefined) {
    if (!Array.isArray(approvals)) throw new RecordError("`approvals` must be a list", "approvals");
    for (let i = 0; i < approvals.length; i++) timestampOf((approvals[i] as { at?: unknown } | undefined)?.at, `approvals[${i}].at`);
  }
  return request.time === undefined ? undefined : timestampOf(request.time, "time");
}

export class Facts {
  readonly #principals = new Map<string, CelRecord>();
  readonly #actions = new Map<string, CelRecord>();
  readonly #plans = new Map<string, PlanFacts>();
  readonly #tenants = new Map<string, TenantEntry>();
  /** Every counter of the bundle at 0 (`context.totals` when the request gives none); undefined without counters. */
  readonly #totals: Readonly<Record<string, number | bigint>> | undefined;

  constructor(bundle: Bundle) {
    for (const agent of Object.values(bundle.agents)) {
      this.#principals.set(agent.name, Object.freeze({ id: agent.name, roles: Object.freeze([...agent.roles]) }));
    }
    for (const action of Object.keys(bundle.actions)) this.#actions.set(action, Object.freeze({ name: action }));
    for (const plan of Object.values(bundle.plans)) {
      const limits: Record<string, bigint> = {};
      for (const [name, q] of Object.entries(plan.limits)) limits[name] = BigInt(Math.trunc(q.amount));
      this.#plans.set(plan.name, Object.freeze({ features: Object.freeze([...plan.features]), limits: Object.freeze(limits) }));
    }
    if (bundle.totals !== undefined) {
      const zeros: Record<string, number | bigint> = {};
      for (const [key, spec] of Object.entries(bundle.totals)) zeros[key] = spec.type === "int" ? 0n : 0;
      this.#totals = Object.freeze(zeros);
    }
  }

  principal(agent: string): CelRecord | undefined {
    return this.#principals.get(agent);
  }

  action(name: string): CelRecord | undefined {
    return this.#actions.get(name);
  }

  plan(name: string): PlanFacts | undefined {
    return this.#plans.get(name);
  }

  /** `tenant` as conditions see it; undefined when its plan is not in the bundle. */
  tenant(facts: TenantFacts): CelRecord | undefined {
    const cached = this.#tenants.get(facts.id);
    if (cached !== undefined && cached.plan === facts.plan && cached.state === facts.state && cached.region === facts.region) {
      return cached.value;
    }
    const plan = this.#plans.get(facts.plan);
    if (plan === undefined) return undefined;
    const value: Record<string, unknown> = { id: facts.id, plan: facts.plan, state: facts.state, features: plan.features, limits: plan.limits };
    if (facts.region !== undefined) value.region = facts.region;
    if (this.#tenants.size >= MAX_TENANTS) this.#tenants.clear();
    this.#tenants.set(facts.id, { plan: facts.plan, state: facts.state, region: facts.region, value: Object.freeze(value) });
    return value;
  }

  /**
   * `context`; `assume` adds an approval from that group (to ask what it would decide).
   * `time` is the request's time already read (`readTime`), or now.
   */
  context(request: Pick<DecisionRequest, "approvals" | "workflow" | "budget" | "totals">, time: Date | undefined, assume?: string): CelRecord {
    time ??= new Date();
    const approvals: CelRecord[] = [];
    const given = request.approvals ?? [];
    for (let i = 0; i < given.length; i++) {
      const a = given[i];
      if (a === undefined) continue;
      if (typeof a.group !== "string" || typeof a.by !== "string") {
        throw new RecordError("an approval needs a `group` and a `by` string", `approvals[${i}]`);
      }
      approvals.push({ group: a.group, by: a.by, at: timestampOf(a.at, `approvals[${i}].at`) });
    }
    if (assume !== undefined) approvals.push({ group: assume, by: "", at: time });
    const context: Record<string, unknown> = { time, approvals };
    if (request.workflow !== undefined) context.workflow = { name: request.workflow.name, state: request.workflow.state };
    const budget = request.budget;
    if (budget !== undefined) {
      const b: Record<string, unknown> = { steps: wholeOf(budget.steps, "budget.steps"), writes: wholeOf(budget.writes, "budget.writes") };
      if (budget.deadline !== undefined) b.deadline = timestampOf(budget.deadline, "budget.deadline");
      context.budget = b;
    }
    // `total(…)`/`count(…)`: the counters the runtime read for the act, 0 for any other (spec/runtime.md §Totals).
    if (this.#totals !== undefined) context.totals = request.totals === undefined ? this.#totals : { ...this.#totals, ...request.totals };
    return context;
  }
}
