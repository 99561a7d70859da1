/**
 * Names declared inside a declaration, as names: entity and input fields, and workflow
 * states. Every place one is written — a field's declaration, CEL reads (`resource.amount`,
 * `input.reason`, through the types the checker gave them), the assignments of an
 * `effect … set { … }` and the fields of a test's `given Entity { … }`; a state's
 * declaration, `start`, `next` and a test's `as agent in workflow at state` — for
 * definition, references and rename. Built per analysis; cached. Must not present anything.
 */
import type { CelExpr } from "../ast/cel.js";
import type { ActionDecl, EffectDecl, EntityDecl, Field, Ident, QualifiedName, StateDecl, TestDecl, WorkflowDecl } from "../ast/nodes.js";
import type { Unit } from "../2-resolve/symbols.js";
import type { CelType } from "../3-check/cel/cel-types.js";
import type { Span } from "../source/source-file.js";
import type { Analysis } from "./analysis.js";
import { allNodes, type Located } from "./locate.js";

/** A field, or a workflow's state. */
export type Member = Field | StateDecl;

export interface FieldOccurrence {
  readonly unit: Unit;
  readonly span: Span;
  readonly declaration: boolean;
}

interface Index {
  readonly occurrences: Map<Member, FieldOccurrence[]>;
  /** The members declared beside each one (its entity's fields, its input's, its workflow's states). */
  readonly siblings: Map<Member, readonly Member[]>;
}

const cache = new WeakMap<Analysis, Index>();

function index(analysis: Analysis): Index {
  const cached = cache.get(analysis);
  if (cached !== undefined) return cached;
  const occurrences = new Map<Member, FieldOccurrence[]>();
  const siblings = new Map<Member, readonly Member[]>();
  const add = (field: Member, occurrence: FieldOccurrence): void => {
    const list = occurrences.get(field) ?? [];
    list.push(occurrence);
    occurrences.set(field, list);
  };
  const model = analysis.model;
  const entityOf = (name: QualifiedName): EntityDecl | undefined => {
    const decl = model?.references.get(name)?.decl;
    return decl?.kind === "Entity" ? (decl as EntityDecl) : undefined;
  };
  const workflowNamed = (name: Ident): WorkflowDecl | undefined => {
    const decl = model?.references.get(name)?.decl;
    if (decl?.kind === "Workflow") return decl as WorkflowDecl;
    for (const u of analysis.units.values()) for (const d of u.ast.declarations) if (d.kind === "Workflow" && d.name.name === name.name) return d as WorkflowDecl;
    return undefined;
  };
  const fieldNamed = (entity: EntityDecl | undefined, name: Ident): Field | undefined => entity?.fields.find((f) => f.name.name === name.name);
  for (const unit of analysis.units.values()) {
    if (unit.std) continue;
    for (const decl of unit.ast.declarations) {
      if (decl.kind === "Entity") {
        for (const f of (decl as EntityDecl).fields) {
          add(f, { unit, span: f.name.span, declaration: true });
          siblings.set(f, (decl as EntityDecl).fields);
        }
      }
      if (decl.kind === "Action") {
        for (const entry of (decl as ActionDecl).body) {
          if (entry.kind === "Input") {
            for (const f of entry.fields) {
              add(f, { unit, span: f.name.span, declaration: true });
              siblings.set(f, entry.fields);
            }
          }
          if (entry.kind === "Effect") {
            const entity = entityOf((entry as EffectDecl).entity);
            for (const a of (entry as EffectDecl).assignments ?? []) {
              const f = fieldNamed(entity, a.field);
              if (f !== undefined) add(f, { unit, span: a.field.span, declaration: false });
            }
          }
        }
      }
      if (decl.kind === "Workflow") {
        const states = statesOf(decl as WorkflowDecl);
        for (const state of states) {
          add(state, { unit, span: state.name.span, declaration: true });
          siblings.set(state, states);
        }
        const named = (name: Ident): void => {
          const state = states.find((st) => st.name.name === name.name);
          if (state !== undefined) add(state, { unit, span: name.span, declaration: false });
        };
        for (const entry of (decl as WorkflowDecl).body) {
          if (entry.kind === "Start") named(entry.state);
          if (entry.kind !== "State") continue;
          for (const step of entry.body) {
            if (step.kind !== "Next") continue;
            // `states` and `edges` may hold the same names: each place once.
            const seen = new Set<Ident>();
            for (const target of [...step.states, ...(step.edges ?? []).map((e) => e.state)]) {
              if (seen.has(target)) continue;
              seen.add(target);
              named(target);
            }
          }
        }
      }
      if (decl.kind === "Test") {
        for (const step of (decl as TestDecl).body) {
          if (step.kind === "As" && step.workflow !== undefined && step.state !== undefined) {
            const workflow = workflowNamed(step.workflow);
            const state = workflow === undefined ? undefined : statesOf(workflow).find((st) => st.name.name === step.state?.name);
            if (state !== undefined) add(state, { unit, span: step.state.span, declaration: false });
          }
          if (step.kind !== "GivenRecord") continue;
          const entity = entityOf(step.entity);
          for (const rf of step.record.fields) {
            const f = fieldNamed(entity, rf.name);
            if (f !== undefined) add(f, { unit, span: rf.name.span, declaration: false });
          }
        }
      }
    }
    if (model === undefined) continue;
    for (const node of allNodes(unit.ast)) {
      const types = model.celTypes.get(node as CelExpr);
      if (types === undefined) continue;
      for (const cel of allNodes(node)) {
        if (cel.kind !== "CelSelect") continue;
        const select = cel as Extract<CelExpr, { kind: "CelSelect" }>;
        const field = declaredField(types.get(select.operand), select.field);
        if (field !== undefined) add(field, { unit, span: select.fieldSpan, declaration: false });
      }
    }
  }
  const built = { occurrences, siblings };
  cache.set(analysis, built);
  return built;
}

const statesOf = (workflow: WorkflowDecl): StateDecl[] => workflow.body.filter((e): e is StateDecl => e.kind === "State");

/** The declaration of a record's field, when the type is an entity row's or an input's. */
function declaredField(type: CelType | undefined, name: string): Field | undefined {
  if (type === undefined) return undefined;
  if (type.kind === "nullable") return declaredField(type.inner, name);
  if (type.kind !== "message") return undefined;
  const field = type.fields.get(name) as { node?: Located } | undefined;
  return field?.node?.kind === "Field" ? (field.node as Field) : undefined;
}

/** The field written at `offset` of `unit`, and the span of its name there. */
export function fieldAt(analysis: Analysis, unit: Unit, offset: number): { field: Member; span: Span } | undefined {
  for (const [field, list] of index(analysis).occurrences) {
    for (const o of list) if (o.unit === unit && o.span.start <= offset && offset <= o.span.end) return { field, span: o.span };
  }
  return undefined;
}

export function fieldOccurrences(analysis: Analysis, field: Member): readonly FieldOccurrence[] {
  return index(analysis).occurrences.get(field) ?? [];
}

/** The fields declared beside `field`. */
export function fieldSiblings(analysis: Analysis, field: Member): readonly Member[] {
  return index(analysis).siblings.get(field) ?? [];
}
