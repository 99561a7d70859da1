/**
 * The policy index: for every (action, agent) pair, the rules that can apply to it, found
 * once at load so a request evaluates only those (1,000 policies cost what their handful
 * of applicable rules cost).
 *
 * A rule applies to a pair when its agents list the agent or are `"*"`, and one of its
 * action selectors covers the action: the action by name, a data selector with the same op
 * and entity as the action's effect, or `any`. A field selector (`read Ticket.email`) does
 * not decide the action: it applies to that field of a read (redaction, `fields`).
 * A `require approval` rule goes to `approvals` (never to `fields`: it waits on actions, not fields).
 * Rules are sorted by id, so reasons come out sorted and order in the bundle is moot.
 */
import type { ActionSchema, Bundle, EntitySchema } from "../bundle/format.js";
import type { CompiledRule } from "./rules.js";

export interface FieldRules {
  readonly field: string;
  readonly pii: boolean;
  readonly permits: readonly CompiledRule[];
  readonly forbids: readonly CompiledRule[];
}

export interface Applicable {
  readonly forbids: readonly CompiledRule[];
  readonly permits: readonly CompiledRule[];
  /** `require approval from G` rules: checked only once the policies allow. */
  readonly approvals: readonly CompiledRule[];
  /** For a read effect: the fields that need a look (`@pii`, or named by a rule); else undefined. */
  readonly fields?: readonly FieldRules[];
  /** The variables some applicable condition names: only those are built per request. */
  readonly uses: ReadonlySet<string>;
  /** `uses` has `resource`, `context` (read per request: a field is nearer than a set). */
  readonly usesResource: boolean;
  readonly usesContext: boolean;
  /** The fields of `resource` the conditions read; undefined when one uses the row whole. */
  readonly resourceFields?: ReadonlySet<string>;
}

interface Draft {
  readonly forbids: Map<string, CompiledRule>;
  readonly permits: Map<string, CompiledRule>;
  readonly approvals: Map<string, CompiledRule>;
  readonly fields: Map<string, { permits: Map<string, CompiledRule>; forbids: Map<string, CompiledRule> }>;
}

const byId = (a: CompiledRule, b: CompiledRule): number => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

function sorted(rules: Map<string, CompiledRule>): readonly CompiledRule[] {
  return Object.freeze([...rules.values()].sort(byId));
}

function usesOf(groups: readonly (readonly CompiledRule[])[]): { uses: Set<string>; resourceFields?: Set<string> } {
  const uses = new Set<string>();
  let resourceFields: Set<string> | undefined = new Set();
  for (const group of groups) {
    for (const rule of group) {
      const program = rule.program;
      if (program === undefined) continue;
      for (const name of program.variables) uses.add(name);
      if (!program.variables.has("resource")) continue;
      const read = program.fields.get("resource");
      if (read === undefined) resourceFields = undefined;
      else if (resourceFields !== undefined) for (const f of read) resourceFields.add(f);
    }
  }
  return resourceFields === undefined ? { uses } : { uses, resourceFields };
}

/** action → agent → the rules that can apply. */
export type RuleIndex = ReadonlyMap<string, ReadonlyMap<string, Applicable>>;

export function indexRules(bundle: Bundle, rules: readonly CompiledRule[]): RuleIndex {
  const actions = Object.values(bundle.actions);
  const agents = Object.keys(bundle.agents);
  const drafts = new Map<string, Map<string, Draft>>();
  for (const action of actions) {
    const perAgent = new Map<string, Draft>();
    for (const agent of agents) perAgent.set(agent, { forbids: new Map(), permits: new Map(), approvals: new Map(), fields: new Map() });
    drafts.set(action.name, perAgent);
  }
  // Actions by the data operation of their effect (`update:Ticket`).
  const byOp = new Map<string, ActionSchema[]>();
  for (const action of actions) {
    if (action.effect === undefined) continue;
    const key = `${action.effect.op}:${action.effect.entity}`;
    byOp.set(key, [...(byOp.get(key) ?? []), action]);
  }

  for (const rule of rules) {
    const ruleAgents = rule.spec.agents.includes("*") ? agents : rule.spec.agents.filter((a) => Object.hasOwn(bundle.agents, a));
    const add = (action: string, field?: string): void => {
      const perAgent = drafts.get(action);
      if (perAgent === undefined) return;
      for (const agent of ruleAgents) {
        const draft = perAgent.get(agent);
        if (draft === undefined) continue;
        if (rule.effect === "require") {
          if (field === undefined) draft.approvals.set(rule.id, rule);
        } else if (field === undefined) {
          (rule.effect === "permit" ? draft.permits : draft.forbids).set(rule.id, rule);
        } else {
          const f = draft.fields.get(field) ?? { permits: new Map<string, CompiledRule>(), forbids: new Map<string, CompiledRule>() };
          draft.fields.set(field, f);
          (rule.effect === "permit" ? f.permits : f.forbids).set(rule.id, rule);
        }
      }
    };
    for (const selector of rule.spec.actions) {
      if (selector.kind === "any") for (const action of actions) add(action.name);
      else if (selector.kind === "action") add(selector.action);
      else {
        const covered = byOp.get(`${selector.op}:${selector.entity}`) ?? [];
        for (const action of covered) {
          if (selector.field === undefined) add(action.name);
          else if (selector.op === "read") add(action.name, selector.field);
        }
      }
    }
  }

  const index = new Map<string, Map<string, Applicable>>();
  for (const action of actions) {
    const entity: EntitySchema | undefined = action.effect?.op === "read" ? bundle.entities[action.effect.entity] : undefined;
    const perAgent = new Map<string, Applicable>();
    for (const [agent, draft] of drafts.get(action.name) ?? []) {
      const forbids = sorted(draft.forbids);
      const permits = sorted(draft.permits);
      const approvals = sorted(draft.approvals);
      let fields: FieldRules[] | undefined;
      if (entity !== undefined) {
        fields = [];
        for (const field of entity.fields) {
          const named = draft.fields.get(field.name);
          if (!field.pii && (named === undefined || named.forbids.size === 0)) continue;
          fields.push({
            field: field.name,
            pii: field.pii,
            permits: named === undefined ? [] : sorted(named.permits),
            forbids: named === undefined ? [] : sorted(named.forbids),
          });
        }
      }
      const groups = [forbids, permits, approvals, ...(fields ?? []).flatMap((f) => [f.permits, f.forbids])];
      const used = usesOf(groups);
      perAgent.set(agent, Object.freeze({ forbids, permits, approvals, fields, usesResource: used.uses.has("resource"), usesContext: used.uses.has("context"), ...used }));
    }
    index.set(action.name, perAgent);
  }
  return index;
}
