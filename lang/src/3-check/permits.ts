/**
 * Which rules cover which (agent, action) pairs, statically: the index behind the
 * dead-state, shadowed-permit and PII checks. Selectors are compared by the declarations
 * they resolve to, never by how they are written (`a.close` and `b.close` differ).
 * Conditions are not evaluated: a rule with a condition "may" apply, one without "always".
 */
import type { ActionSelector, DataAccess, PrincipalSelector, Rule } from "../ast/nodes.js";
import type { Declared, Unit } from "../2-resolve/symbols.js";

export interface IndexedRule {
  readonly rule: Rule;
  readonly policy: string;
  readonly unit: Unit;
  /** The policy is scoped to a tenant or a plan: even a rule without a condition "may" apply. */
  readonly scoped?: boolean;
}

/** An agent as rules see it: its declaration and roles. */
export interface AgentFacts {
  readonly symbol: Declared;
  readonly roles: readonly string[];
}

/** What selectors resolved to, as recorded while checking them. */
export interface Resolutions {
  readonly references: ReadonlyMap<object, Declared>;
  readonly dataAccess: ReadonlyMap<DataAccess, { readonly entity: Declared; readonly field: string | undefined }>;
}

export class Coverage {
  constructor(
    private readonly resolved: Resolutions,
    private readonly agents: readonly AgentFacts[],
  ) {}

  principalCovers(selector: PrincipalSelector, agent: AgentFacts): boolean {
    switch (selector.kind) {
      case "AnyAgent":
        return true;
      case "AgentSelector":
        return this.resolved.references.get(selector.agent) === agent.symbol;
      case "RoleSelector":
        return agent.roles.includes(selector.role.name);
    }
  }

  /**
   * Whether `outer` covers every request `inner` covers. `exact` asks for the same data
   * access, as a `@pii` field needs (neither `any action` nor `read Ticket` reveals
   * `Ticket.email`).
   */
  actionCovers(outer: ActionSelector, inner: ActionSelector, exact = false): boolean {
    if (outer.kind === "AnyAction") return !exact;
    if (inner.kind === "AnyAction") return false;
    if (outer.kind === "ActionRef") {
      const action = this.resolved.references.get(outer.action);
      return inner.kind === "ActionRef" && action !== undefined && this.resolved.references.get(inner.action) === action;
    }
    if (inner.kind !== "DataAccess" || inner.op !== outer.op) return false;
    const o = this.resolved.dataAccess.get(outer);
    const i = this.resolved.dataAccess.get(inner);
    if (o === undefined || i === undefined || o.entity !== i.entity) return false;
    return o.field === i.field || (!exact && o.field === undefined);
  }

  /** Whether `outer` covers every principal `inner` covers. */
  principalSetCovers(outer: readonly PrincipalSelector[], inner: PrincipalSelector): boolean {
    if (outer.some((o) => o.kind === "AnyAgent")) return true;
    if (inner.kind === "AnyAgent") return false;
    if (inner.kind === "AgentSelector") {
      const agent = this.agents.find((a) => a.symbol === this.resolved.references.get(inner.agent));
      return agent !== undefined && outer.some((o) => this.principalCovers(o, agent));
    }
    if (outer.some((o) => o.kind === "RoleSelector" && o.role.name === inner.role.name)) return true;
    // A role is covered when every agent holding it is covered by name.
    const holders = this.agents.filter((a) => a.roles.includes(inner.role.name));
    return holders.length > 0 && holders.every((a) => outer.some((o) => this.principalCovers(o, a)));
  }

  /** The declaration a selector is about: an action, or the entity of a data access. */
  target(selector: ActionSelector): Declared | undefined {
    if (selector.kind === "ActionRef") return this.resolved.references.get(selector.action);
    if (selector.kind === "DataAccess") return this.resolved.dataAccess.get(selector)?.entity;
    return undefined;
  }
}

/**
 * Rules by the action or entity they name, so a question about one action looks at the
 * rules that name it and those for `any action`, not at every rule of the project.
 */
export class RuleIndex {
  private readonly byTarget = new Map<Declared, IndexedRule[]>();
  private readonly anyAction: IndexedRule[] = [];

  constructor(
    rules: readonly IndexedRule[],
    private readonly coverage: Coverage,
  ) {
    for (const rule of rules) {
      const targets = new Set<Declared>();
      let any = false;
      for (const selector of rule.rule.actions) {
        const target = coverage.target(selector);
        if (selector.kind === "AnyAction") any = true;
        else if (target !== undefined) targets.add(target);
      }
      if (any) this.anyAction.push(rule);
      for (const target of targets) {
        const list = this.byTarget.get(target) ?? [];
        list.push(rule);
        this.byTarget.set(target, list);
      }
    }
  }

  /** Rules that may cover a request matching `selector`. */
  candidates(selector: ActionSelector): readonly IndexedRule[] {
    const target = this.coverage.target(selector);
    const named = target === undefined ? [] : (this.byTarget.get(target) ?? []);
    return this.anyAction.length === 0 ? named : [...named, ...this.anyAction];
  }
}
