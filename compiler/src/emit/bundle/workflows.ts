/**
 * Workflows: the state machine an agent's run follows, its budget, and per state the
 * actions allowed there, where it may go next, the approval it waits for and its timeout.
 */
import type { Model, NextEdge, StateDecl } from "@paybill/lang";
import type { EdgeSpec, StateSpec, WorkflowSpec } from "@paybill/runtime";
import { cel } from "./cel.js";
import { inputField } from "./fields.js";
import type { Names } from "./names.js";
import type { Included } from "./select.js";
import { attribute, block, durationMs, sortedRecord, sortedUnique, unexpected, wholeOf } from "./values.js";

export function workflow(names: Names, { decl }: Included<"Workflow">, model?: Model): WorkflowSpec {
  const agent = attribute(decl.body, "agent")?.value;
  if (agent?.kind !== "Ref") return unexpected(`workflow \`${decl.name.name}\` without an agent`);
  const start = decl.body.find((e) => e.kind === "Start");
  if (start?.kind !== "Start") return unexpected(`workflow \`${decl.name.name}\` without a start`);
  const budget = block(decl.body, "budget")?.entries ?? [];
  const value = (key: string) => attribute(budget, key)?.value;
  const steps = value("steps");
  const writes = value("writes");
  const deadline = value("deadline");
  const states = decl.body.filter((e): e is StateDecl => e.kind === "State");
  const context = model?.contextFields?.get(decl);
  return {
    name: decl.name.name,
    agent: names.name(agent.name, "agent"),
    budget: {
      ...(steps === undefined ? {} : { steps: wholeOf(steps) }),
      ...(writes === undefined ? {} : { writes: wholeOf(writes) }),
      ...(deadline === undefined ? {} : { deadlineMs: durationMs(deadline) }),
    },
    start: start.state.name,
    states: sortedRecord(states.map((s) => [s.name.name, state(names, s)] as const)),
    // Written only when declared, so a bundle without contexts keeps its bytes.
    ...(context === undefined ? {} : { context: context.map(inputField) }),
  };
}

function state(names: Names, decl: StateDecl): StateSpec {
  const approval = decl.body.find((e) => e.kind === "AwaitApproval");
  const timeout = attribute(decl.body, "timeout")?.value;
  return {
    name: decl.name.name,
    allow: decl.body.flatMap((e) => (e.kind === "Allow" ? e.actions.map((s) => names.selector(s)) : [])),
    next: sortedUnique(decl.body.flatMap((e) => (e.kind === "Next" ? e.states.map((s) => s.name) : []))),
    ...(approval?.kind === "AwaitApproval" && approval.group.kind === "String" ? { approval: approval.group.value } : {}),
    final: decl.body.some((e) => e.kind === "Final"),
    ...(timeout === undefined ? {} : { timeoutMs: durationMs(timeout) }),
    ...edgesOf(decl),
  };
}

/** `edges`: the targets that say `by agent` or `when`, by state; nothing when none does (`by host` is the default). */
function edgesOf(decl: StateDecl): { edges?: Record<string, EdgeSpec> } {
  const said = decl.body.flatMap((e) => (e.kind === "Next" ? (e.edges ?? []) : [])).filter((e) => e.by?.name === "agent" || e.when !== undefined);
  if (said.length === 0) return {};
  const edge = (e: NextEdge): EdgeSpec => ({ ...(e.by?.name === "agent" ? { by: "agent" as const } : {}), ...(e.when === undefined ? {} : { when: cel(e.when) }) });
  return { edges: sortedRecord(said.map((e) => [e.state.name, edge(e)] as const)) };
}
