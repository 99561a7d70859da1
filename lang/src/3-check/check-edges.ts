/**
 * What a `next` target says besides its state: `by agent` or `by host` (PB4150 for any
 * other mover), a guard `when <cel>` typed as a condition over `tenant` and `context` (a
 * move has no principal, action, input or resource), and no target that says either named
 * twice in one state, where the two edges would disagree (PB4151).
 */
import type { NextEdge, StateDecl } from "../ast/nodes.js";
import type { Unit } from "../2-resolve/symbols.js";
import type { CelType } from "./cel/cel-types.js";
import { CONTEXT, TENANT } from "./env.js";
import type { State } from "./state.js";

/** The variables an edge guard sees. */
export const GUARD_VARIABLES: ReadonlyMap<string, CelType> = new Map<string, CelType>([
  ["tenant", TENANT],
  ["context", CONTEXT],
]);

export const MOVERS = ["agent", "host"] as const;

export function checkEdges(state: State, unit: Unit, decl: StateDecl, edges: readonly NextEdge[]): void {
  for (const edge of edges) {
    if (edge.by !== undefined && !(MOVERS as readonly string[]).includes(edge.by.name)) {
      state.ctx.report(
        "edgeMover",
        unit,
        edge.by.span,
        `\`by ${edge.by.name}\`: an edge is taken \`by agent\` (the run's agent, and the host) or \`by host\` (the host only)`,
        `write \`${edge.state.name} by agent\`, or leave \`by\` out for an edge only the host takes`,
      );
    }
    if (edge.when !== undefined) state.checkExpression(unit, edge.when, GUARD_VARIABLES, true);
    const named = decl.body.flatMap((e) => (e.kind === "Next" ? e.states : [])).filter((s) => s.name === edge.state.name);
    if (named.length > 1) {
      state.ctx.report(
        "edgeTwice",
        unit,
        edge.state.span,
        `state \`${decl.name.name}\` names \`${edge.state.name}\` in \`next\` more than once, and this edge says \`by\` or \`when\``,
        `keep one \`${edge.state.name}\` in the state's \`next\`, with its \`by\` and \`when\``,
      );
    }
  }
}
