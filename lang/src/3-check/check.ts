/**
 * The check stage: resolved modules → the typed `Model` and its diagnostics. Declarations
 * are checked kind by kind in dependency order (clouds before plans, plans before tenants,
 * entities before actions, actions before policies, policies before workflows).
 */
import type { Declaration } from "../ast/nodes.js";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import type { Modules } from "../2-resolve/modules.js";
import type { Declared, Unit } from "../2-resolve/symbols.js";
import { checkCloud, checkIsolation, checkPlan, checkProvider, checkTenant } from "./check-infra.js";
import { checkAction, checkAgent, checkEntity, rolesOf } from "./check-data.js";
import { checkConst } from "./check-consts.js";
import { checkGroup } from "./check-approvals.js";
import { checkPolicy, checkShadowing } from "./check-policies.js";
import { checkTest } from "./check-tests.js";
import { checkWorkflow } from "./check-workflows.js";
import { runType } from "./run-context.js";
import { Context } from "./context.js";
import type { Model } from "./model.js";
import { type AgentFacts, Coverage, type IndexedRule, RuleIndex } from "./permits.js";
import { State } from "./state.js";
import { checkUntrustedRuns } from "./untrusted.js";

export function check(modules: Modules): { model: Model; diagnostics: Diagnostic[] } {
  const ctx = new Context(modules.scopes);
  const state = new State(ctx, modules);
  const units = [...modules.modules.values()].flatMap((m) => m.units).sort((a, b) => (a.source.name < b.source.name ? -1 : a.source.name > b.source.name ? 1 : 0));
  const all = <K extends Declaration["kind"]>(kind: K): [Unit, Extract<Declaration, { kind: K }>][] =>
    units.flatMap((unit) => unit.ast.declarations.filter((d): d is Extract<Declaration, { kind: K }> => d.kind === kind).map((d): [Unit, Extract<Declaration, { kind: K }>] => [unit, d]));

  for (const [unit, decl] of all("Provider")) checkProvider(ctx, unit, decl);
  for (const [unit, decl] of all("Isolation")) checkIsolation(ctx, unit, decl);
  const clouds: Declared[] = [];
  for (const [unit, decl] of all("Cloud")) {
    checkCloud(ctx, unit, decl);
    const symbol = ctx.scope(unit).module.table("cloud").get((decl.name ?? decl.provider).name);
    if (symbol !== undefined && !unit.std) clouds.push(symbol);
  }
  state.clouds = clouds;
  for (const [, decl] of all("Plan")) for (const entry of decl.body) if (entry.kind === "Attribute" && entry.key.kind === "Ident" && entry.key.name === "features" && entry.value.kind === "List") for (const item of entry.value.items) if (item.kind === "Ref") state.features.add(item.name.parts.map((p) => p.name).join("."));
  for (const [unit, decl] of all("Plan")) checkPlan(ctx, unit, decl, clouds);
  for (const [unit, decl] of all("Tenant")) checkTenant(ctx, unit, decl, clouds);
  for (const [unit, decl] of all("Entity")) checkEntity(state, unit, decl);
  for (const [unit, decl] of all("Const")) checkConst(state, unit, decl);
  const agents: AgentFacts[] = [];
  for (const [unit, decl] of all("Agent")) {
    checkAgent(state, unit, decl);
    const symbol = ctx.scope(unit).module.table("agent").get(decl.name.name);
    if (symbol?.decl === decl) agents.push({ symbol, roles: rolesOf(decl) });
  }
  for (const [unit, decl] of all("Action")) checkAction(state, unit, decl);
  state.run = runType(state, all("Workflow"));
  for (const [unit, decl] of all("Group")) checkGroup(ctx, unit, decl);
  const rules: IndexedRule[] = [];
  for (const [unit, decl] of all("Policy")) checkPolicy(state, unit, decl, agents, rules);
  const coverage = new Coverage({ references: ctx.references, dataAccess: state.dataAccess }, agents);
  checkShadowing(state, rules, coverage);
  const permits = new RuleIndex(
    rules.filter((r) => r.rule.effect === "permit"),
    coverage,
  );
  for (const [unit, decl] of all("Workflow")) checkWorkflow(state, unit, decl, agents, permits, coverage);
  checkUntrustedRuns(state, all("Policy"), all("Workflow").map(([, decl]) => decl));
  for (const [unit, decl] of all("Test")) checkTest(state, unit, decl);

  const model: Model = {
    modules: modules.modules,
    units: units.filter((u) => !u.std),
    references: ctx.references,
    entityFields: state.entityFields,
    inputFields: state.inputFields,
    contextFields: state.contextFields,
    ...(state.run === undefined ? {} : { run: state.run }),
    celTypes: state.celTypes,
    windows: state.windows,
    features: state.features,
    constants: state.constRefs,
    lookups: state.lookups,
    namedLiterals: state.namedLiterals,
  };
  return { model, diagnostics: ctx.diagnostics };
}
