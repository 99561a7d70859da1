/**
 * The pure decider: built once from a bundle (every CEL expression compiled, every policy
 * indexed by action and agent), then `decide`, `resourceKey` and `effect` per request,
 * synchronously, without I/O. spec/runtime.md §Decisions is the authority; in short:
 *
 * 1. unknown agent, action or tenant plan → deny (`unknown`);
 * 2. the input against the action's schema (records.ts) → deny (`input`, with a path);
 * 3. inside a workflow: its agent, its current state allowing the action (workflow.ts) →
 *    deny (`workflow`);
 * 4. every `requires feature` among the tenant plan's features → deny (`feature`);
 * 5. policies (rule-index.ts, rules.ts): default deny; any applicable forbid whose
 *    condition is true, absent or erring denies; else allow iff some applicable permit's
 *    condition is true or absent. Reasons: the forbids that denied (errors included), else
 *    the permits that allowed, else `no-permit`; then the errors of permits.
 * 6. a state awaiting `approval: G` with no approval from G: decided as if one were given;
 *    allow → `pending` (`approval`), else that deny.
 * 7. an allowed read lists in `redact` the fields the agent may not see: a `@pii` field
 *    without a true permit naming exactly `read E.f`, and any field with a true (or
 *    erring) forbid on `read E.f`.
 *
 * `decide` never throws: a request it cannot read is a deny with its reason.
 */
import type { Environment } from "@marcbachmann/cel-js";
import type { ActionSchema, Bundle, FieldSchema, StateSpec } from "../bundle/format.js";
import { celEnvironment } from "../cel/environment.js";
import type { DeciderApi, PreparedEffect } from "./decider-api.js";
import { type CompiledEffect, compileEffect, EffectError, keyOf, type LoadProblem, prepare } from "./effects.js";
import { Facts, readTime } from "./facts.js";
import { type RecordSchema, RecordError, readInput, readRowFields, recordSchema, rowFields } from "./records.js";
import type { Decision, DecisionRequest, Reason } from "./request.js";
import { type Applicable, type FieldRules, indexRules } from "./rule-index.js";
import { type CompiledRule, compileRule, errorReason, test } from "./rules.js";
import { WorkflowRules } from "./workflow.js";

export type { LoadProblem } from "./effects.js";
export { EffectError } from "./effects.js";

/** The variables of every Paybill expression; their shapes are checked by `paybillc`. */
const VARIABLES = { principal: "dyn", action: "dyn", tenant: "dyn", context: "dyn", input: "dyn", resource: "dyn" } as const;

const NO_FEATURES: readonly string[] = Object.freeze([]);
const NO_PERMIT: Reason = Object.freeze({ kind: "no-permit", message: "no policy permits this action" });
const DENIED_NO_PERMIT: Decision = Object.freeze({ decision: "deny", reasons: Object.freeze([NO_PERMIT]) });

type Activation = { principal: unknown; action: unknown; tenant: unknown; context: unknown; input: unknown; resource: unknown };

function deny(reason: Reason): Decision {
  return { decision: "deny", reasons: [reason] };
}

/**
 * Everything a request for one action needs, found with one lookup: its schema, its input
 * schema, its CEL value, the schema of the row its effect works on, and per agent the rules
 * that apply. Built at load, so a decision touches few objects (1,000 policies over 500
 * actions do not fit in a core's cache; what each request reads should).
 */
interface Route {
  readonly action: ActionSchema;
  /** `action.requires`, or one shared empty list (read on every request: nothing to fetch). */
  readonly requires: readonly string[];
  readonly input: RecordSchema;
  readonly value: unknown;
  /** By agent number: the rules that apply, and the row fields they read. */
  readonly plans: readonly (Plan | undefined)[];
}

interface Plan extends Applicable {
  /** The fields of the row `resource` holds: those the conditions read; undefined when there is no row to read (insert, no effect). */
  readonly rowFields: readonly FieldSchema[] | undefined;
}

interface Agent {
  readonly value: Readonly<Record<string, unknown>>;
  readonly number: number;
}

export class Decider implements DeciderApi {
  readonly bundle: Bundle;
  /** Expressions cel-js refused at load; each errs (fail closed) wherever it is used. */
  readonly problems: readonly LoadProblem[];
  readonly #env: Environment;
  readonly #facts: Facts;
  readonly #routes = new Map<string, Route>();
  readonly #agents = new Map<string, Agent>();
  readonly #inputs = new Map<string, RecordSchema>();
  readonly #rows = new Map<string, RecordSchema>();
  readonly #effects = new Map<string, CompiledEffect>();
  readonly #workflows: WorkflowRules;

  constructor(bundle: Bundle) {
    this.bundle = bundle;
    this.#env = celEnvironment(VARIABLES);
    const problems: LoadProblem[] = [];
    const rules: CompiledRule[] = [];
    const seen = new Set<string>();
    for (const policy of bundle.policies) {
      for (const spec of policy.rules) {
        if (seen.has(spec.id)) continue; // a duplicated policy: the same rule twice
        seen.add(spec.id);
        const rule = compileRule(this.#env, policy.name, spec);
        if (rule.compileError !== undefined) problems.push({ where: `policy ${policy.name} rule ${spec.id}`, message: rule.compileError });
        rules.push(rule);
      }
    }
    const index = indexRules(bundle, rules);
    this.#facts = new Facts(bundle);
    this.#workflows = new WorkflowRules(bundle);
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
    const agentNames = Object.keys(bundle.agents);
    const fieldLists = new Map<string, readonly FieldSchema[]>(); // equal lists of row fields shared
    for (const [number, name] of agentNames.entries()) {
      const value = this.#facts.principal(name);
      if (value !== undefined) this.#agents.set(name, { value, number });
    }
    for (const action of Object.values(bundle.actions)) {
      const input = this.#inputs.get(action.name);
      if (input === undefined) continue;
      const effect = action.effect;
      const row = effect === undefined || effect.op === "insert" ? undefined : this.#rows.get(effect.entity);
      const rules = index.get(action.name);
      const readFields = (only: ReadonlySet<string> | undefined): readonly FieldSchema[] | undefined => {
        if (row === undefined) return undefined;
        if (only === undefined) return row.fields;
        const fields = rowFields(row, only);
        const key = `${effect?.entity}\0${fields.map((f) => f.name).join("\0")}`;
        const known = fieldLists.get(key) ?? fields;
        fieldLists.set(key, known);
        return known;
      };
      const plans = agentNames.map((agent): Plan | undefined => {
        const applicable = rules?.get(agent);
        if (applicable === undefined) return undefined;
        const only = applicable.resourceFields;
        return Object.freeze({ ...applicable, rowFields: readFields(only) });
      });
      const requires = action.requires.length === 0 ? NO_FEATURES : Object.freeze([...action.requires]);
      this.#routes.set(action.name, { action, requires, input, value: this.#facts.action(action.name), plans });
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

  // ---- deciding ----

  #decide(request: DecisionRequest): Decision {
    if (typeof request !== "object" || request === null) return deny({ kind: "unknown", message: "the request must be an object" });
    const agent = this.#agents.get(request.agent);
    if (agent === undefined) return deny({ kind: "unknown", message: `unknown agent \`${String(request.agent)}\`` });
    const route = this.#routes.get(request.action);
    if (route === undefined) return deny({ kind: "unknown", message: `unknown action \`${String(request.action)}\`` });

    const input = readInput(route.input, request.input);
    const time = readTime(request);

    let state: StateSpec | undefined;
    if (request.workflow !== undefined) {
      const checked = this.#workflows.check(request, request.workflow);
      if (!checked.ok) return deny({ kind: "workflow", message: checked.message });
      state = checked.state;
    }

    const tenantFacts = request.tenant;
    const plan = tenantFacts === undefined || tenantFacts === null ? undefined : this.#facts.plan(tenantFacts.plan);
    const tenant = plan === undefined ? undefined : this.#facts.tenant(tenantFacts);
    if (plan === undefined || tenant === undefined) {
      return deny({ kind: "unknown", message: `unknown plan \`${String(tenantFacts?.plan)}\` of tenant \`${String(tenantFacts?.id)}\`` });
    }
    const requires = route.requires;
    for (let i = 0; i < requires.length; i++) {
      const feature = requires[i] as string;
      if (!plan.features.includes(feature)) {
        return deny({ kind: "feature", feature, message: `plan \`${tenantFacts.plan}\` does not include feature \`${feature}\`` });
      }
    }

    const applicable = route.plans[agent.number];
    if (applicable === undefined) return DENIED_NO_PERMIT;
    const activation: Activation = {
      principal: agent.value,
      action: route.value,
      tenant,
      context: undefined,
      input,
      resource: applicable.usesResource ? resourceOf(applicable, request.resource) : undefined,
    };

    const awaited = state?.approval;
    if (awaited !== undefined && !(request.approvals ?? []).some((a) => a?.group === awaited)) {
      if (applicable.usesContext) activation.context = this.#facts.context(request, time, awaited);
      const would = this.#policies(applicable, activation);
      if (would.decision !== "allow") return would;
      const approval: Reason = { kind: "approval", group: awaited, message: `waits for an approval from \`${awaited}\`` };
      return { decision: "pending", reasons: [approval, ...would.reasons] };
    }
    if (applicable.usesContext) activation.context = this.#facts.context(request, time);
    return this.#policies(applicable, activation);
  }

  #policies(applicable: Applicable, activation: Activation): Decision {
    // The one true forbid, while it is the only reason (its decision is built at load); then every reason, in rule order.
    let denier: CompiledRule | undefined;
    let denied: Reason[] | undefined;
    for (const rule of applicable.forbids) {
      const verdict = test(rule, activation);
      if (verdict === false) continue;
      if (verdict === true && denier === undefined && denied === undefined) {
        denier = rule;
        continue;
      }
      denied ??= denier === undefined ? [] : [denier.reason];
      denied.push(verdict === true ? rule.reason : errorReason(rule, verdict));
    }
    let first: CompiledRule | undefined;
    let permitted: Reason[] | undefined;
    let errors: Reason[] | undefined;
    for (const rule of applicable.permits) {
      const verdict = test(rule, activation);
      if (verdict === true) {
        if (first === undefined) first = rule;
        else permitted = added(permitted ?? [first.reason], rule.reason);
      } else if (verdict !== false) errors = added(errors, errorReason(rule, verdict));
    }
    if (denied !== undefined) return { decision: "deny", reasons: errors === undefined ? denied : denied.concat(errors) };
    if (denier !== undefined) return errors === undefined ? denier.denies : { decision: "deny", reasons: [denier.reason, ...errors] };
    if (first === undefined) return errors === undefined ? DENIED_NO_PERMIT : { decision: "deny", reasons: [NO_PERMIT, ...errors] };

    const fields = applicable.fields;
    if (permitted === undefined && errors === undefined && (fields === undefined || fields.length === 0)) {
      return fields === undefined ? first.allows : first.allowsRead;
    }
    const reasons = permitted ?? [first.reason];
    if (errors !== undefined) reasons.push(...errors);
    if (fields === undefined) return { decision: "allow", reasons };
    return { decision: "allow", reasons, redact: redaction(fields, activation, reasons) };
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
      const verdict = test(rule, activation);
      if (verdict === true) forbidden = true;
      else if (verdict !== false) {
        forbidden = true;
        reasons.push(errorReason(rule, verdict));
      }
    }
    let revealed = !field.pii;
    if (!forbidden && field.pii) {
      for (const rule of field.permits) {
        const verdict = test(rule, activation);
        if (verdict === true) revealed = true;
        else if (verdict !== false) reasons.push(errorReason(rule, verdict));
      }
    }
    if (forbidden || !revealed) hidden.push(field.field);
  }
  return hidden;
}
