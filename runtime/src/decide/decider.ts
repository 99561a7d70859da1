/**
 * The pure decider: built once from a bundle (every CEL expression compiled, every policy
 * indexed by action and agent), then `decide`, `resourceKey` and `effect` per request,
 * synchronously, without I/O. spec/runtime.md §Decisions is the authority; in short:
 *
 * 1. unknown agent, action or tenant plan → deny (`unknown`);
 * 2. the input against the action's schema (records.ts) → deny (`input`, with a path);
 * 3. outside a workflow, an agent with `runs = required` → deny (`workflow`); inside
 *    one: its agent, its current state allowing the action (workflow.ts) → deny (`workflow`);
 * 4. every `requires feature` among the tenant plan's features → deny (`feature`);
 * 5. policies (rule-index.ts, rules.ts): default deny; any applicable forbid whose
 *    condition is true, absent, erring or over budget denies; else allow iff some
 *    applicable permit's condition is true or absent. A metered condition (cel/cost.ts)
 *    whose bound on the request exceeds its budget, or what is left of the decision's, is
 *    not evaluated (reason `cost`). Reasons: the forbids that denied (errors and costs
 *    included), else the permits that allowed, else `no-permit`; then the errors and costs
 *    of permits.
 * 6. a state awaiting `approval: G` with no approval from G: decided as if one were given;
 *    allow → `pending` (`approval`), else that deny.
 * 6b. an allowed action: every applicable `require approval from G` rule whose condition is
 *    true and whose group gave no approval → `pending` (one `approval` reason each, after the
 *    state's, then the permits); one whose condition errs or is over budget → deny (fail closed).
 *    A require rule never allows: it only turns an allow into `pending`.
 * 7. an allowed read lists in `redact` the fields the agent may not see: a `@pii` field
 *    without a true permit naming exactly `read E.f`, and any field with a true (or
 *    erring) forbid on `read E.f`.
 *
 * `decide` never throws: a request it cannot read is a deny with its reason.
 */
import type { Environment } from "@marcbachmann/cel-js";
import type { ActionSchema, Bundle, FieldSchema, StateSpec } from "../bundle/format.js";
import { Absent, type Compiled } from "../cel/closures.js";
import { celEnvironment } from "../cel/environment.js";
import { forgetPlain } from "../cel/plain-text.js";
import { callsUntrusted, setUntrusted } from "../cel/untrusted.js";
import type { DeciderApi, EvaluatedRule, ConditionOutcome, OperandChain, PreparedEffect, TracedDecision, TraceOptions } from "./decider-api.js";
import { type CompiledEffect, compileEffect, EffectError, keyOf, type LoadProblem, prepare } from "./effects.js";
import { Facts, readTime } from "./facts.js";
import { type RecordSchema, RecordError, readInput, readRowFields, recordSchema, rowFields } from "./records.js";
import type { Approval, Decision, DecisionRequest, Reason } from "./request.js";
import { type GuardIndex, guardIndex, variantOf } from "./guard-index.js";
import { type Applicable, type FieldRules, indexRules } from "./rule-index.js";
import { type CompiledRule, charge, compileRule, errorReason, testOnCelJs, type Verdict } from "./rules.js";
import { type CompiledLookup, compileLookups, type LookupQuery, lookupQueries } from "./lookups.js";
import { WorkflowRules } from "./workflow.js";

export type { LoadProblem } from "./effects.js";
export { EffectError } from "./effects.js";

/** The variables of every Paybill expression; their shapes are checked by `paybillc`. */
const VARIABLES = { principal: "dyn", action: "dyn", tenant: "dyn", context: "dyn", input: "dyn", resource: "dyn", lookups: "dyn", run: "dyn" } as const;

const NO_FEATURES: readonly string[] = Object.freeze([]);
const NO_LITERALS: readonly unknown[] = Object.freeze([]);
const NO_APPROVALS: readonly Approval[] = Object.freeze([]);
const NO_PERMIT: Reason = Object.freeze({ kind: "no-permit", message: "no policy permits this action" });
const DENIED_NO_PERMIT: Decision = Object.freeze({ decision: "deny", reasons: Object.freeze([NO_PERMIT]) });

type Activation = { principal: unknown; action: unknown; tenant: unknown; context: unknown; input: unknown; resource: unknown; lookups?: unknown; run?: unknown };

function deny(reason: Reason): Decision {
  return { decision: "deny", reasons: [reason] };
}

/**
 * Everything a request by one agent for one action needs, found with one lookup: the
 * action's schema, input schema, CEL value and required features, the row fields the
 * conditions read, and the rules that apply. Built at load so a decision touches few
 * objects: 1,000 policies over 500 actions do not fit in a core's cache, and every object
 * a request reads may be a cache miss.
 */
/** Slots per rule in `Plan.checks`. */
const STRIDE = 4;

class Plan {
  /** The fields of the row `resource` holds: those the conditions read; undefined when there is no row to read (insert, no effect). */
  readonly rowFields: readonly FieldSchema[] | undefined;
  readonly usesResource: boolean;
  readonly usesContext: boolean;
  /** Some applicable condition calls `untrusted()` (the caller loads the run's untrusted values then). */
  readonly usesUntrusted: boolean;
  /** Where the permits start in `checks`. */
  readonly forbidsEnd: number;
  /** For a read effect: the fields that need a look (redaction); else undefined. */
  readonly fields: Applicable["fields"];
  /** The applicable `require approval` rules, by id. */
  readonly approvals: readonly CompiledRule[];
  /** The forbids and permits by the string a field must equal (guard-index.ts); undefined: `checks` for every request. */
  readonly guards: GuardIndex | undefined;

  /**
   * Fields in the order a request reads them, in the object itself (a class's fields are
   * laid out together): one or two cache lines. `checks` holds the forbids then the permits,
   * `STRIDE` slots per rule: its closures (or undefined), its literals, the rule, and its
   * decision when it decides alone (`denies`, or `allows`/`allowsRead`).
   */
  constructor(
    readonly input: RecordSchema,
    /** `action.requires`, or one shared empty list. */
    readonly requires: readonly string[],
    readonly value: unknown,
    applicable: Applicable,
    rowFields: readonly FieldSchema[] | undefined,
    readonly checks: readonly unknown[],
    readonly action: ActionSchema,
    guards: GuardIndex | undefined,
  ) {
    this.guards = guards;
    this.rowFields = rowFields;
    this.usesResource = applicable.usesResource;
    this.usesContext = applicable.usesContext;
    this.usesUntrusted = usesUntrusted(applicable);
    this.forbidsEnd = applicable.forbids.length * STRIDE;
    this.fields = applicable.fields;
    this.approvals = applicable.approvals;
    Object.freeze(this);
  }
}

interface Agent {
  readonly value: Readonly<Record<string, unknown>>;
  /** Action name → plan; every action of the bundle is there. */
  readonly plans: ReadonlyMap<string, Plan>;
}

function usesUntrusted(applicable: Applicable): boolean {
  const rules = [...applicable.forbids, ...applicable.permits, ...applicable.approvals, ...(applicable.fields ?? []).flatMap((f) => [...f.forbids, ...f.permits])];
  return rules.some((rule) => rule.spec.when !== undefined && callsUntrusted(rule.spec.when.cel));
}

/** A rule's `STRIDE` slots in `Plan.checks`. */
function entryOf(rule: CompiledRule, read: boolean): unknown[] {
  return [rule.closure, rule.constants, rule, rule.effect === "forbid" ? rule.denies : read ? rule.allowsRead : rule.allows];
}

function checksOf(applicable: Applicable): unknown[] {
  const read = applicable.fields !== undefined;
  return [...applicable.forbids, ...applicable.permits].flatMap((rule) => entryOf(rule, read));
}

export interface DeciderOptions {
  /**
   * `"guards"` (the default): within an (action, agent) pair, skip the rules whose guard
   * (`tenant.id == "…"`…) another string fails (guard-index.ts). `"scan"`: check every
   * applicable rule — the reference the index is tested against.
   */
  readonly index?: "guards" | "scan";
}

/** What a check gives: its closures' bool, else the rule's verdict on cel-js. */
function verdict(closure: Compiled | undefined, literals: readonly unknown[], rule: CompiledRule, activation: Activation): Verdict {
  if (closure !== undefined) {
    try {
      const value = closure(activation, literals);
      if (value === true || value === false) return value;
      // An absent field or variable: cel-js's own error message, without cel-js building the error.
      if (value instanceof Absent) return value.message;
    } catch {
      // The closures leave this one to cel-js, which gives the value or the error.
    }
  }
  return testOnCelJs(rule, activation);
}

export class Decider implements DeciderApi {
  readonly bundle: Bundle;
  /** Expressions cel-js refused at load; each errs (fail closed) wherever it is used. */
  readonly problems: readonly LoadProblem[];
  readonly #env: Environment;
  readonly #facts: Facts;
  readonly #agents = new Map<string, Agent>();
  readonly #inputs = new Map<string, RecordSchema>();
  readonly #rows = new Map<string, RecordSchema>();
  readonly #effects = new Map<string, CompiledEffect>();
  readonly #workflows: WorkflowRules;
  /** Per action, per agent: the lookups of the rules that apply (lookups.ts); absent when none. */
  readonly #lookups = new Map<string, CompiledLookup[]>();
  /** Each workflow's declared `context` fields, for `run.context`. */
  readonly #contexts = new Map<string, readonly FieldSchema[]>();
  /** `decideTraced`'s operands of conditions, compiled on first use. */
  readonly #operandRules = new Map<string, CompiledRule>();
  /** `run` of frozen context objects already read, with the workflow it was read for (see #run). */
  readonly #runs = new WeakMap<object, Map<string, unknown>>();

  constructor(bundle: Bundle, options: DeciderOptions = {}) {
    const indexGuards = options.index !== "scan";
    this.bundle = bundle;
    this.#env = celEnvironment(VARIABLES);
    const problems: LoadProblem[] = [];
    const rules: CompiledRule[] = [];
    const seen = new Set<string>();
    for (const policy of bundle.policies) {
      const severity = policy.attributes?.["severity"];
      for (const spec of policy.rules) {
        if (seen.has(spec.id)) continue; // a duplicated policy: the same rule twice
        seen.add(spec.id);
        const rule = compileRule(this.#env, policy.name, spec, typeof severity === "string" ? severity : undefined);
        if (rule.compileError !== undefined) problems.push({ where: `policy ${policy.name} rule ${spec.id}`, message: rule.compileError });
        rules.push(rule);
      }
    }
    const index = indexRules(bundle, rules);
    const compiledLookups = new Map<string, CompiledLookup[]>();
    for (const rule of rules) if (rule.spec.lookups !== undefined) compiledLookups.set(rule.id, compileLookups(this.#env, rule.spec));
    this.#facts = new Facts(bundle);
    this.#workflows = new WorkflowRules(bundle);
    for (const workflow of Object.values(bundle.workflows)) if (workflow.context !== undefined) this.#contexts.set(workflow.name, recordSchema(workflow.context).fields);
    for (const entity of Object.values(bundle.entities)) this.#rows.set(entity.name, recordSchema(entity.fields));
    // Actions with the same input fields share one schema (fewer objects for requests to touch).
    const schemas = new Map<string, RecordSchema>();
    for (const action of Object.values(bundle.actions)) {
      const key = JSON.stringify(action.input);
      const schema = schemas.get(key) ?? recordSchema(action.input);
      schemas.set(key, schema);
      this.#inputs.set(action.name, schema);
      const effect = compileEffect(this.#env, bundle, action, problems);
      if (effect !== undefined) this.#effects.set(action.name, effect);
    }
    const fieldLists = new Map<string, readonly FieldSchema[]>(); // equal lists of row fields shared
    const readFields = (row: RecordSchema | undefined, entity: string, only: ReadonlySet<string> | undefined): readonly FieldSchema[] | undefined => {
      if (row === undefined) return undefined;
      if (only === undefined) return row.fields;
      const fields = rowFields(row, only);
      const key = `${entity}\0${fields.map((f) => f.name).join("\0")}`;
      const known = fieldLists.get(key) ?? fields;
      fieldLists.set(key, known);
      return known;
    };
    for (const name of Object.keys(bundle.agents)) {
      const value = this.#facts.principal(name);
      if (value === undefined) continue;
      const plans = new Map<string, Plan>();
      for (const action of Object.values(bundle.actions)) {
        const input = this.#inputs.get(action.name);
        const applicable = index.get(action.name)?.get(name);
        if (input === undefined || applicable === undefined) continue;
        const effect = action.effect;
        const row = effect === undefined || effect.op === "insert" ? undefined : this.#rows.get(effect.entity);
        const requires = action.requires.length === 0 ? NO_FEATURES : Object.freeze([...action.requires]);
        const rowFieldList = readFields(row, effect?.entity ?? "", applicable.resourceFields);
        const checks = Object.freeze(checksOf(applicable));
        const lookups = [...applicable.forbids, ...applicable.permits, ...applicable.approvals].flatMap((rule) => compiledLookups.get(rule.id) ?? []);
        if (lookups.length > 0) this.#lookups.set(`${name}\0${action.name}`, lookups);
        const read = applicable.fields !== undefined;
        const guards = indexGuards ? guardIndex(applicable.forbids, applicable.permits, (rule) => entryOf(rule, read)) : undefined;
        plans.set(action.name, new Plan(input, requires, this.#facts.action(action.name), applicable, rowFieldList, checks, action, guards));
      }
      this.#agents.set(name, { value, plans });
    }
    this.problems = Object.freeze(problems);
  }

  decide(request: DecisionRequest): Decision {
    try {
      return this.#decide(request);
    } catch (e) {
      if (e instanceof RecordError) return deny({ kind: "input", message: e.message, path: e.path });
      return deny({ kind: "unknown", message: `the request could not be decided: ${e instanceof Error ? e.message : String(e)}` });
    }
  }

  decideTraced(request: DecisionRequest, options: TraceOptions = {}): TracedDecision {
    const evaluated: EvaluatedRule[] = [];
    const before = tracer;
    tracer = (rule, v, activation) => {
      const chain = options.operands?.get(rule.id);
      const outcome = outcomeOf(v);
      evaluated.push(chain === undefined ? { rule: rule.id, outcome } : { rule: rule.id, outcome, operands: this.#operands(rule, chain, activation) });
    };
    try {
      return { decision: this.decide(request), evaluated };
    } finally {
      tracer = before;
    }
  }

  /** Each operand of a rule's top-level chain, left to right, until one decides the chain: what it gave. */
  #operands(rule: CompiledRule, chain: OperandChain, activation: Activation): ConditionOutcome[] {
    const outcomes: ConditionOutcome[] = [];
    for (let i = 0; i < chain.cel.length; i++) {
      const key = `${rule.id}\0${i}\0${chain.cel[i]}`;
      let operand = this.#operandRules.get(key);
      if (operand === undefined) {
        const when = rule.spec.when;
        operand = compileRule(this.#env, rule.policy, { ...rule.spec, ...(when === undefined ? {} : { when: { ...when, cel: chain.cel[i] as string } }) });
        this.#operandRules.set(key, operand);
      }
      const outcome = outcomeOf(verdict(operand.closure, operand.constants ?? NO_LITERALS, operand, activation));
      outcomes.push(outcome);
      if ((chain.op === "&&" && outcome === false) || (chain.op === "||" && outcome === true)) break;
    }
    return outcomes;
  }

  resourceKey(request: Pick<DecisionRequest, "action" | "input" | "tenant" | "agent" | "time">): { readonly entity: string; readonly key: unknown } | undefined {
    const effect = this.#effects.get(request.action);
    if (effect === undefined || effect.key === undefined || effect.spec.op === "insert") return undefined;
    try {
      const activation = this.#effectActivation(request);
      if (activation === undefined) return undefined;
      return { entity: effect.spec.entity, key: keyOf(effect, activation) };
    } catch {
      return undefined;
    }
  }

  lookups(request: Pick<DecisionRequest, "action" | "input" | "tenant" | "agent" | "time">): readonly LookupQuery[] {
    const lookups = this.#lookups.get(`${request.agent}\0${request.action}`);
    if (lookups === undefined) return [];
    try {
      const activation = this.#effectActivation(request);
      return activation === undefined ? [] : lookupQueries(lookups, activation);
    } catch {
      return [];
    }
  }

  foldedLookups(request: Pick<DecisionRequest, "action" | "input" | "agent"> & { readonly tenant: string }): readonly LookupQuery[] {
    const lookups = this.#lookups.get(`${request.agent}\0${request.action}`)?.filter((lookup) => lookup.foldable);
    const schema = this.#inputs.get(request.action);
    const principal = this.#facts.principal(request.agent);
    if (lookups === undefined || lookups.length === 0 || schema === undefined || principal === undefined) return [];
    try {
      // Only `tenant.id` of the tenant: a foldable lookup reads no other fact.
      const activation: Activation = { principal, action: this.#facts.action(request.action), tenant: { id: request.tenant }, context: undefined, input: readInput(schema, request.input), resource: undefined };
      return lookupQueries(lookups, activation);
    } catch {
      return [];
    }
  }

  effect(request: DecisionRequest): PreparedEffect | undefined {
    const effect = this.#effects.get(request.action);
    if (effect === undefined) return undefined;
    let activation: Activation | undefined;
    try {
      activation = this.#effectActivation(request);
    } catch (e) {
      if (e instanceof RecordError) throw new EffectError("invalid_input", e.message, e.path);
      throw e;
    }
    if (activation === undefined) throw new EffectError("unknown_action", `unknown agent \`${request.agent}\` or tenant plan \`${request.tenant.plan}\``, "agent");
    return prepare(effect, activation);
  }

  /** Whether a condition that may decide `agent`'s `action` calls `untrusted()`: then a run's request needs `untrusted`. */
  usesUntrusted(agent: string, action: string): boolean {
    return this.#agents.get(agent)?.plans.get(action)?.usesUntrusted === true;
  }

  // ---- deciding ----

  #decide(request: DecisionRequest): Decision {
    forgetPlain();
    if (typeof request !== "object" || request === null) return deny({ kind: "unknown", message: "the request must be an object" });
    const agent = this.#agents.get(request.agent);
    if (agent === undefined) return deny({ kind: "unknown", message: `unknown agent \`${String(request.agent)}\`` });
    const plan = agent.plans.get(request.action);
    if (plan === undefined) return deny({ kind: "unknown", message: `unknown action \`${String(request.action)}\`` });

    const input = readInput(plan.input, request.input);
    const time = readTime(request);

    let state: StateSpec | undefined;
    if (request.workflow === undefined && this.bundle.agents[request.agent]?.runs === "required") {
      return deny({ kind: "workflow", message: `agent \`${request.agent}\` acts only inside a workflow run (\`runs = required\`)` });
    }
    if (request.workflow !== undefined) {
      const checked = this.#workflows.check(request, request.workflow);
      if (!checked.ok) return deny({ kind: "workflow", message: checked.message });
      state = checked.state;
    }

    const tenantFacts = request.tenant;
    const tenantPlan = tenantFacts === undefined || tenantFacts === null ? undefined : this.#facts.plan(tenantFacts.plan);
    const tenant = tenantPlan === undefined ? undefined : this.#facts.tenant(tenantFacts);
    if (tenantPlan === undefined || tenant === undefined) {
      return deny({ kind: "unknown", message: `unknown plan \`${String(tenantFacts?.plan)}\` of tenant \`${String(tenantFacts?.id)}\`` });
    }
    const requires = plan.requires;
    for (let i = 0; i < requires.length; i++) {
      const feature = requires[i] as string;
      if (!tenantPlan.features.includes(feature)) {
        return deny({ kind: "feature", feature, message: `plan \`${tenantFacts.plan}\` does not include feature \`${feature}\`` });
      }
    }

    if (plan.checks.length === 0) return DENIED_NO_PERMIT;
    const activation: Activation = {
      principal: agent.value,
      action: plan.value,
      tenant,
      context: undefined,
      input,
      resource: plan.usesResource ? resourceOf(plan, request.resource) : undefined,
      lookups: request.lookups,
      // Always present (undefined outside a run with a context): one shape for every activation.
      run: request.runContext !== undefined && state !== undefined ? this.#run(request) : undefined,
    };

    const awaited = state?.approval;
    const given = request.approvals ?? NO_APPROVALS;
    if (awaited !== undefined && !given.some((a) => a?.group === awaited)) {
      if (plan.usesContext) activation.context = this.#facts.context(request, time, awaited);
      const approval: Reason = { kind: "approval", group: awaited, message: `waits for an approval from \`${awaited}\`` };
      return withUntrusted(plan, request.untrusted, activation, given, approval);
    }
    if (plan.usesContext) activation.context = this.#facts.context(request, time);
    return withUntrusted(plan, request.untrusted, activation, given, undefined);
  }

  /**
   * `run`: `{ context }` read by the run's workflow's context fields (stored values that no
   * longer fit are left out: absent). A frozen context object is read once per workflow and
   * kept (it cannot change); act passes each request a context of its own.
   */
  #run(request: DecisionRequest): unknown {
    const name = request.workflow?.name ?? "";
    const given = request.runContext;
    if (given === undefined) return undefined;
    // A context object read before for this workflow: two lookups (only frozen ones are kept, and frozen stays frozen).
    const kept = this.#runs.get(given);
    const known = kept?.get(name);
    if (known !== undefined) return known;
    const fields = this.#contexts.get(name);
    if (fields === undefined) return undefined;
    const value = Object.freeze({ context: Object.freeze(readRowFields(fields, given, "run.context")) });
    if (kept !== undefined) kept.set(name, value);
    else if (Object.isFrozen(given)) this.#runs.set(given, new Map([[name, value]]));
    return value;
  }

  // ---- effects ----

  #effectActivation(request: Pick<DecisionRequest, "action" | "input" | "tenant" | "agent" | "time" | "approvals" | "workflow" | "budget">): Activation | undefined {
    const schema = this.#inputs.get(request.action);
    const principal = this.#facts.principal(request.agent);
    const tenant = request.tenant === undefined || request.tenant === null ? undefined : this.#facts.tenant(request.tenant);
    if (schema === undefined || principal === undefined || tenant === undefined) return undefined;
    return {
      principal,
      action: this.#facts.action(request.action),
      tenant,
      context: this.#facts.context(request, readTime(request)),
      input: readInput(schema, request.input),
      resource: undefined,
    };
  }
}

/** The row the conditions see, read by the effect entity's schema (absent for an insert or no row). */
function resourceOf(plan: Plan, resource: DecisionRequest["resource"]): unknown {
  if (resource === undefined || resource === null || plan.rowFields === undefined) return undefined;
  return readRowFields(plan.rowFields, resource, "resource");
}

/**
 * The steps the metered conditions of the decision in progress have spent (cel/cost.ts):
 * decisions are synchronous and never nested, so one counter, reset by `policies`.
 */
let spent = 0;

/**
 * Set only while `Decider.decideTraced` decides: told of every rule whose condition is
 * evaluated (or that has none), with what it gave. Decisions are synchronous and never
 * nested, so one slot; unset, it costs one comparison per evaluated rule.
 */
let tracer: ((rule: CompiledRule, verdict: Verdict, activation: Activation) => void) | undefined;

const outcomeOf = (v: Verdict): ConditionOutcome => (v === true || v === false ? v : "error");

/** A rule's verdict under the budget: over it, the condition is not evaluated. */
function budgeted(closure: Compiled | undefined, literals: readonly unknown[], rule: CompiledRule, activation: Activation): Verdict {
  const cost = rule.cost;
  if (cost !== undefined) {
    const charged = charge(cost, activation, spent);
    if (typeof charged !== "number") return charged;
    spent = charged;
  }
  const v = verdict(closure, literals, rule, activation);
  if (tracer !== undefined) tracer(rule, v, activation);
  return v;
}

/** The policies' decision (spec/runtime.md §Policies) from a plan's checks. */
function policies(plan: Plan, activation: Activation): Decision {
  // A traced decision checks every applicable rule, so its trace lists each with what it gave.
  const variant = plan.guards === undefined || tracer !== undefined ? undefined : variantOf(plan.guards, activation);
  const checks = variant === undefined ? plan.checks : variant.checks;
  const forbidsEnd = variant === undefined ? plan.forbidsEnd : variant.forbidsEnd;
  spent = 0;
  // The one true forbid, while it is the only reason (its decision is built at load); then every reason, in rule order.
  let denier = -1;
  let denied: Reason[] | undefined;
  for (let i = 0; i < forbidsEnd; i += STRIDE) {
    const rule = checks[i + 2] as CompiledRule;
    const v = budgeted(checks[i] as Compiled | undefined, checks[i + 1] as readonly unknown[], rule, activation);
    if (v === false) continue;
    if (v === true && denier < 0 && denied === undefined) {
      denier = i;
      continue;
    }
    denied ??= denier < 0 ? [] : [(checks[denier + 2] as CompiledRule).reason];
    denied.push(v === true ? rule.reason : errorReason(rule, v));
  }
  let first = -1;
  let permitted: Reason[] | undefined;
  let errors: Reason[] | undefined;
  for (let i = forbidsEnd; i < checks.length; i += STRIDE) {
    const rule = checks[i + 2] as CompiledRule;
    const v = budgeted(checks[i] as Compiled | undefined, checks[i + 1] as readonly unknown[], rule, activation);
    if (v === true) {
      if (first < 0) first = i;
      else permitted = added(permitted ?? [(checks[first + 2] as CompiledRule).reason], rule.reason);
    } else if (v !== false) errors = added(errors, errorReason(rule, v));
  }
  if (denied !== undefined) return { decision: "deny", reasons: errors === undefined ? denied : denied.concat(errors) };
  if (denier >= 0) return errors === undefined ? (checks[denier + 3] as Decision) : { decision: "deny", reasons: [(checks[denier + 2] as CompiledRule).reason, ...errors] };
  if (first < 0) return errors === undefined ? DENIED_NO_PERMIT : { decision: "deny", reasons: [NO_PERMIT, ...errors] };

  const fields = plan.fields;
  if (permitted === undefined && errors === undefined && (fields === undefined || fields.length === 0)) return checks[first + 3] as Decision;
  const reasons = permitted ?? [(checks[first + 2] as CompiledRule).reason];
  if (errors !== undefined) reasons.push(...errors);
  if (fields === undefined) return { decision: "allow", reasons };
  return { decision: "allow", reasons, redact: redaction(fields, activation, reasons) };
}

/**
 * An allowed decision after the `require approval` rules (step 6b): unchanged when none waits,
 * `pending` when one (or the state, `awaiting`) waits for a group that gave no approval, a
 * deny when a rule's condition errs or is over budget.
 */
function ruleApprovals(rules: readonly CompiledRule[], activation: Activation, given: readonly Approval[], allowed: Decision, awaiting: Reason | undefined): Decision {
  let waiting: Reason[] | undefined = awaiting === undefined ? undefined : [awaiting];
  let errors: Reason[] | undefined;
  for (const rule of rules) {
    const v = budgeted(rule.closure, rule.constants ?? NO_LITERALS, rule, activation);
    if (v === false) continue;
    if (v !== true) {
      errors = added(errors, errorReason(rule, v));
      continue;
    }
    const group = rule.spec.approval?.group;
    if ((awaiting?.kind === "approval" && awaiting.group === group) || given.some((a) => a?.group === group)) continue;
    waiting = added(waiting, rule.reason);
  }
  if (errors !== undefined) return { decision: "deny", reasons: errors };
  if (waiting === undefined) return allowed;
  return { decision: "pending", reasons: waiting.concat(allowed.reasons) };
}

/** The policies' decision, then (when allowed) the `require approval` rules' and the state's (`awaiting`). */
function policiesThenApprovals(plan: Plan, activation: Activation, given: readonly Approval[], awaiting: Reason | undefined): Decision {
  const decided = policies(plan, activation);
  if (decided.decision !== "allow" || (awaiting === undefined && plan.approvals.length === 0)) return decided;
  return ruleApprovals(plan.approvals, activation, given, decided, awaiting);
}

/** `policiesThenApprovals` with `untrusted` as what `untrusted()` sees (cel/untrusted.ts) when the plan's rules call it, put back after. */
function withUntrusted(plan: Plan, untrusted: readonly string[] | undefined, activation: Activation, given: readonly Approval[], awaiting: Reason | undefined): Decision {
  if (!plan.usesUntrusted) return policiesThenApprovals(plan, activation, given, awaiting);
  const before = setUntrusted(untrusted);
  try {
    return policiesThenApprovals(plan, activation, given, awaiting);
  } finally {
    setUntrusted(before);
  }
}

/** `list` with `reason` appended (a new list when there was none: most decisions need none). */
function added(list: Reason[] | undefined, reason: Reason): Reason[] {
  if (list === undefined) return [reason];
  list.push(reason);
  return list;
}

/** The fields to hide from an allowed read; errors of field rules join `reasons`. */
function redaction(fields: readonly FieldRules[], activation: Activation, reasons: Reason[]): readonly string[] {
  const hidden: string[] = [];
  for (const field of fields) {
    let forbidden = false;
    for (const rule of field.forbids) {
      const verdict = budgeted(rule.closure, rule.constants ?? NO_LITERALS, rule, activation);
      if (verdict === true) forbidden = true;
      else if (verdict !== false) {
        forbidden = true;
        reasons.push(errorReason(rule, verdict));
      }
    }
    let revealed = !field.pii;
    if (!forbidden && field.pii) {
      for (const rule of field.permits) {
        const verdict = budgeted(rule.closure, rule.constants ?? NO_LITERALS, rule, activation);
        if (verdict === true) revealed = true;
        else if (verdict !== false) reasons.push(errorReason(rule, verdict));
      }
    }
    if (forbidden || !revealed) hidden.push(field.field);
  }
  return hidden;
}
