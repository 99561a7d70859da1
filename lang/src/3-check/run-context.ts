/**
 * A workflow's `context { … }`: the run's trusted context, which the host gives when it
 * starts a run and no agent can set (spec/language.md §5.8, spec/runtime.md §Run context).
 * Fields are typed as action inputs are. Conditions read them as `run.context.f`: `run` is
 * one type for every rule, `{ context }` with every field any workflow declares, so a field
 * two workflows declare must have one type in both (PB4100). A workflow holds at most one
 * `context` (PB4101). This file only types; the runtime validates and stores the values.
 */
import type { ContextDecl, WorkflowDecl } from "../ast/nodes.js";
import type { Unit } from "../2-resolve/symbols.js";
import { type CelType, T } from "./cel/cel-types.js";
import { checkAnnotations } from "./check-data.js";
import { recordType } from "./env.js";
import { describeType, resolveFieldType, type TypedField } from "./field-types.js";
import type { State } from "./state.js";

/** A workflow's context fields, typed (empty when it declares none). */
export function contextFieldsOf(state: State, unit: Unit, workflow: WorkflowDecl): TypedField[] {
  const block = workflow.body.find((e): e is ContextDecl => e.kind === "Context");
  if (block === undefined) return [];
  return block.fields.map((field) => ({
    name: field.name.name,
    type: field.type.kind === "Ref" ? resolveFieldType(state.ctx, unit, field.type, state.entityOf, state.fieldOf) : { kind: "unknown" },
    optional: field.type.kind === "Ref" && field.type.optional,
    pii: false,
    node: field,
  }));
}

/** Checks every workflow's `context` and returns the type of `run` in conditions. */
export function runType(state: State, workflows: readonly (readonly [Unit, WorkflowDecl])[]): CelType {
  const merged = new Map<string, { field: TypedField; workflow: string }>();
  for (const [unit, workflow] of workflows) {
    const what = `workflow \`${workflow.name.name}\``;
    const blocks = workflow.body.filter((e): e is ContextDecl => e.kind === "Context");
    for (const extra of blocks.slice(1)) state.ctx.report("contextBlocks", unit, extra.span, `${what} has more than one \`context\``, "merge them into one `context { … }`");
    const seen = new Set<string>();
    const typed = contextFieldsOf(state, unit, workflow);
    if (blocks.length > 0) state.contextFields.set(workflow, typed);
    for (const field of typed) {
      checkAnnotations(state, unit, field.node.annotations, [], `context field \`${field.name}\``);
      if (seen.has(field.name)) {
        state.ctx.report("duplicateName", unit, field.node.name.span, `the context of ${what} has two fields called \`${field.name}\``);
        continue;
      }
      seen.add(field.name);
      const other = merged.get(field.name);
      if (other === undefined) {
        merged.set(field.name, { field, workflow: workflow.name.name });
        continue;
      }
      const mine = `${describeType(field.type)}${field.optional ? "?" : ""}`;
      const theirs = `${describeType(other.field.type)}${other.field.optional ? "?" : ""}`;
      if (field.type.kind !== "unknown" && other.field.type.kind !== "unknown" && mine !== theirs) {
        state.ctx.report(
          "contextTypeConflict",
          unit,
          field.node.type.span,
          `context field \`${field.name}\` is \`${mine}\` here but \`${theirs}\` in workflow \`${other.workflow}\``,
          `\`run.context.${field.name}\` has one type in every condition: declare it as \`${theirs}\` here too, or rename one of them`,
        );
      }
    }
  }
  const fields = [...merged.values()].map((m) => m.field).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return T.message("run", {
    context: { type: recordType("run context", fields, "run.context"), doc: "the run's trusted context, given by the host when it started the run (absent outside a run)" },
  });
}
