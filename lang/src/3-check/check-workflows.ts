/**
 * Workflows as state machines: exactly one start (PB4010), every state reachable
 * (PB4011), a final state reachable from every state (PB4012), allowed actions that some
 * policy can permit for the workflow's agent (PB4020), `@pii` fields read only with a
 * permit that names them (PB4022), and no `timeout` on a final state, where it could never
 * apply (PB4060). What `next` targets say (`by`, `when`) is check-edges.ts's.
 */
import type { ActionSelector, Ident, StateDecl, WorkflowDecl } from "../ast/nodes.js";
import { checkEdges } from "./check-edges.js";
import { didYouMean } from "../2-resolve/suggest.js";
import type { Unit } from "../2-resolve/symbols.js";
import { checkBody, isDuration, isName, isString, isWholeNumber } from "./attributes.js";
import { resolveSelector } from "./check-policies.js";
import type { AgentFacts, Coverage, RuleIndex } from "./permits.js";
import type { State } from "./state.js";

export function statesOf(workflow: WorkflowDecl): StateDecl[] {
  return workflow.body.filter((e): e is StateDecl => e.kind === "State");
}

export function checkWorkflow(state: State, unit: Unit, workflow: WorkflowDecl, agents: readonly AgentFacts[], permits: RuleIndex, coverage: Coverage): void {
  const what = `workflow \`${workflow.name.name}\``;
  const body = checkBody(state.ctx, unit, what, workflow.name.span, workflow.body, {
    agent: { expect: "the name of the agent that runs it", required: true, accepts: isName },
    budget: { expect: "a block such as `budget { steps = 20, writes = 5, deadline = 10m }`", block: true },
    description: { expect: "a string", accepts: isString },
  });
  const agentEntry = body.get("agent");
  const agentSymbol = agentEntry?.kind === "Attribute" && agentEntry.value.kind === "Ref" ? state.ctx.resolve(unit, "agent", agentEntry.value.name) : undefined;
  const agent = agents.find((a) => a.symbol === agentSymbol);
  const budget = body.get("budget");
  if (budget?.kind === "Block") {
    checkBody(state.ctx, unit, "`budget`", budget.name.span, budget.entries, {
      steps: { expect: "a whole number", accepts: isWholeNumber },
      writes: { expect: "a whole number", accepts: isWholeNumber },
      deadline: { expect: "a duration such as `10m`", accepts: isDuration },
    });
  }

  const states = statesOf(workflow);
  const byName = new Map<string, StateDecl>();
  for (const s of states) {
    if (byName.has(s.name.name)) state.ctx.report("duplicateName", unit, s.name.span, `${what} has two states called \`${s.name.name}\``);
    else byName.set(s.name.name, s);
  }
  const lookupState = (name: Ident): StateDecl | undefined => {
    const found = byName.get(name.name);
    if (found === undefined && name.name !== "") {
      state.ctx.report("unknownName", unit, name.span, `${what} has no state \`${name.name}\``, didYouMean(name.name, byName.keys()) ?? `declare it with \`state ${name.name} { … }\``);
    }
    return found;
  };

  const starts = workflow.body.filter((e) => e.kind === "Start");
  if (starts.length === 0) state.ctx.report("workflowStart", unit, workflow.name.span, `${what} has no \`start\``, `add \`start ${states[0]?.name.name ?? "first_state"}\``);
  for (const extra of starts.slice(1)) state.ctx.report("workflowStart", unit, extra.span, `${what} has more than one \`start\``, "a run begins in exactly one state; keep one `start`");
  const start = starts[0]?.kind === "Start" ? lookupState(starts[0].state) : undefined;

  const edges = new Map<StateDecl, StateDecl[]>();
  for (const s of states) {
    const targets: StateDecl[] = [];
    const attributes = checkBody(state.ctx, unit, `state \`${s.name.name}\``, s.name.span, s.body, {
      timeout: { expect: "a duration such as `24h`", accepts: isDuration },
      description: { expect: "a string", accepts: isString },
    });
    const final = s.body.some((e) => e.kind === "Final");
    const timeout = attributes.get("timeout");
    if (final && timeout !== undefined) {
      state.ctx.report("finalTimeout", unit, timeout.span, `state \`${s.name.name}\` is final: a run ends there, so its \`timeout\` would never apply`, "remove `timeout`, or put it on the state a run waits in");
    }
    for (const entry of s.body) {
      if (entry.kind === "Next") {
        if (final) state.ctx.report("attributeType", unit, entry.span, `state \`${s.name.name}\` is final: a run ends there`, "remove `next`, or remove `final`");
        for (const name of entry.states) {
          const target = lookupState(name);
          if (target !== undefined) targets.push(target);
        }
        if (entry.edges !== undefined) checkEdges(state, unit, s, entry.edges);
      } else if (entry.kind === "Allow") {
        for (const selector of entry.actions) {
          resolveSelector(state, unit, selector);
          if (agent !== undefined) checkPermitted(state, unit, selector, agent, permits, coverage, workflow.name.name);
        }
      }
    }
    edges.set(s, targets);
  }

  if (start === undefined) return;
  const reachable = walk([start], (s) => edges.get(s) ?? []);
  for (const s of states) {
    if (!reachable.has(s) && byName.get(s.name.name) === s) {
      state.ctx.report("unreachableState", unit, s.name.span, `no path leads from \`${start.name.name}\` to state \`${s.name.name}\``, "add it to the `next` of a state, or remove it");
    }
  }
  const finals = states.filter((s) => s.body.some((e) => e.kind === "Final"));
  const reverse = new Map<StateDecl, StateDecl[]>();
  for (const [from, targets] of edges) for (const to of targets) reverse.set(to, [...(reverse.get(to) ?? []), from]);
  const canFinish = walk(finals, (s) => reverse.get(s) ?? []);
  for (const s of states) {
    if (reachable.has(s) && !canFinish.has(s)) {
      state.ctx.report(
        "noWayToFinal",
        unit,
        s.name.span,
        finals.length === 0 ? `${what} has no \`final\` state, so a run can never finish` : `a run in state \`${s.name.name}\` can never reach a final state`,
        finals.length === 0 ? "mark the state where a run ends with `final`" : "add a `next` that leads to a final state",
      );
      if (finals.length === 0) break;
    }
  }
}

function walk<N>(from: readonly N[], next: (n: N) => readonly N[]): Set<N> {
  const seen = new Set<N>(from);
  const queue = [...from];
  for (let node = queue.shift(); node !== undefined; node = queue.shift()) {
    for (const target of next(node)) {
      if (!seen.has(target)) {
        seen.add(target);
        queue.push(target);
      }
    }
  }
  return seen;
}

/** PB4020 when no permit covers the agent and action; PB4022 for a `@pii` field without an exact permit. */
function checkPermitted(state: State, unit: Unit, selector: ActionSelector, agent: AgentFacts, permits: RuleIndex, coverage: Coverage, workflow: string): void {
  const pii = selector.kind === "DataAccess" && selector.op === "read" && isPiiField(state, selector);
  const covered = permits
    .candidates(selector)
    .some((r) => r.rule.principals.some((p) => coverage.principalCovers(p, agent)) && r.rule.actions.some((a) => coverage.actionCovers(a, selector, pii)));
  if (covered) return;
  const name = agent.symbol.name;
  const text = selector.kind === "AnyAction" ? "any action" : selector.kind === "ActionRef" ? selector.action.name : `${selector.op} ${selector.target.parts.map((p) => p.name).join(".")}`;
  if (pii) {
    state.ctx.report("piiNeedsPermit", unit, selector.span, `\`${text.slice(5)}\` is \`@pii\`, and no policy permits \`${name}\` to read it by name`, `add \`permit ${name} to ${text}\` to a policy; a permit for the whole row or for \`any action\` does not reveal \`@pii\` fields`);
    return;
  }
  state.ctx.report("deadState", unit, selector.span, `workflow \`${workflow}\` allows \`${text}\`, but no policy permits \`${name}\` to do it`, `it would always be denied; add \`permit ${name} to ${text}\` to a policy, or remove it here`);
}

function isPiiField(state: State, selector: ActionSelector & { kind: "DataAccess" }): boolean {
  const access = state.dataAccess.get(selector);
  if (access?.field === undefined || access.entity.decl.kind !== "Entity") return false;
  return state.fieldOf(access.entity.decl, access.field)?.pii === true;
}
