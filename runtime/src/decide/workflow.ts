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

/** Per workflow and state, the actions it allows (memoized: a state's list is fixed). */
export class WorkflowRules {
  readonly #allowed = new Map<StateSpec, Set<string>>();

  constructor(readonly bundle: Bundle) {
    for (const workflow of Object.values(bundle.workflows)) {
      for (const state of Object.values(workflow.states)) {
        this.#allowed.set(state, new Set(allowedActions(bundle, state)));
      }
    }
  }

  check(request: DecisionRequest, workflow: NonNullable<DecisionRequest["workflow"]>): WorkflowCheck {
    const spec = Object.hasOwn(this.bundle.workflows, workflow.name) ? this.bundle.workflows[workflow.name] : undefined;
    if (spec === undefined) return { ok: false, message: `unknown workflow \`${workflow.name}\`` };
    if (spec.agent !== request.agent) {
      return { ok: false, message: `workflow \`${spec.name}\` is run by \`${spec.agent}\`, not \`${request.agent}\`` };
    }
    const state = Object.hasOwn(spec.states, workflow.state) ? spec.states[workflow.state] : undefined;
    if (state === undefined) return { ok: false, message: `workflow \`${spec.name}\` has no state \`${workflow.state}\`` };
    if (!this.#allowed.get(state)?.has(request.action)) {
      return { ok: false, message: `state \`${state.name}\` of workflow \`${spec.name}\` does not allow \`${request.action}\`` };
    }
    return { ok: true, state };
  }
}
