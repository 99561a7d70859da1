/**
 * Policies, flattened for the runtime: one `RuleSpec` per rule with its agents resolved
 * (`role billing` → the agents holding it, sorted; `any agent` → `["*"]`), its selectors
 * resolved, and its condition's canonical CEL with the declared types it was checked
 * against (spec/language.md §8.4), so the runtime can compile it in the same environment.
 */
import type { Model, PolicyDecl, Rule, RuleApproval } from "@paybill/lang";
import type { ActionSchema, ActionSelector, AgentSpec, ConditionTypes, LookupSpec, PolicySpec, RuleSpec } from "@paybill/runtime";
import { cel } from "./cel.js";
import { inlineNames } from "./inline.js";
import type { Names } from "./names.js";
import { durationMs, entryKey, jsonOf, sortedRecord, sortedUnique } from "./values.js";
import type { Totals } from "./windows.js";

export interface PolicyContext {
  readonly names: Names;
  readonly agents: Readonly<Record<string, AgentSpec>>;
  readonly actions: Readonly<Record<string, ActionSchema>>;
  readonly model: Model;
  /** Rewrites `total(…)`/`count(…)` into the counters they read (windows.ts). */
  readonly totals?: Totals;
}

/** `name`: the policy's name in the bundle (its own, or `<package>.<name>` when another package's policy shares it, select.ts). */
export function policy(ctx: PolicyContext, decl: PolicyDecl, name = decl.name.name): PolicySpec {
  const scope = scopeOf(ctx, decl);
  const rules = decl.body.filter((e): e is Rule => e.kind === "Rule").map((rule, i) => ruleSpec(ctx, `${name}#${i}`, rule, scope));
  const attributes = decl.body.flatMap((e) => (e.kind === "Attribute" && !SCOPES.has(entryKey(e)) ? [[entryKey(e), jsonOf(e.value)] as const] : []));
  return { name, rules, ...(attributes.length === 0 ? {} : { attributes: sortedRecord(attributes) }) };
}

/** The attributes that scope a policy's rules (spec/language.md §5.7). */
const SCOPES: ReadonlySet<string> = new Set(["tenant", "plan"]);

/**
 * A scoped policy's rules apply to its tenant or its plan's tenants only: each rule's
 * condition gets `tenant.id == "…"` / `tenant.plan == "…"` in front (`&&`), the form the
 * runtime's rule index picks a rule out by (spec/runtime.md). Undefined when unscoped.
 */
export function scopeOf(ctx: Pick<PolicyContext, "names">, decl: PolicyDecl): string | undefined {
  const parts: string[] = [];
  for (const [key, field] of [["tenant", "id"], ["plan", "plan"]] as const) {
    const entry = decl.body.find((e) => e.kind === "Attribute" && entryKey(e) === key);
    if (entry?.kind !== "Attribute" || entry.value.kind !== "Ref") continue;
    parts.push(`tenant.${field} == ${JSON.stringify(ctx.names.name(entry.value.name, key))}`);
  }
  return parts.length === 0 ? undefined : parts.join(" && ");
}

/** A rule's condition in the bundle: its own, behind its policy's scope. */
export function scopedCel(scope: string | undefined, condition: string | undefined): string | undefined {
  if (scope === undefined) return condition;
  return condition === undefined ? scope : `${scope} && (${condition})`;
}

function ruleSpec(ctx: PolicyContext, id: string, rule: Rule, scope: string | undefined): RuleSpec {
  const actions = rule.actions.map((s) => ctx.names.selector(s));
  const lookups: LookupSpec[] = [];
  // Constants, lookups and totals in one walk of the checked tree (their facts are keyed by its nodes).
  const condition =
    rule.condition === undefined ? undefined : inlineNames(ctx.model, rule.condition, (spec) => `${id}/${lookups.push(spec) - 1}`, (e) => ctx.totals?.replace(e));
  return {
    id,
    effect: rule.effect,
    agents: agentsOf(ctx, rule),
    actions,
    ...(condition === undefined && scope === undefined ? {} : { when: { cel: scopedCel(scope, condition === undefined ? undefined : cel(condition).cel) ?? "", types: conditionTypes(ctx, actions) } }),
    ...(lookups.length === 0 ? {} : { lookups }),
    ...(rule.approval === undefined ? {} : { approval: ruleApproval(ctx, rule.approval) }),
  };
}

/** A `require approval` rule's group (its declared name) and timeout in milliseconds. */
function ruleApproval(ctx: PolicyContext, approval: RuleApproval): { group: string; timeoutMs?: number } {
  const group = ctx.names.name(approval.group, "group");
  const ms = approval.timeout === undefined ? undefined : durationMs(approval.timeout);
  return ms === undefined ? { group } : { group, timeoutMs: ms };
}

function agentsOf(ctx: PolicyContext, rule: Rule): string[] {
  // A `require approval` rule without `for` covers every agent.
  if (rule.principals.length === 0 || rule.principals.some((p) => p.kind === "AnyAgent")) return ["*"];
  const agents = Object.values(ctx.agents);
  return sortedUnique(
    rule.principals.flatMap((p) => {
      if (p.kind === "AgentSelector") return [ctx.names.name(p.agent, "agent")];
      if (p.kind === "RoleSelector") return agents.filter((a) => a.roles.includes(p.role.name)).map((a) => a.name);
      return [];
    }),
  );
}

/**
 * What `input` and `resource` were declared as (§8.4): `input` is one action's input, the
 * fields several actions share, a `map(string, dyn)` under `any action`, or empty when a
 * data operation is among the selectors; `resource` is the entity every selector names.
 */
export function conditionTypes(ctx: PolicyContext, selectors: readonly ActionSelector[]): ConditionTypes {
  if (selectors.some((s) => s.kind === "any")) return { input: "dyn", resource: "none" };
  let input: string;
  if (selectors.every((s) => s.kind === "action")) {
    const names = sortedUnique(selectors.flatMap((s) => (s.kind === "action" ? [s.action] : [])));
    input = names.length === 1 ? `action:${names[0]}` : `common:${names.join(",")}`;
  } else input = "none";
  const rows = selectors.map((s) => (s.kind === "data" ? s.entity : s.kind === "action" ? rowOf(ctx.actions[s.action]) : undefined));
  const first = rows[0];
  const resource = first !== undefined && rows.every((r) => r === first) ? `entity:${first}` : "none";
  return { input, resource };
}

/** The entity whose row an action works on: its effect's, unless it inserts or reads many rows. */
function rowOf(action: ActionSchema | undefined): string | undefined {
  const effect = action?.effect;
  return effect === undefined || effect.op === "insert" || effect.many !== undefined ? undefined : effect.entity;
}
