/**
 * What an agent can do, read off a compiled bundle without deciding anything: for every
 * action, the rules that apply to the agent (permits, forbids, `require approval`), the
 * features the action needs (and the plans that have them), and where it may be asked
 * for — outside workflow runs, and in which states of the agent's workflows. The matching
 * is the runtime's (runtime/src/decide/rule-index.ts, workflow.ts): a rule applies when its
 * agents list the agent or are `*` and one of its selectors covers the action by name, by
 * the op and entity of its effect, or `any`; a field selector (`read Ticket.email`) only
 * hides or shows a field and does not decide the action.
 *
 * `may` sums it up: `yes` when an unconditional permit applies and nothing else does (no
 * forbid, no approval rule, no feature); `no` when no permit applies, an unconditional
 * forbid does, or no place (outside runs, or a state) allows the action; `depends`
 * otherwise — the conditions, features and approvals say on what.
 */
import { type ActionSchema, type Bundle, type RuleSpec, type StateSpec, selectorAllows } from "@paybill/runtime";

export interface RuleRef {
  /** `<policy>#<n>`. */
  readonly rule: string;
  readonly policy: string;
  /** The condition's CEL; absent: unconditional. */
  readonly when?: string;
  /** `file:line:col` when the project's sources are at hand. */
  readonly at?: string;
}

export interface ApprovalRef extends RuleRef {
  readonly group: string;
}

export interface ActionCapability {
  readonly action: string;
  readonly may: "yes" | "depends" | "no";
  readonly permits: readonly RuleRef[];
  readonly forbids: readonly RuleRef[];
  readonly approvals: readonly ApprovalRef[];
  /** `requires feature …`. */
  readonly features: readonly string[];
  /** The plans whose features include every one of `features` (all plans when none). */
  readonly plans: readonly string[];
  /** Whether the agent may ask for it outside a workflow run (false for `runs = required`). */
  readonly outsideRuns: boolean;
  /** `<workflow>.<state>` of the agent's workflows whose state allows the action, sorted. */
  readonly states: readonly string[];
  /** State → the group it awaits approval from, for the states in `states` that await one. */
  readonly awaits: Readonly<Record<string, string>>;
}

export interface AgentCapabilities {
  readonly agent: string;
  readonly roles: readonly string[];
  readonly runsRequired: boolean;
  /** The agent's workflow states, `<workflow>.<state>`, sorted. */
  readonly states: readonly string[];
  /** The state `--state` chose, when one did: only the actions it allows are listed, with only it in `states`. */
  readonly state?: string;
  readonly actions: readonly ActionCapability[];
}

/** `state`: a `<workflow>.<state>` of `agentStates`. Throws nothing: unknown names are the caller's to check. */
export function capabilities(bundle: Bundle, agent: string, state?: string, locations: ReadonlyMap<string, string> = new Map()): AgentCapabilities {
  const spec = bundle.agents[agent];
  if (spec === undefined) throw new Error(`no agent \`${agent}\``);
  const allStates = agentStates(bundle, agent);
  const stateSpecs = new Map<string, StateSpec>();
  for (const workflow of Object.values(bundle.workflows)) {
    if (workflow.agent !== agent) continue;
    for (const s of Object.values(workflow.states)) stateSpecs.set(`${workflow.name}.${s.name}`, s);
  }
  const runsRequired = spec.runs === "required";
  const actions: ActionCapability[] = [];
  for (const action of Object.values(bundle.actions).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const permits: RuleRef[] = [];
    const forbids: RuleRef[] = [];
    const approvals: ApprovalRef[] = [];
    for (const policy of bundle.policies) {
      for (const rule of policy.rules) {
        if (!appliesTo(rule, agent, action)) continue;
        const ref: RuleRef = { rule: rule.id, policy: policy.name, ...(rule.when === undefined ? {} : { when: rule.when.cel }), ...(locations.has(rule.id) ? { at: locations.get(rule.id) } : {}) };
        if (rule.effect === "permit") permits.push(ref);
        else if (rule.effect === "forbid") forbids.push(ref);
        else if (rule.approval !== undefined) approvals.push({ ...ref, group: rule.approval.group });
      }
    }
    const byId = (a: RuleRef, b: RuleRef): number => (a.rule < b.rule ? -1 : a.rule > b.rule ? 1 : 0);
    const chosen = state === undefined ? [...stateSpecs.keys()] : [state];
    const states: string[] = [];
    const awaits: Record<string, string> = {};
    for (const name of chosen) {
      const s = stateSpecs.get(name);
      if (s === undefined || !stateAllows(s, action)) continue;
      states.push(name);
      if (s.approval !== undefined) awaits[name] = s.approval;
    }
    const outsideRuns = state === undefined && !runsRequired;
    if (state !== undefined && states.length === 0) continue;
    const plans = Object.values(bundle.plans)
      .filter((p) => action.requires.every((f) => p.features.includes(f)))
      .map((p) => p.name)
      .sort();
    const somewhere = outsideRuns || states.length > 0;
    const may: ActionCapability["may"] =
      !somewhere || permits.length === 0 || forbids.some((f) => f.when === undefined) || plans.length === 0
        ? "no"
        : permits.some((p) => p.when === undefined) && forbids.length === 0 && approvals.length === 0 && action.requires.length === 0 && Object.keys(awaits).length === 0
          ? "yes"
          : "depends";
    actions.push({ action: action.name, may, permits: permits.sort(byId), forbids: forbids.sort(byId), approvals: approvals.sort(byId), features: [...action.requires], plans, outsideRuns, states, awaits });
  }
  return { agent, roles: spec.roles, runsRequired, states: allStates, ...(state === undefined ? {} : { state }), actions };
}

/** `<workflow>.<state>` of every state of the workflows `agent` runs, sorted. */
export function agentStates(bundle: Bundle, agent: string): string[] {
  const out: string[] = [];
  for (const workflow of Object.values(bundle.workflows)) {
    if (workflow.agent !== agent) continue;
    for (const s of Object.keys(workflow.states)) out.push(`${workflow.name}.${s}`);
  }
  return out.sort();
}

function appliesTo(rule: RuleSpec, agent: string, action: ActionSchema): boolean {
  if (!rule.agents.includes("*") && !rule.agents.includes(agent)) return false;
  // The rule index's match is the workflow check's: by name, a whole-row data selector on the effect's op and entity, or `any`.
  return rule.actions.some((selector) => selectorAllows(selector, action));
}

/** As workflow.ts: a final state allows nothing. */
function stateAllows(state: StateSpec, action: ActionSchema): boolean {
  if (state.final) return false;
  return state.allow.some((selector) => selectorAllows(selector, action));
}
