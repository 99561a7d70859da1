/**
 * A small typed builder of Bundle objects for tests: the runtime must not import
 * @paybill/lang, so tests write bundles by hand, as `paybillc build` would emit them
 * (names resolved, rule ids `<policy>#<n>`, policies sorted by name). `hash` is a
 * placeholder: only the loader checks it, not the Decider.
 */
import {
  type ActionSchema,
  type ActionSelector,
  type AgentSpec,
  BUNDLE_FORMAT,
  BUNDLE_FORMAT_VERSION,
  type Bundle,
  type DataOp,
  type EffectSpec,
  type EntitySchema,
  type FieldSchema,
  type FieldType,
  type PlanSpec,
  type PolicySpec,
  type RuleSpec,
  type StateSpec,
  type TenantSpec,
  type WorkflowSpec,
} from "../../src/bundle/format.js";

export const t = {
  uuid: { kind: "uuid" },
  string: (max?: number): FieldType => (max === undefined ? { kind: "string" } : { kind: "string", max }),
  int: { kind: "int" },
  decimal: (precision?: number, scale?: number): FieldType => ({ kind: "decimal", ...(precision === undefined ? {} : { precision }), ...(scale === undefined ? {} : { scale }) }),
  money: { kind: "money" },
  bool: { kind: "bool" },
  timestamp: { kind: "timestamp" },
  duration: { kind: "duration" },
  json: { kind: "json" },
  enum: (...values: string[]): FieldType => ({ kind: "enum", values }),
  list: (element: FieldType, max?: number): FieldType => ({ kind: "list", element, ...(max === undefined ? {} : { max }) }),
} satisfies Record<string, FieldType | ((...args: never[]) => FieldType)>;

export interface FieldOptions {
  readonly optional?: boolean;
  readonly pii?: boolean;
  readonly id?: boolean;
  readonly references?: { readonly entity: string; readonly field: string };
}

export function field(name: string, type: FieldType, options: FieldOptions = {}): FieldSchema {
  return { name, type, optional: options.optional ?? false, pii: options.pii ?? false, ...(options.id ? { id: true } : {}), ...(options.references ? { references: options.references } : {}) };
}

export function entity(name: string, fields: readonly FieldSchema[], table?: string): EntitySchema {
  const key = fields.find((f) => f.id)?.name ?? "id";
  return { name, table: table ?? name.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toLowerCase(), key, fields };
}

export function effect(op: DataOp, entityName: string, key?: string, set?: Readonly<Record<string, string>>): EffectSpec {
  return {
    op,
    entity: entityName,
    ...(key === undefined ? {} : { key: { cel: key } }),
    ...(set === undefined ? {} : { set: Object.entries(set).map(([f, cel]) => ({ field: f, value: { cel } })) }),
  };
}

export function action(name: string, input: readonly FieldSchema[], options: { effect?: EffectSpec; requires?: string[] } = {}): ActionSchema {
  return { name, input, ...(options.effect ? { effect: options.effect } : {}), requires: [...(options.requires ?? [])].sort() };
}

export function agent(name: string, roles: readonly string[] = []): AgentSpec {
  return { name, roles: [...roles].sort() };
}

export const sel = {
  action: (name: string): ActionSelector => ({ kind: "action", action: name }),
  data: (op: DataOp, entityName: string, fieldName?: string): ActionSelector => ({ kind: "data", op, entity: entityName, ...(fieldName === undefined ? {} : { field: fieldName }) }),
  any: { kind: "any" } as ActionSelector,
};

/** A rule without its id (given by `policy`). Agents: names, or `"*"`. */
export type RuleDraft = Omit<RuleSpec, "id">;

function ruleDraft(effectKind: "permit" | "forbid", agents: readonly string[] | "*", actions: readonly (ActionSelector | string)[], when?: string): RuleDraft {
  return {
    effect: effectKind,
    agents: agents === "*" ? ["*"] : [...agents].sort(),
    actions: actions.map((a) => (typeof a === "string" ? sel.action(a) : a)),
    ...(when === undefined ? {} : { when: { cel: when, types: { input: "dyn", resource: "none" } } }),
  };
}

export const permit = (agents: readonly string[] | "*", actions: readonly (ActionSelector | string)[], when?: string): RuleDraft => ruleDraft("permit", agents, actions, when);
export const forbid = (agents: readonly string[] | "*", actions: readonly (ActionSelector | string)[], when?: string): RuleDraft => ruleDraft("forbid", agents, actions, when);

export function policy(name: string, ...rules: RuleDraft[]): PolicySpec {
  return { name, rules: rules.map((r, i) => ({ id: `${name}#${i}`, ...r })) };
}

export function state(name: string, options: { allow?: readonly (ActionSelector | string)[]; next?: string[]; approval?: string; final?: boolean } = {}): StateSpec {
  return {
    name,
    allow: (options.allow ?? []).map((a) => (typeof a === "string" ? sel.action(a) : a)),
    next: [...(options.next ?? [])].sort(),
    ...(options.approval === undefined ? {} : { approval: options.approval }),
    final: options.final ?? false,
  };
}

export function workflow(name: string, agentName: string, states: readonly StateSpec[], budget: WorkflowSpec["budget"] = {}): WorkflowSpec {
  const first = states[0];
  if (first === undefined) throw new Error("a workflow needs a state");
  return { name, agent: agentName, budget, start: first.name, states: Object.fromEntries(states.map((s) => [s.name, s])) };
}

export function plan(name: string, features: readonly string[], limits: Readonly<Record<string, number>> = {}): PlanSpec {
  return {
    name,
    isolation: { model: "pooled" },
    limits: Object.fromEntries(Object.entries(limits).map(([k, amount]) => [k, { amount }])),
    features: [...features].sort(),
  };
}

export interface BundleParts {
  readonly entities?: readonly EntitySchema[];
  readonly actions?: readonly ActionSchema[];
  readonly agents?: readonly AgentSpec[];
  readonly policies?: readonly PolicySpec[];
  readonly workflows?: readonly WorkflowSpec[];
  readonly plans?: readonly PlanSpec[];
  readonly tenants?: readonly TenantSpec[];
}

const byName = <T extends { readonly name: string }>(items: readonly T[] = []): Record<string, T> => Object.fromEntries(items.map((i) => [i.name, i]));

export function bundle(parts: BundleParts): Bundle {
  return {
    format: BUNDLE_FORMAT,
    version: BUNDLE_FORMAT_VERSION,
    hash: "sha256:test",
    entities: byName(parts.entities),
    actions: byName(parts.actions),
    agents: byName(parts.agents),
    policies: [...(parts.policies ?? [])],
    workflows: byName(parts.workflows),
    plans: byName(parts.plans),
    tenants: byName(parts.tenants),
  };
}
