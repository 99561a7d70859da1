/**
 * Policies: every rule's agents, roles and actions resolve, its condition type-checks
 * against the variables those actions give it, and a permit that an unconditional forbid
 * always overrides is reported (PB4021).
 */
import type { ActionDecl, ActionSelector, PolicyDecl, QualifiedName, Rule } from "../ast/nodes.js";
import { didYouMean } from "../2-resolve/suggest.js";
import type { Unit } from "../2-resolve/symbols.js";
import { checkBody, isName, isString } from "./attributes.js";
import { checkRuleApproval } from "./check-approvals.js";
import { type CelType, T } from "./cel/cel-types.js";
import type { WindowScope } from "./cel/windows.js";
import { effectOf, inputFieldsOf } from "./check-data.js";
import { commonFields, environment, recordType } from "./env.js";
import { type AgentFacts, type Coverage, type IndexedRule, RuleIndex } from "./permits.js";
import type { State } from "./state.js";

const show = (name: QualifiedName): string => name.parts.map((p) => p.name).join(".");

export function checkPolicy(state: State, unit: Unit, policy: PolicyDecl, agents: readonly AgentFacts[], rules: IndexedRule[]): void {
  const body = checkBody(state.ctx, unit, `policy \`${policy.name.name}\``, policy.name.span, policy.body, {
    description: { expect: "a string", accepts: isString },
    severity: { expect: "a string such as `\"critical\"`", accepts: (v) => isString(v) || isName(v) },
    tenant: { expect: "a tenant's name: the policy's rules apply to that tenant only", accepts: isName },
    plan: { expect: "a plan's name: the policy's rules apply to that plan's tenants only", accepts: isName },
  });
  // A scope (`tenant = acme`, `plan = business`) names a declared tenant or plan (spec/language.md §5.7).
  let scoped = false;
  for (const kind of ["tenant", "plan"] as const) {
    const entry = body.get(kind);
    if (entry?.kind !== "Attribute" || entry.value.kind !== "Ref" || !isName(entry.value)) continue;
    state.ctx.resolve(unit, kind, entry.value.name);
    scoped = true;
  }
  for (const entry of policy.body) {
    if (entry.kind !== "Rule") continue;
    checkRule(state, unit, entry, agents);
    rules.push({ rule: entry, policy: policy.name.name, unit, scoped });
  }
}

/** Resolves an action selector; returns the action declaration or the entity data access names. */
export function resolveSelector(state: State, unit: Unit, selector: ActionSelector): { action?: ActionDecl; entity?: CelType } {
  if (selector.kind === "AnyAction") return {};
  if (selector.kind === "ActionRef") {
    const symbol = state.ctx.resolve(unit, "action", selector.action);
    return symbol?.decl.kind === "Action" ? { action: symbol.decl } : {};
  }
  const parts = selector.target.parts;
  const scope = state.ctx.scope(unit);
  // `Ticket.email` is a field of `Ticket`, unless `Ticket.email` is itself an entity of an imported module.
  if (parts.length > 1 && !scope.lookup("entity", selector.target).ok) {
    const entityName: QualifiedName = { ...selector.target, parts: parts.slice(0, -1), span: { start: selector.target.span.start, end: parts[parts.length - 2]?.span.end ?? selector.target.span.end } };
    const symbol = state.ctx.resolve(unit, "entity", entityName);
    if (symbol?.decl.kind !== "Entity") return {};
    const field = parts[parts.length - 1];
    state.dataAccess.set(selector, { entity: symbol, field: field?.name });
    const fields = state.fieldsOf(symbol.decl);
    if (field !== undefined && !fields.some((f) => f.name === field.name)) {
      state.ctx.report("unknownName", unit, field.span, `entity \`${symbol.name}\` has no field \`${field.name}\``, didYouMean(field.name, fields.map((f) => f.name)));
    } else if (selector.op !== "read") {
      state.ctx.report("attributeType", unit, selector.span, `only \`read\` can name a single field: \`${selector.op}\` works on whole rows`, `write \`${selector.op} ${show(entityName)}\``);
    }
    const entity = symbol.decl;
    return { entity: state.record(entity, () => recordType(symbol.name, fields, "resource")) };
  }
  const symbol = state.ctx.resolve(unit, "entity", selector.target);
  if (symbol?.decl.kind !== "Entity") return {};
  state.dataAccess.set(selector, { entity: symbol, field: undefined });
  const entity = symbol.decl;
  return { entity: state.record(entity, () => recordType(symbol.name, state.fieldsOf(entity), "resource")) };
}

function checkRule(state: State, unit: Unit, rule: Rule, agents: readonly AgentFacts[]): void {
  for (const principal of rule.principals) {
    if (principal.kind === "AgentSelector") state.ctx.resolve(unit, "agent", principal.agent);
    if (principal.kind === "RoleSelector" && !agents.some((a) => a.roles.includes(principal.role.name))) {
      const roles = new Set(agents.flatMap((a) => a.roles));
      state.ctx.report("unknownName", unit, principal.role.span, `no agent has the role \`${principal.role.name}\``, didYouMean(principal.role.name, roles) ?? "give an agent the role with `roles = [...]`");
    }
  }
  const resolved = rule.actions.map((selector) => ({ selector, ...resolveSelector(state, unit, selector) }));
  if (rule.approval !== undefined) checkRuleApproval(state, unit, rule, rule.approval);
  if (rule.condition === undefined) return;
  const any = rule.actions.some((a) => a.kind === "AnyAction");
  const actions = resolved.flatMap((r) => (r.action === undefined ? [] : [r.action]));
  const complete = resolved.every((r) => r.selector.kind !== "ActionRef" || r.action !== undefined);
  let input: CelType;
  if (any) input = T.map(T.string, T.dyn);
  else if (resolved.every((r) => r.selector.kind === "ActionRef")) {
    const only = actions.length === 1 ? actions[0] : undefined;
    input = !complete ? T.dyn : only !== undefined ? inputRecord(state, only) : sharedInput(state, actions, unit);
  } else input = T.message("input", {});
  const resources = resolved.map((r) => (r.entity !== undefined ? r.entity : r.action !== undefined ? resourceOf(state, r.action) : undefined));
  const first = resources[0];
  const unknown = !complete || resources.some((r) => r?.kind === "dyn");
  const resource = unknown ? T.dyn : !any && first !== undefined && resources.every((r) => r !== undefined && sameMessage(r, first)) ? first : undefined;
  state.checkExpression(unit, rule.condition, environment({ input, resource, run: state.run }), true, true, windowScope(state, unit));
}

/** The actions a condition's `total(…)`/`count(…)` may count: those named in its file (cel/windows.ts). */
function windowScope(state: State, unit: Unit): WindowScope {
  const scope = state.ctx.scope(unit);
  return {
    action(name) {
      const found = scope.lookup("action", { kind: "Ident", name, span: { start: 0, end: 0 } });
      if (!found.ok || found.symbol.decl.kind !== "Action") return undefined;
      const input = inputRecord(state, found.symbol.decl);
      const fields = new Map(input.kind === "message" ? [...input.fields].map(([k, f]) => [k, f.type] as const) : []);
      return { declared: found.symbol, fields };
    },
    names: () => scope.visible("action"),
    record: (call, window) => state.windows.set(call, window),
  };
}

/** The row an action's effect works on (`read` of one row, `update` and `delete` with a key). */
function resourceOf(state: State, action: ActionDecl): CelType | undefined {
  const effect = effectOf(action);
  // A list read (`read many`) works on no one row.
  if (effect === undefined || effect.op === "insert" || effect.many === true) return undefined;
  const unit = state.unitOf.get(action);
  if (unit === undefined) return undefined;
  const found = state.ctx.scope(unit).lookup("entity", effect.entity);
  // An effect on an unknown entity is reported where it is written; here it is `dyn`, so
  // conditions that use `resource` do not report the same mistake again.
  if (!found.ok || found.symbol.decl.kind !== "Entity") return T.dyn;
  const entity = found.symbol.decl;
  return state.record(entity, () => recordType(found.symbol.name, state.fieldsOf(entity), "resource"));
}

/** What several actions' inputs have in common, built once per set of actions. */
function sharedInput(state: State, actions: readonly ActionDecl[], unit: Unit): CelType {
  return state.shared(actions, () =>
    recordType("input", commonFields(actions.map((a) => inputFieldsOf(state, state.unitOf.get(a) ?? unit, a))), "input"),
  );
}

/** The message type of an action's input, built once per action. */
export function inputRecord(state: State, action: ActionDecl): CelType {
  const unit = state.unitOf.get(action);
  if (unit === undefined) return T.dyn;
  return state.record(action, () => recordType(`${action.name.name} input`, inputFieldsOf(state, unit, action), "input"));
}

const sameMessage = (a: CelType, b: CelType): boolean => a.kind === "message" && b.kind === "message" && a.name === b.name;

/** PB4021: a permit every request of which an unconditional forbid denies. */
export function checkShadowing(state: State, rules: readonly IndexedRule[], coverage: Coverage): void {
  const forbids = new RuleIndex(
    rules.filter((r) => r.rule.effect === "forbid" && r.rule.condition === undefined && !r.scoped),
    coverage,
  );
  for (const permit of rules) {
    const first = permit.rule.actions[0];
    if (permit.rule.effect !== "permit" || first === undefined) continue;
    const shadow = forbids
      .candidates(first)
      .find(
        (f) =>
          permit.rule.principals.every((p) => coverage.principalSetCovers(f.rule.principals, p)) &&
          permit.rule.actions.every((a) => f.rule.actions.some((o) => coverage.actionCovers(o, a))),
      );
    if (shadow !== undefined) {
      const at = shadow.unit.source.position(shadow.rule.span.start);
      state.ctx.report(
        "shadowedPermit",
        permit.unit,
        permit.rule.span,
        `this permit can never allow anything: \`${shadow.policy}\` forbids the same requests without a condition`,
        `see ${shadow.unit.source.name}:${at.line}:${at.column}; a forbid always wins over a permit`,
      );
    }
  }
}
