/**
 * Which rules cover which (agent, action) pairs, statically: the index behind the
 * dead-state, shadowed-permit and PII checks. Conditions are not evaluated: a rule with a
 * condition "may" apply, one without "always" does.
 */
import type { ActionSelector, PrincipalSelector, QualifiedName, Rule } from "../ast/nodes.js";
import type { Declared, Unit } from "../2-resolve/symbols.js";

export interface IndexedRule {
  readonly rule: Rule;
  readonly policy: string;
  readonly unit: Unit;
}

/** An agent as rules see it: its name and roles. */
export interface AgentFacts {
  readonly name: string;
  readonly roles: readonly string[];
}

const path = (name: QualifiedName): string => name.parts.map((p) => p.name).join(".");

export function principalCovers(selector: PrincipalSelector, agent: AgentFacts): boolean {
  switch (selector.kind) {
    case "AnyAgent":
      return true;
    case "AgentSelector":
      return selector.agent.name === agent.name;
    case "RoleSelector":
      return agent.roles.includes(selector.role.name);
  }
}

/**
 * Whether `outer` covers every request `inner` covers. `exact` asks for the same data
 * access, as a `@pii` field needs (neither `any action` nor `read Ticket` reveals
 * `Ticket.email`).
 */
export function actionCovers(outer: ActionSelector, inner: ActionSelector, exact = false): boolean {
  if (outer.kind === "AnyAction") return !exact;
  if (inner.kind === "AnyAction") return false;
  if (outer.kind === "ActionRef") return inner.kind === "ActionRef" && inner.action.name === outer.action.name;
  if (inner.kind !== "DataAccess" || inner.op !== outer.op) return false;
  const o = path(outer.target);
  const i = path(inner.target);
  return o === i || (!exact && i.startsWith(`${o}.`));
}

/** Whether `outer` covers every principal `inner` covers, given the declared agents. */
export function principalSetCovers(outer: readonly PrincipalSelector[], inner: PrincipalSelector, agents: readonly AgentFacts[]): boolean {
  if (outer.some((o) => o.kind === "AnyAgent")) return true;
  if (inner.kind === "AnyAgent") return false;
  if (inner.kind === "AgentSelector") {
    const agent = agents.find((a) => a.name === inner.agent.name) ?? { name: inner.agent.name, roles: [] };
    return outer.some((o) => principalCovers(o, agent));
  }
  if (outer.some((o) => o.kind === "RoleSelector" && o.role.name === inner.role.name)) return true;
  // A role is covered when every agent holding it is covered by name.
  const holders = agents.filter((a) => a.roles.includes(inner.role.name));
  return holders.length > 0 && holders.every((a) => outer.some((o) => principalCovers(o, a)));
}

export function agentFacts(symbol: Declared, roles: readonly string[]): AgentFacts {
  return { name: symbol.name, roles };
}
