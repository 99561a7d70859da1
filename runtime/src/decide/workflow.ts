/**
 * The workflow check of a decision: when a request runs inside a workflow, the workflow
 * must exist, belong to the request's agent, be in a known state, and that state must
 * allow the action. A state allows an action by name, by a data selector with the same op
 * and entity as the action's effect, or by `any`. A field selector (`allow read
 * Ticket.email`) allows no action by itself: the action reads the whole row.
 */
import type { ActionSchema, ActionSelector, Bundle, StateSpec } from "../bundle/format.js";
import type { DecisionRequest } from "./request.js";

export type WorkflowCheck = { readonly ok: true; readonly state: StateSpec } | { readonly ok: false; readonly message: string };

export function selectorAllows(selector: ActionSelector, action: ActionSchema): boolean {
  switch (selector.kind) {
    case "any":
      return true;
    case "action":
      return selector.action === action.name;
    case "data":
      return selector.field === undefined && action.effect !== undefined && action.effect.op === selector.op && action.effect.entity === selector.entity;
  }
}

/**
 * The actions a state allows, in the bundle's (sorted) order: what an agent in that state
 * may ask for at all (its policies still decide each request). A final state allows none.
 */
export function allowedActions(bundle: Pick<Bundle, "actions">, state: StateSpec): string[] {
  if (state.final) return [];
  return Object.values(bundle.actions)
    .filter((action) => state.allow.some((s) => selectorAllows(s, action)))
    .map((action) => action.name);
}

/** A state as a check reads it: the actions it allows and its passing answer, both built once. */
interface StateRules {
  readonly spec: StateSpec;
  readonly allowed: ReadonlySet<string>;
  readonly ok: WorkflowCheck;
}

/** Per workflow and state, the actions it allows (a state's list is fixed): one lookup each. */
export class WorkflowRules {
  readonly #workflows = new Map<string, { readonly agent: string; readonly name: string; readonly states: ReadonlyMap<string, StateRules> }>();

  constructor(readonly bundle: Bundle) {
    for (const [key, workflow] of Object.entries(bundle.workflows)) {
      const states = new Map<string, StateRules>();
      for (const [name, state] of Object.entries(workflow.states)) {
        states.set(name, { spec: state, allowed: new Set(allowedActions(bundle, state)), ok: Object.freeze({ ok: true, state }) });
      }
      this.#workflows.set(key, { agent: workflow.agent, name: workflow.name, states });
    }
  }

  check(request: DecisionRequest, workflow: NonNullable<DecisionRequest["workflow"]>): WorkflowCheck {
    const spec = this.#workflows.get(workflow.name);
    if (spec === undefined) return { ok: false, message: `unknown workflow \`${workflow.name}\`` };
    if (spec.agent !== request.agent) {
      return { ok: false, message: `workflow \`${spec.name}\` is run by \`${spec.agent}\`, not \`${request.agent}\`` };
    }
    const state = spec.states.get(workflow.state);
    if (state === undefined) return { ok: false, message: `workflow \`${spec.name}\` has no state \`${workflow.state}\`` };
    if (!state.allowed.has(request.action)) {
      return { ok: false, message: `state \`${state.spec.name}\` of workflow \`${spec.name}\` does not allow \`${request.action}\`` };
    }
    return state.ok;
  }
}
